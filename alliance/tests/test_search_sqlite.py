"""Site search on SQLite, the embedded mode: FTS5 indexes, their triggers and their migration.

These tests need the suite's database to be SQLite; ``test_sqlite`` runs this module in a
separate process against an SQLite file of its own, so they run wherever the suite does.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import search
from members.enums import InstitutionStatus
from members.tests.factories import (
    CompetenceFactory,
    CoordinatorFactory,
    InstitutionCompetenceFactory,
    InstitutionFactory,
    UserFactory,
)
from projects.enums import Stage, Visibility
from projects.models import Proposal
from projects.tests.factories import ProposalCompetenceFactory, ProposalFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="needs SQLite; test_sqlite runs it there"
    ),
]

URL = reverse("search")


def _get(client, **params) -> str:
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def _titles(text: str, kind: str = "projects") -> list[str]:
    """The result titles a visitor finds, in order."""
    html = _get(Client(), q=text, kind=kind)
    found = []
    for part in html.split('<h3 class="item__title">')[1:]:
        link = part.split("</a>", 1)[0].rsplit('">', 1)[1]
        found.append(link.replace("<mark>", "").replace("</mark>", ""))
    return found


def test_sqlite_search_uses_fts5():
    assert (search.fts5_available(), search.engine()) == (True, search.FTS5)


def test_sqlite_search_ranks_an_exact_title_first_then_title_matches():
    ProposalFactory(
        stage=Stage.DRIVE,
        title="Robot grasping with quantum sensors",
        summary="Quantum sensing, quantum control, quantum sensors for grasping.",
    )
    ProposalFactory(stage=Stage.DRIVE, title="Batteries", description="Quantum sensors inside.")
    ProposalFactory(stage=Stage.DRIVE, title="Quantum sensors", summary="Hardware.")

    assert _titles("quantum sensors") == [
        "Quantum sensors",
        "Robot grasping with quantum sensors",
        "Batteries",
    ]


def test_sqlite_search_weighs_title_over_summary_over_description():
    ProposalFactory(stage=Stage.DRIVE, title="Batteries", description="About zebrafish.")
    ProposalFactory(stage=Stage.DRIVE, title="Fish tanks", summary="About zebrafish.")
    ProposalFactory(stage=Stage.DRIVE, title="Zebrafish atlas", summary="Maps.")

    assert _titles("zebrafish") == ["Zebrafish atlas", "Fish tanks", "Batteries"]


def test_sqlite_search_stems_english_words():
    ProposalFactory(stage=Stage.DRIVE, title="Sensing robots")

    assert _titles("robot sensor") == []
    assert _titles("robot sense") == ["Sensing robots"]


def test_sqlite_search_matches_a_quoted_phrase_only_in_a_row():
    ProposalFactory(stage=Stage.DRIVE, title="Zebrafish genome atlas")
    ProposalFactory(stage=Stage.DRIVE, title="Genome of the zebrafish")

    assert _titles('"zebrafish genome"') == ["Zebrafish genome atlas"]
    assert sorted(_titles("zebrafish genome")) == [
        "Genome of the zebrafish",
        "Zebrafish genome atlas",
    ]


def test_sqlite_search_leaves_out_minus_words_and_offers_or():
    ProposalFactory(stage=Stage.DRIVE, title="Zebrafish genome")
    ProposalFactory(stage=Stage.DRIVE, title="Zebrafish atlas")
    ProposalFactory(stage=Stage.DRIVE, title="Axolotl atlas")

    assert _titles("zebrafish -genome") == ["Zebrafish atlas"]
    assert _titles('atlas -"axolotl atlas"') == ["Zebrafish atlas"]
    assert _titles("genome or axolotl") == ["Axolotl atlas", "Zebrafish genome"]
    assert _titles("-genome") == []


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '""',
        '"zebrafish',
        "zebrafish*",
        "*",
        "AND",
        "zebrafish NOT",
        "NEAR(zebrafish atlas)",
        "title:zebrafish",
        "(zebrafish",
        "^zebrafish",
        "zebra-fish",
        "-",
        "--zebrafish",
        "or or",
        "zebrafish or",
        "' ; DROP TABLE projects_proposal; --",
        "%_\\",
        "{zebrafish}",
        "\u00e9t\u00e9 z\u00fcrich \u6f22\u5b57",
    ],
)
def test_sqlite_search_never_fails_on_syntax_characters(client, text):
    ProposalFactory(stage=Stage.DRIVE, title="Zebrafish atlas")

    response = client.get(URL, {"q": text})

    assert response.status_code == 200
    assert Proposal.objects.filter(title="Zebrafish atlas").count() == 1


def test_sqlite_search_finds_words_written_with_syntax_characters(client):
    ProposalFactory(stage=Stage.DRIVE, title="Zebrafish atlas")

    assert _titles("zebrafish* (atlas") == ["Zebrafish atlas"]
    assert _titles("title:zebrafish") == []


def test_sqlite_search_escapes_titles_and_snippets(client):
    ProposalFactory(
        stage=Stage.DRIVE,
        title="<script>alert(1)</script> zebrafish",
        summary="<b>zebrafish</b> & friends",
    )

    html = _get(client, q="zebrafish")

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>zebrafish</mark>" in html
    assert "&lt;b&gt;<mark>zebrafish</mark>&lt;/b&gt; &amp; friends" in html
    assert "<b>" not in html


def test_sqlite_search_highlights_stemmed_matches_and_cuts_a_snippet(client):
    ProposalFactory(
        stage=Stage.DRIVE,
        title="Zebrafish atlas",
        summary="Maps.",
        description=" ".join(["filler"] * 80 + ["zebrafish", "swimming"] + ["filler"] * 80),
    )

    html = _get(client, q="swim")

    assert "<mark>swimming</mark>" in html
    assert "…filler" in html


def test_sqlite_search_shows_a_visitor_public_text_only(client):
    ProposalFactory(stage=Stage.DRIVE, title="Public zebrafish atlas")
    for stage in (Stage.DRAFT, Stage.DEFINE, Stage.REVIEW, Stage.CHANGES_REQUESTED):
        ProposalFactory(stage=stage, title=f"{stage} secret", summary=f"{stage} zebrafish summary")
    ProposalFactory(
        stage=Stage.DEFINE,
        visibility=Visibility.CONFIDENTIAL,
        title="Confidential secret",
        description="Confidential zebrafish description",
    )
    InstitutionFactory(status=InstitutionStatus.APPLICANT, name="Zebrafish applicant lab")
    UserFactory(display_name="Former zebrafish fan", is_active=False)

    html = _get(client, q="zebrafish")

    assert "Public <mark>zebrafish</mark> atlas" in html
    assert ("secret" in html, "applicant" in html, "Former" in html) == (False, False, False)


def test_sqlite_search_finds_a_review_proposal_for_a_coordinator(client):
    ProposalFactory(stage=Stage.REVIEW, title="Review zebrafish atlas")
    client.force_login(CoordinatorFactory())

    html = _get(client, q="zebrafish")

    assert "Review <mark>zebrafish</mark> atlas" in html


def test_sqlite_search_finds_institutions_and_profiles_but_not_email(client):
    InstitutionFactory(name="Aquarium Institute", short_name="AQI", city="Zebrafish Bay")
    UserFactory(display_name="Ada Lovelace", bio="Zebrafish keeper.", email="hidden@fish.example")

    html = _get(client, q="zebrafish")

    assert ("Aquarium Institute" in html, "Ada Lovelace" in html) == (True, True)
    assert _titles("hidden", kind="people") == []
    assert _titles("AQI", kind="institutions") == ["Aquarium Institute"]


def test_sqlite_search_filters_by_competence():
    robotics = CompetenceFactory(slug="robotics")
    ProposalCompetenceFactory(
        proposal=ProposalFactory(stage=Stage.DRIVE, title="Zebrafish robots"), competence=robotics
    )
    ProposalFactory(stage=Stage.DRIVE, title="Zebrafish genome")
    InstitutionCompetenceFactory(
        institution=InstitutionFactory(name="Zebrafish Works"), competence=robotics
    )
    InstitutionFactory(name="Zebrafish University")

    html = _get(Client(), q="zebrafish", competence="robotics")

    assert [f"</mark> {name}" in html for name in ("robots", "Works", "genome", "University")] == [
        True,
        True,
        False,
        False,
    ]


def _alliance(start: int, n: int) -> None:
    for i in range(start, start + n):
        ProposalFactory(stage=Stage.DRIVE, title=f"Zebrafish study {i}")
        InstitutionFactory(name=f"Zebrafish lab {i}")
        UserFactory(display_name=f"Zebrafish fan {i}")


# The form's choices, then for each kind shown its count, its page and the highlights of
# the page's rows (one FTS5 query, so that they are cut for those rows alone).
@pytest.mark.parametrize(("kind", "expected"), [("", 12), ("projects", 6)])
def test_sqlite_search_queries_are_the_same_for_1_and_50_results(client, kind, expected):
    def count() -> int:
        html = _get(client, q="zebrafish", kind=kind)  # warm
        with CaptureQueriesContext(connection) as queries:
            _get(client, q="zebrafish", kind=kind)
        assert "<mark>Zebrafish</mark> study" in html
        return len(queries)

    _alliance(0, 1)
    one = count()
    _alliance(1, 49)
    fifty = count()

    assert (one, fifty) == (expected, expected)


def test_sqlite_search_follows_updates_and_deletes():
    proposal = ProposalFactory(stage=Stage.DRIVE, title="Zebrafish atlas")
    institution = InstitutionFactory(name="Zebrafish lab")
    person = UserFactory(display_name="Zebrafish fan")

    proposal.title = "Axolotl atlas"
    proposal.save()
    institution.description = "Now axolotls too."
    institution.save(update_fields=["description"])
    person.bio = "Axolotl keeper."
    person.save()

    assert (_titles("zebrafish"), _titles("axolotl")) == ([], ["Axolotl atlas"])
    assert _titles("axolotl", kind="institutions") == ["Zebrafish lab"]
    assert _titles("axolotl", kind="people") == ["Zebrafish fan"]

    Proposal.objects.filter(pk=proposal.pk).delete()
    person.delete()

    assert (_titles("axolotl"), _titles("axolotl", kind="people")) == ([], [])


def _fts_rows(table: str) -> int:
    with connection.cursor() as cursor:
        # The index's own count, not its content table's: 'docsize' has one row per entry.
        cursor.execute(f'SELECT count(*) FROM "{search.fts_table(table)}_docsize"')
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_sqlite_search_migration_fills_the_index_with_existing_rows():
    call_command("migrate", "projects", "0012", verbosity=0)
    assert "projects_proposal_fts" not in connection.introspection.table_names()
    ProposalFactory(stage=Stage.DRIVE, title="Zebrafish atlas")
    ProposalFactory(stage=Stage.COMPLETED, title="Zebrafish genome")

    call_command("migrate", "projects", verbosity=0)

    assert _fts_rows("projects_proposal") == 2
    assert _titles("zebrafish") == ["Zebrafish atlas", "Zebrafish genome"]


@pytest.mark.django_db(transaction=True)
def test_sqlite_search_index_gets_its_triggers_back_after_a_table_rebuild():
    proposal = ProposalFactory(stage=Stage.DRIVE, title="Zebrafish atlas")
    # What Django's SQLite schema editor does for many a migration: copy, drop, rename;
    # the drop takes the table's triggers with it.
    with connection.schema_editor() as editor:
        editor._remake_table(Proposal)
    Proposal.objects.filter(pk=proposal.pk).update(title="Axolotl atlas")
    assert _titles("axolotl") == []

    call_command("migrate", verbosity=0)
    Proposal.objects.filter(pk=proposal.pk).update(title="Axolotl atlas, revised")

    assert (_titles("axolotl"), _titles("zebrafish")) == (["Axolotl atlas, revised"], [])
