"""Site search: ranking, the SQLite fallback, visibility, filters, highlights and limits."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import require
from core import search
from members.enums import InstitutionKind, InstitutionStatus
from members.models import Institution, User
from members.selectors import INSTITUTION_SEARCH_FIELDS, PERSON_SEARCH_FIELDS
from members.tests.factories import (
    CompetenceFactory,
    CoordinatorFactory,
    FocusAreaFactory,
    InstitutionCompetenceFactory,
    InstitutionFactory,
    PersonCompetenceFactory,
    UserFactory,
)
from projects.enums import Stage, Visibility
from projects.models import Proposal
from projects.selectors import PROPOSAL_SEARCH_FIELDS
from projects.tests.factories import ProposalCompetenceFactory, ProposalFactory

pytestmark = pytest.mark.django_db

URL = reverse("search")


def _get(client, **params) -> str:
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def _in_order(html: str, *texts: str) -> bool:
    positions = [html.index(text) for text in texts]
    return positions == sorted(positions)


@pytest.fixture(params=["postgresql", "fallback"])
def engine(request, monkeypatch) -> str:
    """Run a test through PostgreSQL's full-text search and through the SQLite fallback."""
    if request.param == "postgresql":
        require(connection.vendor == "postgresql", "full-text search needs PostgreSQL")
    else:
        monkeypatch.setattr(search, "engine", lambda: search.CONTAINS)
    return request.param


def test_search_ranks_an_exact_title_match_first_on_postgresql(client):
    require(connection.vendor == "postgresql", "full-text search needs PostgreSQL")
    ProposalFactory(
        stage=Stage.DRIVE,
        title="Robot grasping with quantum sensors",
        summary="Quantum sensing, quantum control, quantum sensors for grasping.",
    )
    ProposalFactory(stage=Stage.DRIVE, title="Quantum sensors", summary="Hardware.")
    ProposalFactory(stage=Stage.DRIVE, title="Batteries", description="Quantum sensors inside.")

    html = _get(client, q="quantum sensors", kind="projects")

    assert _in_order(html, '"><mark>Quantum</mark> <mark>sensors</mark></a>', "Robot", "Batteries")


def test_search_ranks_an_exact_institution_name_first(client, engine):
    InstitutionFactory(
        name="Zebrafish Institute", description="Zebrafish, zebrafish and more zebrafish."
    )
    InstitutionFactory(name="Zebrafish", description="Fish.")

    html = _get(client, q="zebrafish", kind="institutions")

    assert _in_order(html, '"><mark>Zebrafish</mark></a>', "<mark>Zebrafish</mark> Institute")


def test_search_ranks_title_matches_first_in_the_fallback(client, monkeypatch):
    monkeypatch.setattr(search, "engine", lambda: search.CONTAINS)
    ProposalFactory(stage=Stage.DRIVE, title="Batteries", description="Sensor fusion inside.")
    ProposalFactory(stage=Stage.DRIVE, title="Sensor arrays", summary="Hardware.")
    ProposalFactory(stage=Stage.DRIVE, title="Sensor", summary="Hardware.")

    html = _get(client, q="sensor", kind="projects")

    assert _in_order(html, '"><mark>Sensor</mark></a>', "<mark>Sensor</mark> arrays", "Batteries")


def test_search_shows_a_visitor_public_text_only(client, engine):
    ProposalFactory(stage=Stage.DRIVE, title="Public zebrafish atlas")
    hidden = {
        Stage.DRAFT: "Draft zebrafish secret",
        Stage.DEFINE: "Define zebrafish secret",
        Stage.REVIEW: "Review zebrafish secret",
    }
    for stage, title in hidden.items():
        ProposalFactory(stage=stage, title=title, summary=f"{title} summary")
    ProposalFactory(
        stage=Stage.DEFINE,
        visibility=Visibility.CONFIDENTIAL,
        title="Confidential zebrafish secret",
        summary="Confidential zebrafish summary",
    )
    InstitutionFactory(status=InstitutionStatus.APPLICANT, name="Zebrafish applicant lab")

    html = _get(client, q="zebrafish")

    assert "Public <mark>zebrafish</mark> atlas" in html
    assert "secret" not in html
    assert "applicant lab" not in html


def test_search_finds_a_review_proposal_for_a_coordinator(client, engine):
    ProposalFactory(stage=Stage.REVIEW, title="Review zebrafish atlas")
    client.force_login(CoordinatorFactory())

    html = _get(client, q="zebrafish")

    assert "Review <mark>zebrafish</mark> atlas" in html


def test_search_finds_institutions_and_public_profiles_but_not_email(client, engine):
    InstitutionFactory(name="Zebrafish Institute", description="Fish.")
    UserFactory(display_name="Ada Zebrafish", bio="Works on fish.", email="hidden@fish.example")

    html = _get(client, q="zebrafish")
    by_email = _get(client, q="hidden", kind="people")

    assert ("<mark>Zebrafish</mark> Institute" in html, "Ada <mark>Zebrafish</mark>" in html) == (
        True,
        True,
    )
    assert "hidden@fish.example" not in by_email
    assert "Ada" not in by_email


def test_search_filters_narrow_each_kind(client, engine):
    robots = FocusAreaFactory(name="Robots", slug="robots")
    ProposalFactory(stage=Stage.DRIVE, title="Zebrafish robots", focus_area=robots)
    ProposalFactory(stage=Stage.COMPLETED, title="Zebrafish genome")
    InstitutionFactory(name="Zebrafish Works", kind=InstitutionKind.COMPANY, country="FR")
    InstitutionFactory(name="Zebrafish University", country="DE")

    by_area = _get(client, q="zebrafish", focus_area="robots")
    by_stage = _get(client, q="zebrafish", stage=Stage.COMPLETED)
    by_country = _get(client, q="zebrafish", country="FR")
    by_kind = _get(client, q="zebrafish", institution_kind=InstitutionKind.UNIVERSITY)

    robots_, genome, works, university = (
        f"<mark>Zebrafish</mark> {word}" for word in ("robots", "genome", "Works", "University")
    )
    assert (robots_ in by_area, genome in by_area, works in by_area) == (True, False, False)
    assert (robots_ in by_stage, genome in by_stage) == (False, True)
    assert (works in by_country, university in by_country, genome in by_country) == (
        True,
        False,
        False,
    )
    assert (works in by_kind, university in by_kind) == (False, True)


def test_search_competence_filter_narrows_every_kind(client, engine):
    robotics = CompetenceFactory(name="Robotics", slug="robotics")
    other = CompetenceFactory(name="Compilers", slug="compilers")
    for title, competence in (("Zebrafish robots", robotics), ("Zebrafish compilers", other)):
        ProposalCompetenceFactory(
            proposal=ProposalFactory(stage=Stage.DRIVE, title=title), competence=competence
        )
    InstitutionCompetenceFactory(
        institution=InstitutionFactory(name="Zebrafish Robot Works"), competence=robotics
    )
    InstitutionCompetenceFactory(institution=InstitutionFactory(name="Zebrafish Compiler Lab"))
    PersonCompetenceFactory(
        person=UserFactory(display_name="Zebrafish roboticist"), competence=robotics
    )
    PersonCompetenceFactory(person=UserFactory(display_name="Zebrafish linguist"))

    html = _get(client, q="zebrafish", competence="robotics")
    unfiltered = _get(client, q="zebrafish")

    assert [
        name in html
        for name in (
            "robots</a>",
            "Robot Works",
            "roboticist",
            "compilers</a>",
            "Compiler Lab",
            "linguist",
        )
    ] == [True, True, True, False, False, False]
    assert "Zebrafish</mark> linguist" in unfiltered
    # The URL keeps the filter: the link to all of one kind carries it along.
    assert 'value="robotics" selected' in html


def test_search_competence_filter_lists_competences_by_focus_area(client):
    CompetenceFactory(
        name="Robotics", slug="robotics", focus_area=FocusAreaFactory(name="AI robotics")
    )

    html = _get(client)

    assert '<optgroup label="AI robotics">\n' in html or '<optgroup label="AI robotics">' in html
    assert '<option value="robotics">Robotics</option>' in html


def test_search_stage_filter_offers_a_visitor_public_stages_only(client):
    html = _get(client)

    assert f'value="{Stage.DRIVE}"' in html
    assert f'value="{Stage.REVIEW}"' not in html
    assert f'value="{Stage.DRAFT}"' not in html


def test_search_escapes_titles_and_snippets(client, engine):
    ProposalFactory(
        stage=Stage.DRIVE,
        title="<script>alert(1)</script> zebrafish",
        summary="<b>zebrafish</b> & friends",
    )

    html = _get(client, q="zebrafish")

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>zebrafish</mark>" in html
    assert "<b>" not in html


def _alliance(start: int, n: int) -> None:
    robotics = CompetenceFactory(name="Robotics", slug="robotics")
    for i in range(start, start + n):
        proposal = ProposalFactory(stage=Stage.DRIVE, title=f"Zebrafish study {i}")
        ProposalCompetenceFactory(proposal=proposal, competence=robotics)
        institution = InstitutionFactory(name=f"Zebrafish lab {i}")
        InstitutionCompetenceFactory(institution=institution, competence=robotics)
        person = UserFactory(display_name=f"Zebrafish fan {i}")
        PersonCompetenceFactory(person=person, competence=robotics)


# The form's choices (focus areas, countries, competences), then for each kind shown its
# count and its page.
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": ""}, 9),
        ({"kind": "projects"}, 5),
        ({"kind": "", "competence": "robotics"}, 9),
    ],
    ids=["everything", "projects", "by-competence"],
)
def test_search_queries_are_the_same_for_1_and_50_results(client, engine, filters, expected):
    def count() -> int:
        html = _get(client, q="zebrafish", **filters)  # warm
        with CaptureQueriesContext(connection) as queries:
            _get(client, q="zebrafish", **filters)
        # The results are there: a count of queries of an empty page would prove nothing.
        assert "<mark>Zebrafish</mark> study" in html
        return len(queries)

    _alliance(0, 1)
    one = count()
    _alliance(1, 49)
    fifty = count()

    assert (one, fifty) == (expected, expected)


def test_search_without_a_query_invites_one(client):
    html = _get(client, q="   ")

    assert "Type a few words to search." in html


def test_search_refuses_an_overlong_query_clearly(client):
    html = _get(client, q="zebrafish " * 1000)

    assert "Please shorten your search to at most 200 characters." in html


def test_search_answers_htmx_with_the_results_alone(client):
    ProposalFactory(stage=Stage.DRIVE, title="Zebrafish atlas")

    response = client.get(URL, {"q": "zebrafish"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<mark>Zebrafish</mark> atlas" in response.content.decode()
    assert "<html" not in response.content.decode()


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (Institution, INSTITUTION_SEARCH_FIELDS),
        (User, PERSON_SEARCH_FIELDS),
        (Proposal, PROPOSAL_SEARCH_FIELDS),
    ],
    ids=["institution", "person", "proposal"],
)
def test_stored_search_vector_is_the_vector_of_the_fields_the_search_names(model, fields):
    """The generated column the migrations made holds what search_vector(fields) computes,
    also after an edit, so the search ranks by the fields its selector names."""
    require(connection.vendor == "postgresql", "the stored vector is PostgreSQL's")
    ProposalFactory(
        title="Tactile grasping",
        summary="Robots that feel",
        description="Grippers with *touch* sensors",
        lead__display_name="Mei Lin Chen",
        lead__bio="Dexterous manipulation",
        lead_institution__city="Zürich",
        lead_institution__description="A university",
    )
    rows = model.objects.annotate(
        stored=search.StoredDocument(), computed=search.search_vector(*fields)
    )
    model.objects.update(**{fields[0][0]: "Renamed after the insert"})

    pairs = list(rows.values_list("stored", "computed"))

    assert pairs
    assert all(stored == computed and stored for stored, computed in pairs)
