"""Full-text search shared by the apps' selectors: the one module that knows each database's engine.

PostgreSQL searches with its own full-text engine (weighted vectors, websearch syntax): each
searched table keeps its vector in a stored generated column (``DOCUMENT_COLUMN``, made by
the migrations with ``document_add``, GIN-indexed), so ranking reads it rather than
parsing every matching row's text again. SQLite, the embedded mode, searches
an FTS5 index per model (an external-content table over the same fields, kept in step by
triggers that the migrations create, ranked by bm25 with the same column weights); where
the SQLite library lacks FTS5 it falls back to ``icontains`` over the same fields, every
word required, and highlights in Python. Either way the match only narrows the rows the
caller passes in, which are already those the user may see.
"""

from __future__ import annotations

import functools
import operator
import re
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from typing import Any, cast

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.db import connection, connections
from django.db.models import Case, Model, Q, QuerySet, TextField, Value, When
from django.db.models.expressions import Combinable, Expression
from django.db.models.functions import Concat
from django.db.models.signals import post_migrate
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

POSTGRESQL, FTS5, CONTAINS = "postgresql", "fts5", "contains"
# One configuration for the indexes and the queries: the planner uses an expression index
# only for the very same expression.
SEARCH_CONFIG = "english"
# The stored vector of each searched table on PostgreSQL (a generated column).
DOCUMENT_COLUMN = "search_document"
# FTS5's nearest to it: English stems, case and accents folded.
FTS5_TOKENIZE = "porter unicode61 remove_diacritics 2"
# PostgreSQL's default rank weights of the vector labels, as bm25's column weights.
WEIGHTS = {"A": 1.0, "B": 0.4, "C": 0.2, "D": 0.1}
# Control characters no form field accepts: the headline marks matches with them, and only
# after escaping the text are they turned into <mark>.
_START, _STOP = "\x02", "\x03"
_WORD = re.compile(r"\w+")
# A websearch token: an optional minus, then a quoted phrase (closed or not) or a bare word.
_TOKEN = re.compile(r'(-?)(?:"([^"]*)"?|([^\s"]+))')
MAX_WORDS = 12
SNIPPET_CHARS = 220
SNIPPET_TOKENS = 30

type Fields = tuple[tuple[str, str], ...]


def engine() -> str:
    """The search engine of the database in use: ``POSTGRESQL``, ``FTS5`` or ``CONTAINS``."""
    if connection.vendor == "postgresql":
        return POSTGRESQL
    if connection.vendor == "sqlite" and fts5_available():
        return FTS5
    return CONTAINS


@functools.cache
def fts5_available() -> bool:
    """True where Python's SQLite library (the one Django uses) has the FTS5 extension."""
    try:
        with closing(sqlite3.connect(":memory:")) as probe:
            probe.execute("CREATE VIRTUAL TABLE probe USING fts5(text)")
    except sqlite3.Error:
        return False
    return True


def ranked[M: Model](
    rows: QuerySet[M], *, text: str, fields: Fields, title: str, body: tuple[str, ...]
) -> QuerySet[M]:
    """``rows`` that match ``text``: an exact ``title`` first, then by rank.

    ``fields`` are the searched ``(field, weight)`` pairs. On PostgreSQL the title is
    highlighted whole (``title_headline``) and a snippet is cut from the ``body`` fields
    (``text_headline``) here; ``hits`` marks the rows of a page on every engine.
    """
    exact = Case(When(**{f"{title}__iexact": text}, then=Value(0)), default=Value(1))
    kind = engine()
    if kind == POSTGRESQL:
        return _postgresql(rows, text=text, fields=fields, title=title, body=body).order_by(
            exact, "-rank", title, "pk"
        )
    if kind == FTS5:
        query = fts_query(text)
        if not query:
            return rows.none()
        # bm25 is negative, and lower is better.
        return _fts5(rows, query=query, fields=fields).order_by(exact, "rank", title, "pk")
    in_title = Case(When(contains_all(text, [title]), then=Value(0)), default=Value(1))
    return rows.filter(contains_all(text, [name for name, _weight in fields])).order_by(
        exact, in_title, title, "pk"
    )


# PostgreSQL ------------------------------------------------------------------------------


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


class StoredDocument(Expression):
    """The searched table's stored vector (``DOCUMENT_COLUMN``), as ``search_vector`` makes it."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        table = compiler.quote_name(compiler.query.base_table)
        return f"{table}.{connection.ops.quote_name(DOCUMENT_COLUMN)}", []


def _document_sql(fields: Fields, quote) -> str:
    """``search_vector(*fields)`` as SQL of the table's own columns, for the generated column."""
    return " || ".join(
        f"setweight(to_tsvector('{SEARCH_CONFIG}'::regconfig, COALESCE({quote(name)}::text, '')),"
        f" '{weight}')"
        for name, weight in fields
    )


def document_add(schema_editor, *, model: type[Model], fields: Fields, replaces: str) -> None:
    """Give ``model``'s table its stored vector and a GIN index on it (PostgreSQL only).

    ``replaces`` is the expression index it takes over from (dropped).
    """
    if schema_editor.connection.vendor != "postgresql":
        return
    table = model._meta.db_table
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"ALTER TABLE {quote(table)} ADD COLUMN {quote(DOCUMENT_COLUMN)} tsvector"
        f" GENERATED ALWAYS AS ({_document_sql(fields, quote)}) STORED"
    )
    schema_editor.execute(
        f"CREATE INDEX {quote(table + '_document_idx')} ON {quote(table)}"
        f" USING gin ({quote(DOCUMENT_COLUMN)})"
    )
    schema_editor.execute(f"DROP INDEX IF EXISTS {quote(replaces)}")


def document_remove(schema_editor, *, model: type[Model], fields: Fields, replaces: str) -> None:
    """Undo ``document_add``: the expression index again, the column gone."""
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    schema_editor.add_index(model, GinIndex(search_vector(*fields), name=replaces))
    schema_editor.execute(
        f"ALTER TABLE {quote(model._meta.db_table)} DROP COLUMN {quote(DOCUMENT_COLUMN)}"
    )


def _postgresql[M: Model](
    rows: QuerySet[M], *, text: str, fields: Fields, title: str, body: tuple[str, ...]
) -> QuerySet[M]:
    # ``fields`` made the stored vector (the migrations' ``document_add``; a test compares).
    vector = StoredDocument()
    query = search_query(text)
    parts: list[Any] = [body[0]]
    for name in body[1:]:
        parts += [Value(" "), name]
    text_expression = Concat(*parts, output_field=TextField()) if len(body) > 1 else body[0]
    annotated = rows.annotate(
        document=vector,
        rank=SearchRank(vector, query),
        title_headline=headline(title, text, whole=True),
        text_headline=headline(text_expression, text),
    )
    return cast("QuerySet[M]", annotated.filter(document=query))


# SQLite FTS5 -----------------------------------------------------------------------------


def fts_table(table: str) -> str:
    """The name of the FTS5 index of ``table``."""
    return f"{table}_fts"


def fts_query(text: str) -> str:
    """``text`` in websearch syntax as an FTS5 query that cannot be a syntax error.

    Words are required, ``"a phrase"`` matches the words in a row, ``-word`` (or
    ``-"a phrase"``) leaves rows out and ``or`` offers alternatives, as in PostgreSQL's
    websearch. Every term goes to FTS5 as a quoted string of word characters only, so
    FTS5's own operators and punctuation in the text are plain words. A part made only of
    exclusions cannot be told to FTS5 and is dropped; the empty string means no match.
    """
    clauses: list[tuple[list[str], list[str]]] = [([], [])]
    count = 0
    for minus, quoted, bare in _TOKEN.findall(text):
        if not minus and bare.lower() == "or":
            clauses.append(([], []))
            continue
        terms = _WORD.findall(quoted or bare)[: MAX_WORDS - count]
        if not terms:
            continue
        count += len(terms)
        required, excluded = clauses[-1]
        (excluded if minus else required).append('"' + " ".join(terms) + '"')
    parts = []
    for required, excluded in clauses:
        if not required:
            continue
        part = " AND ".join(required)
        if excluded:
            part = f"({part}) NOT ({' OR '.join(excluded)})"
        parts.append(f"({part})")
    return " OR ".join(parts)


def _fts5[M: Model](rows: QuerySet[M], *, query: str, fields: Fields) -> QuerySet[M]:
    """The candidates the index matches, with their bm25 ``rank``.

    The FTS5 match only yields candidate ids: ``rows`` already hold only what the user may
    see. Highlights are left to ``hits``, for the rows of one page: SQLite would compute
    them for every match before sorting.
    """
    table = rows.model._meta.db_table
    fts = fts_table(table)
    pk = f'"{table}"."{rows.model._meta.pk.column}"'
    weights = ", ".join(str(WEIGHTS[weight]) for _name, weight in fields)
    # A join, so that FTS5 runs the query once; a correlated subquery per row runs it anew.
    joined = rows.extra(
        select={"rank": f'bm25("{fts}", {weights})'},
        tables=[fts],
        where=[f'"{fts}" MATCH %s', f'"{fts}".rowid = {pk}'],
        params=[query],
    )
    return cast("QuerySet[M]", joined)


def _fts5_headlines(
    rows: list[Model], *, text: str, fields: Fields, title: str, body: tuple[str, ...]
) -> dict[Any, tuple[str, str]]:
    """Per row of one page: its title with the matches marked and a snippet of its body."""
    query = fts_query(text)
    if not rows or not query:
        return {}
    fts = fts_table(rows[0]._meta.db_table)
    columns = [name for name, _weight in fields]
    expressions = [f'highlight("{fts}", {columns.index(title)}, %s, %s)']
    params: list[Any] = [_START, _STOP]
    for name in body:
        expressions.append(f'snippet("{fts}", {columns.index(name)}, %s, %s, %s, {SNIPPET_TOKENS})')
        params += [_START, _STOP, "…"]
    ids = [row.pk for row in rows]
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT rowid, {", ".join(expressions)} FROM "{fts}" WHERE "{fts}" MATCH %s'
            f" AND rowid IN ({', '.join(['%s'] * len(ids))})",
            [*params, query, *ids],
        )
        found = cursor.fetchall()
    headlines = {}
    for rowid, title_headline, *snippets in found:
        # The snippet of the first body field with a match in it, else of the first field.
        snippet = next((s for s in snippets if s and _START in s), snippets[0] or "")
        headlines[rowid] = (title_headline or "", snippet)
    return headlines


def _fts_triggers(table: str, columns: list[str], pk: str) -> dict[str, str]:
    fts = fts_table(table)
    names = ", ".join(f'"{c}"' for c in columns)

    def values(row: str) -> str:
        return ", ".join([f'{row}."{pk}"', *(f'{row}."{c}"' for c in columns)])

    insert = f'INSERT INTO "{fts}"(rowid, {names}) VALUES ({values("new")});'
    delete = f"""INSERT INTO "{fts}"("{fts}", rowid, {names}) VALUES ('delete', {values("old")});"""
    return {
        f"{fts}_insert": f'AFTER INSERT ON "{table}" BEGIN {insert} END',
        f"{fts}_delete": f'AFTER DELETE ON "{table}" BEGIN {delete} END',
        f"{fts}_update": f'AFTER UPDATE OF {names} ON "{table}" BEGIN {delete} {insert} END',
    }


def fts_create(schema_editor, *, table: str, fields: Fields, pk: str = "id") -> None:
    """Create ``table``'s FTS5 index over ``fields``, its triggers, and fill it (SQLite only).

    For a migration's ``RunPython``: a no-op on other databases and where SQLite lacks FTS5
    (the search then falls back to ``icontains``).
    """
    if schema_editor.connection.vendor != "sqlite" or not fts5_available():
        return
    fts = fts_table(table)
    columns = [name for name, _weight in fields]
    schema_editor.execute(
        f'CREATE VIRTUAL TABLE IF NOT EXISTS "{fts}" USING fts5('
        f"{', '.join(columns)}, content='{table}', content_rowid='{pk}', "
        f"tokenize='{FTS5_TOKENIZE}')"
    )
    for name, trigger in _fts_triggers(table, columns, pk).items():
        schema_editor.execute(f'CREATE TRIGGER IF NOT EXISTS "{name}" {trigger}')
    # The rows that exist already: rebuild reads them all from the content table.
    schema_editor.execute(f"""INSERT INTO "{fts}"("{fts}") VALUES ('rebuild')""")


def fts_drop(schema_editor, *, table: str) -> None:
    """Drop ``table``'s FTS5 index and its triggers (the reverse of ``fts_create``)."""
    if schema_editor.connection.vendor != "sqlite":
        return
    fts = fts_table(table)
    for name in _fts_triggers(table, [], "id"):
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
    schema_editor.execute(f'DROP TABLE IF EXISTS "{fts}"')


def fts_repair(*, using: str, table: str, fields: Fields, pk: str = "id") -> bool:
    """Put back the triggers of an FTS5 index that has lost them, and refill it.

    SQLite drops a table's triggers with the table, and Django's SQLite schema editor
    rebuilds a table (copy, drop, rename) for many a later migration; run after every
    ``migrate`` (``post_migrate``), this keeps the index in step. An index its migration
    has not created (or has removed) is left alone. True when it repaired something.
    """
    db = connections[using]
    if db.vendor != "sqlite" or not fts5_available():
        return False
    fts = fts_table(table)
    triggers = _fts_triggers(table, [name for name, _weight in fields], pk)
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master"
            " WHERE name = %s OR (type = 'trigger' AND tbl_name = %s)",
            [fts, table],
        )
        present = {name for (name,) in cursor.fetchall()}
        if fts not in present or set(triggers) <= present:
            return False
    with db.schema_editor() as schema_editor:
        fts_create(schema_editor, table=table, fields=fields, pk=pk)
    return True


def fts_keep(app_config, *, indexes: Iterable[tuple[str, Fields]]) -> None:
    """Repair the app's FTS5 ``(table, fields)`` indexes after every ``migrate`` (``fts_repair``)."""
    indexes = list(indexes)

    def receiver(*, using: str, **kwargs: Any) -> None:
        for table, fields in indexes:
            fts_repair(using=using, table=table, fields=fields)

    post_migrate.connect(
        receiver, sender=app_config, weak=False, dispatch_uid=f"fts-{app_config.label}"
    )


# The fallback ----------------------------------------------------------------------------


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


# Highlights ------------------------------------------------------------------------------


def marked(text: str) -> SafeString:
    """Escape a headline, then turn its match markers into <mark> elements."""
    return mark_safe(escape(text).replace(_START, "<mark>").replace(_STOP, "</mark>"))


def hits(
    rows: list[Model], *, text: str, fields: Fields, title: str, body: tuple[str, ...]
) -> None:
    """Set ``title_hit`` and ``text_hit`` (safe HTML) on the rows of one page of ``ranked``.

    PostgreSQL's rows carry their headlines; FTS5's are read for the page in one query;
    the fallback marks the query's words in Python.
    """
    fts5 = (
        _fts5_headlines(rows, text=text, fields=fields, title=title, body=body)
        if rows and not hasattr(rows[0], "title_headline") and engine() == FTS5
        else {}
    )
    for row in rows:
        if hasattr(row, "title_headline"):
            row.title_hit = marked(row.title_headline)  # type: ignore[attr-defined]
            row.text_hit = marked(row.text_headline or "")  # type: ignore[attr-defined]
        elif row.pk in fts5:
            title_headline, text_headline = fts5[row.pk]
            row.title_hit = marked(title_headline)  # type: ignore[attr-defined]
            row.text_hit = marked(text_headline)  # type: ignore[attr-defined]
        else:
            row.title_hit = highlighted(getattr(row, title), text)  # type: ignore[attr-defined]
            value = " ".join(getattr(row, name) for name in body)
            row.text_hit = highlighted(value, text, snippet=True)  # type: ignore[attr-defined]


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
