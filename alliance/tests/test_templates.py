"""Templates never compare raw enum values: they ask a model property or a context boolean.

A comparison such as ``proposal.stage == "drive"`` repeats a grouping or a permission that
belongs to ``enums.py`` or ``rules.py``, and silently breaks when the grouping changes.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

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
