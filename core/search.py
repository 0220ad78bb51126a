"""Full-text search helpers shared by the apps' selectors: vectors, queries and highlights.

PostgreSQL searches with its own full-text engine (weighted vectors, websearch syntax, GIN
indexes built on exactly the vector expressions below); SQLite, the embedded mode, falls
back to ``icontains`` over the same fields, every word required, and highlights in Python.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Iterable

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import Combinable
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# One configuration for the indexes and the queries: the planner uses an expression index
# only for the very same expression.
SEARCH_CONFIG = "english"
# Control characters no form field accepts: the headline marks matches with them, and only
# after escaping the text are they turned into <mark>.
_START, _STOP = "\x02", "\x03"
_WORD = re.compile(r"\w+")
MAX_WORDS = 12
SNIPPET_CHARS = 220


def uses_full_text() -> bool:
    """True where the database has PostgreSQL's full-text search."""
    return connection.vendor == "postgresql"


def search_vector(*fields: tuple[str, str]) -> Combinable:
    """The weighted vector over ``(field, weight)`` pairs, as the GIN indexes build it."""
    vectors = [SearchVector(name, weight=weight, config=SEARCH_CONFIG) for name, weight in fields]
    return functools.reduce(operator.add, vectors)


def search_query(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)


def headline(expression, text: str, *, whole: bool = False) -> SearchHeadline:
    """A headline whose matches are marked with the control characters ``marked`` expects.

    ``whole`` keeps all of the text (a title); otherwise a snippet around the matches is cut,
    and PostgreSQL drops what looks like HTML tags from it.
    """
    if whole:
        return SearchHeadline(
            expression,
            search_query(text),
            config=SEARCH_CONFIG,
            start_sel=_START,
            stop_sel=_STOP,
            highlight_all=True,
        )
    return SearchHeadline(
        expression,
        search_query(text),
        config=SEARCH_CONFIG,
        start_sel=_START,
        stop_sel=_STOP,
        max_words=35,
        min_words=15,
    )


def marked(text: str) -> SafeString:
    """Escape a headline, then turn its match markers into <mark> elements."""
    return mark_safe(escape(text).replace(_START, "<mark>").replace(_STOP, "</mark>"))


def words(text: str) -> list[str]:
    """The words of a query, without websearch's operators, at most ``MAX_WORDS``."""
    found = [w for w in _WORD.findall(text) if w.lower() != "or"]
    return found[:MAX_WORDS]


def contains_all(text: str, fields: Iterable[str]) -> Q:
    """Every word of ``text`` in at least one of ``fields`` (the fallback's filter)."""
    fields = list(fields)
    condition = Q()
    for word in words(text):
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        condition &= any_field
    return condition


def highlighted(value: str, text: str, *, snippet: bool = False) -> SafeString:
    """``value`` escaped, the query's words marked; cut around the first match for a snippet."""
    terms = words(text)
    if snippet and len(value) > SNIPPET_CHARS:
        pattern = (
            re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE) if terms else None
        )
        first = pattern.search(value) if pattern else None
        start = max(0, first.start() - SNIPPET_CHARS // 3) if first else 0
        value = ("…" if start else "") + value[start : start + SNIPPET_CHARS] + "…"
    if not terms:
        return escape(value)
    pattern = re.compile("(" + "|".join(re.escape(t) for t in terms) + ")", re.IGNORECASE)
    parts = pattern.split(value)
    # split() with one group alternates text and match: odd positions are the matches.
    return mark_safe(
        "".join(
            f"<mark>{escape(part)}</mark>" if i % 2 else str(escape(part))
            for i, part in enumerate(parts)
        )
    )
