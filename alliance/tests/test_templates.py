"""Templates never compare raw enum values: they ask a model property or a context boolean.

A comparison such as ``proposal.stage == "drive"`` repeats a grouping or a permission that
belongs to ``enums.py`` or ``rules.py``, and silently breaks when the grouping changes.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

TAG = re.compile(r"{%.*?%}", re.DOTALL)
# A quoted string on either side of ==, != or in.
COMPARED = re.compile(
    r"""(?:==|!=|\bin)\s*(["'])(?P<right>[^"']*)\1"""
    r"""|(["'])(?P<left>[^"']*)\3\s*(?:==|!=|\bin\b)"""
)


def _local_apps() -> list:
    """Our apps: packages at the top of the repository (a virtualenv inside it is not ours)."""
    base = Path(settings.BASE_DIR)
    return [config for config in apps.get_app_configs() if Path(config.path).parent == base]


def _enum_values() -> set[str]:
    """Every string a model field of ours may hold as a choice (stages, statuses, roles…)."""
    values = set()
    for config in _local_apps():
        for model in config.get_models():
            for field in model._meta.get_fields():
                for value, _label in getattr(field, "flatchoices", None) or []:
                    if isinstance(value, str) and value:
                        values.add(value)
    return values


def _templates() -> list[Path]:
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += [Path(config.path) / "templates" for config in _local_apps()]
    return sorted(path for root in roots if root.is_dir() for path in root.rglob("*.html"))


def _compared_strings(text: str) -> list[str]:
    return [
        match["right"] if match["right"] is not None else match["left"]
        for tag in TAG.findall(text)
        # The navigation compares URL names, which may spell like an enum value.
        if "resolver_match" not in tag
        for match in COMPARED.finditer(tag)
    ]


def test_compared_strings_are_found_on_either_side():
    text = (
        '{% if p.status == "invited" %}{% elif "lead" != p.role %}'
        "{% elif p.stage in 'drive paused' %}{% endif %}{{ 'a' }}"
    )

    assert _compared_strings(text) == ["invited", "lead", "drive paused"]


def test_no_template_compares_an_enum_value():
    enum_values = _enum_values()
    base = Path(settings.BASE_DIR)
    offending = [
        f"{path.relative_to(base)}: {value!r}"
        for path in _templates()
        for value in _compared_strings(path.read_text())
        if value in enum_values or set(value.split()) & enum_values
    ]

    assert {"drive", "invited", "active", "submitted"} <= enum_values
    assert offending == []


# A template may name the machine format ('c'), the time zone ('T') or a format of the
# language ("DATETIME_FORMAT" …); any other literal is a second way of writing a date.
DATE_FILTER = re.compile(r"""\|date:(["'])(?P<format>[^"']*)\1""")
NAMED_FORMATS = {"c", "T", "DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT"}


def test_no_template_writes_a_date_format_of_its_own():
    base = Path(settings.BASE_DIR)
    offending = [
        f"{path.relative_to(base)}: {match['format']!r}"
        for path in _templates()
        for match in DATE_FILTER.finditer(path.read_text())
        if match["format"] not in NAMED_FORMATS
    ]

    assert offending == []


def test_dates_read_the_same_in_every_language_format():
    moment = datetime(2026, 11, 29, 14, 5)
    template = Template('{{ moment|date }} / {{ moment|date:"DATETIME_FORMAT" }}')

    rendered = {}
    for language in ("en", "de"):
        with translation.override(language):
            rendered[language] = template.render(Context({"moment": moment}))

    assert rendered == {
        "en": "29 Nov 2026 / 29 Nov 2026, 14:05",
        "de": "29. Nov 2026 / 29. Nov 2026, 14:05",
    }
