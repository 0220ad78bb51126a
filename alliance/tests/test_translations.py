"""The German catalogue is complete, current with the sources, and compiled."""

import datetime
import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "de" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# What `make makemessages` leaves out, and what is no source at all.
NOT_SOURCES = (".git", ".venv", "node_modules", "var", "__pycache__", ".*_cache", "htmlcov")

pytestmark = pytest.mark.skipif(
    shutil.which("msgfmt") is None or shutil.which("xgettext") is None,
    reason="GNU gettext is not installed",
)


def _statistics(po: Path) -> str:
    """Return msgfmt's one-line count of translated, fuzzy and untranslated messages."""
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(po)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "LC_ALL": "C", "LANGUAGE": ""},
    )
    return result.stderr.strip()


def _catalog(po: Path, tmp_path: Path) -> dict[object, str]:
    """Compile `po` and return its messages, header left out."""
    mo = tmp_path / f"{po.stem}-{abs(hash(po))}.mo"
    subprocess.run(["msgfmt", "-o", str(mo), str(po)], check=True)
    with mo.open("rb") as f:
        catalog = dict(gettext.GNUTranslations(f)._catalog)  # type: ignore[attr-defined]
    catalog.pop("", None)
    return catalog


def test_german_catalogue_has_no_untranslated_or_fuzzy_message() -> None:
    assert re.fullmatch(r"\d+ translated messages?\.", _statistics(PO))


def test_german_catalogue_is_current_with_the_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # makemessages writes into the tree it runs in, so it runs in a copy of the sources.
    copy = tmp_path / "src"
    shutil.copytree(settings.BASE_DIR, copy, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    monkeypatch.chdir(copy)
    monkeypatch.setattr(settings, "LOCALE_PATHS", [copy / "locale"])
    call_command(
        "makemessages",
        locale=["de"],
        ignore_patterns=[".venv/*", "node_modules/*", "var/*"],
        no_obsolete=True,
        verbosity=0,
    )
    extracted = copy / "locale" / "de" / "LC_MESSAGES" / "django.po"

    # A message new in the sources arrives untranslated (or fuzzy); one gone from them
    # leaves the merged catalogue, so the committed one has a message more.
    assert re.fullmatch(r"\d+ translated messages?\.", _statistics(extracted))
    assert _catalog(extracted, tmp_path).keys() == _catalog(PO, tmp_path).keys()


def test_german_compiled_catalogue_matches_its_source(tmp_path: Path) -> None:
    with MO.open("rb") as f:
        committed = dict(gettext.GNUTranslations(f)._catalog)  # type: ignore[attr-defined]
    committed.pop("", None)

    assert committed == _catalog(PO, tmp_path)


def test_german_pages_format_dates_and_numbers_the_german_way() -> None:
    template = Template('{{ when|date:"DATE_FORMAT" }} · {{ score|floatformat:2 }} · {{ mean }}')
    context = Context({"when": datetime.date(2026, 3, 9), "score": 0.5, "mean": 3.25})

    with translation.override("de"):
        german = template.render(context)
    with translation.override("en"):
        english = template.render(context)

    assert german == "9. Mär 2026 · 0,50 · 3,25"
    assert english == "9 Mar 2026 · 0.50 · 3.25"


def test_german_translations_say_each_thing_once(tmp_path: Path) -> None:
    # A translation pasted twice into its entry passes msgfmt but reads double.
    doubled = [
        text
        for text in _catalog(PO, tmp_path).values()
        if len(text) > 10 and text[: len(text) // 2] * 2 == text
    ]

    assert doubled == []
