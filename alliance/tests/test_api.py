"""The public JSON API: what it shows (a visitor's view), its filters, pages and errors.

Every request goes through ``ApiClient``, which checks each response against the API's own
OpenAPI document: status, content type and body.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.tests.api_client import ApiClient
from members.enums import InstitutionKind, InstitutionStatus
from members.tests.factories import (
    CompetenceFactory,
    CoordinatorFactory,
    FocusAreaFactory,
    InstitutionCompetenceFactory,
    InstitutionFactory,
)
from projects.enums import (
    Licence,
    MilestoneStatus,
    ParticipationStatus,
    Recommendation,
    Stage,
    Visibility,
)
from projects.models import (
    Decision,
    Milestone,
    ProgressUpdate,
    Review,
    Revision,
    StageTransition,
)
from projects.tests.factories import (
    ParticipationFactory,
    ProposalCompetenceFactory,
    ProposalFactory,
    ReviewAssignmentFactory,
)

pytestmark = pytest.mark.django_db

PUBLIC = (Stage.APPROVED, Stage.DRIVE, Stage.PAUSED, Stage.COMPLETED)
NOT_PUBLIC = (
    Stage.DRAFT,
    Stage.DEFINE,
    Stage.REVIEW,
    Stage.CHANGES_REQUESTED,
    Stage.DECLINED,
    Stage.WITHDRAWN,
)
# Words written only where no visitor may read them.
HIDDEN_WORDS = {
    "draft": "Zanzibarquill",
    "define": "Quokkavault",
    "review": "Marzipanorb",
    "confidential": "Obsidianwhisper",
    "declined": "Fennelgrotto",
    "withdrawn": "Lanternmoss",
    "decision reason": "Xylophonereason",
    "review comment": "Tamarindcritique",
    "join message": "Pebblewhistle",
    "earlier revision": "Driftwoodsketch",
    "applicant institution": "Cobaltheron",
    "suspended institution": "Saffronmole",
}


@pytest.fixture
def api(client) -> ApiClient:
    return ApiClient(client)


@pytest.fixture
def robotics(db):
    return FocusAreaFactory(name="Robotics", slug="robotics", description="Robots that learn.")


@pytest.fixture
def tum(db):
    return InstitutionFactory(
        name="Technical University of Munich", short_name="TUM", slug="tum", country="DE"
    )


@pytest.fixture
def ibm(db):
    return InstitutionFactory(
        name="IBM Research", short_name="IBM", slug="ibm", country="US", kind="company"
    )


@pytest.fixture
def driven(robotics, tum, ibm):
    """A project in Drive: TUM leads, IBM confirmed, Inria invited; milestones and updates."""
    proposal = ProposalFactory(
        title="Open robot hands",
        slug="open-robot-hands",
        summary="Hands that grip.",
        goals="Grip things.",
        focus_area=robotics,
        lead_institution=tum,
        stage=Stage.DRIVE,
        licence=Licence.MIT,
        duration_months=18,
    )
    ParticipationFactory(proposal=proposal, institution=ibm)
    ParticipationFactory(
        proposal=proposal,
        institution=InstitutionFactory(name="Inria", slug="inria", country="FR"),
        status=ParticipationStatus.INVITED,
    )
    ProposalCompetenceFactory(
        proposal=proposal, competence=CompetenceFactory(name="Grasping", slug="grasping")
    )
    Milestone.objects.create(
        proposal=proposal,
        title="Dataset released",
        due_date=date(2026, 3, 1),
        status=MilestoneStatus.DONE,
        done_at=datetime(2026, 2, 27, tzinfo=UTC),
    )
    Milestone.objects.create(proposal=proposal, title="First model", due_date=date(2026, 9, 1))
    ProgressUpdate.objects.create(proposal=proposal, author=proposal.lead, body="We *began*.")
    return proposal


@pytest.fixture
def hidden(robotics, tum):
    """A proposal in each stage a visitor may not see, and secrets around a public one."""
    made = {}
    for stage in NOT_PUBLIC:
        word = HIDDEN_WORDS.get(stage.value, HIDDEN_WORDS["confidential"])
        made[stage] = ProposalFactory(
            title=f"{word} project",
            slug=f"hidden-{stage.value}",
            summary=f"{word} summary",
            description=f"{word} description",
            focus_area=robotics,
            lead_institution=tum,
            stage=stage,
            visibility=Visibility.CONFIDENTIAL
            if stage == Stage.CHANGES_REQUESTED
            else Visibility.OPEN_CALL,
        )
    approved = ProposalFactory(
        title="Approved project", slug="approved", focus_area=robotics, stage=Stage.APPROVED
    )
    StageTransition.objects.create(
        proposal=approved,
        from_stage=Stage.REVIEW,
        to_stage=Stage.APPROVED,
        actor=approved.lead,
        comment=f"{HIDDEN_WORDS['decision reason']}: approved.",
    )
    Decision.objects.create(
        proposal=approved,
        outcome=Decision.Outcome.APPROVE,
        reason=f"{HIDDEN_WORDS['decision reason']} again.",
        decided_by=approved.lead,
    )
    assignment = ReviewAssignmentFactory(proposal=approved)
    Review.objects.create(
        assignment=assignment,
        recommendation=Recommendation.APPROVE,
        comment=HIDDEN_WORDS["review comment"],
        revision_number=1,
    )
    ParticipationFactory(
        proposal=approved,
        status=ParticipationStatus.DECLINED,
        message=HIDDEN_WORDS["join message"],
    )
    Revision.objects.create(
        proposal=approved,
        number=2,
        title=HIDDEN_WORDS["earlier revision"],
        summary=HIDDEN_WORDS["earlier revision"],
        description=HIDDEN_WORDS["earlier revision"],
    )
    InstitutionFactory(
        name=f"{HIDDEN_WORDS['applicant institution']} Institute",
        slug="applicant",
        status=InstitutionStatus.APPLICANT,
    )
    InstitutionFactory(
        name=f"{HIDDEN_WORDS['suspended institution']} Institute",
        slug="suspended",
        status=InstitutionStatus.SUSPENDED,
    )
    return made


def _results(response) -> list[str]:
    return [row["slug"] for row in response.json()["results"]]


# What the API shows ---------------------------------------------------------------------


def test_api_never_answers_what_a_visitor_may_not_see(api, driven, hidden):
    urls = [
        "/api/v1/projects/",
        "/api/v1/projects/?focus_area=robotics&page_size=100",
        "/api/v1/projects/?institution=tum",
        "/api/v1/projects/?country=DE",
        "/api/v1/institutions/",
        "/api/v1/institutions/?q=Institute",
        "/api/v1/focus-areas/",
        "/api/v1/focus-areas/robotics/",
    ]
    for url in urls:
        assert api.get(url).status_code == 200
    for row in api.get("/api/v1/projects/?page_size=100").json()["results"]:
        assert api.get(row["url"]).status_code == 200
    for row in api.get("/api/v1/institutions/?page_size=100").json()["results"]:
        assert api.get(row["url"]).status_code == 200
    for proposal in hidden.values():
        assert api.get(f"/api/v1/projects/{proposal.slug}/").status_code == 404
    for slug in ("applicant", "suspended"):
        assert api.get(f"/api/v1/institutions/{slug}/").status_code == 404

    body = b"".join(response.content for response in api.responses).decode()
    assert [word for word in HIDDEN_WORDS.values() if word in body] == []
    assert "Approved project" in body


def test_project_list_shows_the_public_stages_only(api, driven, hidden):
    response = api.get("/api/v1/projects/")

    assert _results(response) == ["approved", "open-robot-hands"]
    assert {row["stage"] for row in response.json()["results"]} == {"approved", "drive"}


def test_api_answers_a_signed_in_member_what_a_visitor_sees(api, client, driven, hidden):
    visitor_list = api.get("/api/v1/projects/").content
    client.force_login(CoordinatorFactory())

    signed_in_list = api.get("/api/v1/projects/").content
    in_define = api.get("/api/v1/projects/hidden-define/")

    assert signed_in_list == visitor_list
    assert in_define.status_code == 404


def test_project_list_row(api, driven):
    (row,) = api.get("/api/v1/projects/").json()["results"]

    assert row == {
        "slug": "open-robot-hands",
        "title": "Open robot hands",
        "summary": "Hands that grip.",
        "stage": "drive",
        "focus_area": {
            "slug": "robotics",
            "name": "Robotics",
            "url": "http://testserver/api/v1/focus-areas/robotics/",
        },
        "licence": "MIT",
        "lead_institution": {
            "slug": "tum",
            "name": "Technical University of Munich",
            "short_name": "TUM",
            "country": "DE",
            "url": "http://testserver/api/v1/institutions/tum/",
            "html_url": "http://testserver/institutions/tum/",
        },
        "partner_count": 1,
        # To the millisecond, as JSON encodes times.
        "stage_changed_at": driven.stage_changed_at.isoformat(timespec="milliseconds")[:-6] + "Z",
        "url": "http://testserver/api/v1/projects/open-robot-hands/",
        "html_url": "http://testserver/proposals/open-robot-hands/",
    }


def test_project_detail_shows_consortium_competences_milestones_and_updates(api, driven):
    project = api.get("/api/v1/projects/open-robot-hands/").json()

    assert (project["goals"], project["duration_months"], project["visibility"]) == (
        "Grip things.",
        18,
        "open_call",
    )
    assert [
        (m["institution"]["slug"], m["role"], m["status"], m["person"] is not None)
        for m in project["consortium"]
    ] == [
        ("tum", "lead", "confirmed", True),
        ("ibm", "partner", "confirmed", False),
        ("inria", "partner", "invited", False),
    ]
    assert project["required_competences"] == [
        {"slug": "grasping", "name": "Grasping", "importance": 2}
    ]
    assert project["milestones"] == [
        {
            "title": "Dataset released",
            "description": "",
            "due_date": "2026-03-01",
            "status": "done",
            "done_at": "2026-02-27T00:00:00Z",
        },
        {
            "title": "First model",
            "description": "",
            "due_date": "2026-09-01",
            "status": "planned",
            "done_at": None,
        },
    ]
    (update,) = project["progress_updates"]
    assert (update["author"], update["body"], update["is_final_report"]) == (
        str(driven.lead),
        "We *began*.",
        False,
    )


def test_project_detail_shows_the_newest_updates_as_the_page_does(api, robotics):
    proposal = ProposalFactory(slug="busy", focus_area=robotics, stage=Stage.DRIVE)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(25):
        update = ProgressUpdate.objects.create(
            proposal=proposal, author=proposal.lead, body=f"Update {n}"
        )
        ProgressUpdate.objects.filter(pk=update.pk).update(created_at=start + timedelta(days=n))

    updates = api.get("/api/v1/projects/busy/").json()["progress_updates"]
    page = api.client.get("/proposals/busy/").content.decode()

    assert [u["body"] for u in updates] == [f"Update {n}" for n in range(24, 4, -1)]
    assert "Update 5" in page
    assert "Update 4<" not in page


def test_approved_project_has_no_drive_record_yet(api, robotics):
    ProposalFactory(slug="approved", focus_area=robotics, stage=Stage.APPROVED)

    project = api.get("/api/v1/projects/approved/").json()

    assert (project["milestones"], project["progress_updates"]) == ([], [])


# Filters --------------------------------------------------------------------------------


@pytest.fixture
def catalogue(driven, robotics, ibm):
    """Beside the Drive one: a completed climate project led by IBM, a paused GPL one."""
    climate = FocusAreaFactory(name="Climate", slug="climate")
    ProposalFactory(slug="climate", focus_area=climate, lead_institution=ibm, stage=Stage.COMPLETED)
    ProposalFactory(
        slug="paused-gpl",
        focus_area=robotics,
        lead_institution=InstitutionFactory(slug="inria-paris", country="FR"),
        stage=Stage.PAUSED,
        licence=Licence.GPL_3,
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"open-robot-hands", "climate", "paused-gpl"}),
        ({"focus_area": "robotics"}, {"open-robot-hands", "paused-gpl"}),
        ({"focus_area": "no-such-area"}, set()),
        ({"stage": "paused"}, {"paused-gpl"}),
        ({"stage": "completed"}, {"climate"}),
        # IBM leads one and is a confirmed partner in another; Inria (invited) counts nowhere.
        ({"institution": "ibm"}, {"open-robot-hands", "climate"}),
        ({"institution": "inria"}, set()),
        ({"country": "US"}, {"open-robot-hands", "climate"}),
        ({"country": "FR"}, {"paused-gpl"}),
        ({"licence": "GPL-3.0-only"}, {"paused-gpl"}),
        ({"focus_area": "robotics", "stage": "drive", "country": "DE"}, {"open-robot-hands"}),
    ],
)
def test_project_list_filters(api, catalogue, query, expected):
    assert set(_results(api.get("/api/v1/projects/", query))) == expected


def test_project_list_orders_by_latest_stage_change_then_newest(api, robotics):
    moved = datetime(2026, 4, 1, tzinfo=UTC)
    made = [ProposalFactory(slug=f"p{n}", focus_area=robotics, stage=Stage.DRIVE) for n in range(4)]
    for n, proposal in enumerate(made):
        # p0 and p1 moved at the same moment: the newer one (p1) comes first.
        when = moved + timedelta(days=max(n, 1))
        type(proposal).objects.filter(pk=proposal.pk).update(stage_changed_at=when)

    assert _results(api.get("/api/v1/projects/")) == ["p3", "p2", "p1", "p0"]


@pytest.fixture
def directory(robotics):
    climate = FocusAreaFactory(name="Climate", slug="climate")
    grasping = CompetenceFactory(name="Grasping", slug="grasping", focus_area=robotics)
    sensing = CompetenceFactory(name="Sensing", slug="sensing", focus_area=robotics)
    weather = CompetenceFactory(name="Weather", slug="weather", focus_area=climate)
    tum = InstitutionFactory(name="TU Munich", slug="tum", city="Munich", country="DE")
    ibm = InstitutionFactory(
        name="IBM Research", slug="ibm", country="US", kind=InstitutionKind.COMPANY
    )
    dwd = InstitutionFactory(name="Weather Service", slug="dwd", country="DE", city="Offenbach")
    InstitutionCompetenceFactory(institution=tum, competence=grasping, level=3)
    InstitutionCompetenceFactory(institution=tum, competence=sensing, level=1)
    InstitutionCompetenceFactory(institution=ibm, competence=sensing)
    InstitutionCompetenceFactory(institution=dwd, competence=weather)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["ibm", "tum", "dwd"]),
        ({"kind": "company"}, ["ibm"]),
        ({"country": "DE"}, ["tum", "dwd"]),
        ({"competence": "sensing"}, ["ibm", "tum"]),
        # TUM has two competences in Robotics and is listed once.
        ({"focus_area": "robotics"}, ["ibm", "tum"]),
        ({"focus_area": "climate"}, ["dwd"]),
        ({"q": "Offenbach"}, ["dwd"]),
        ({"country": "DE", "focus_area": "robotics"}, ["tum"]),
    ],
)
def test_institution_list_filters_and_orders_by_name(api, directory, query, expected):
    assert _results(api.get("/api/v1/institutions/", query)) == expected


def test_institution_detail(api, directory):
    institution = api.get("/api/v1/institutions/tum/").json()

    assert institution == {
        "slug": "tum",
        "name": "TU Munich",
        "short_name": institution["short_name"],
        "kind": "university",
        "country": "DE",
        "city": "Munich",
        "website": institution["website"],
        "founding_member": False,
        "people_count": 0,
        "competences": [
            {"slug": "grasping", "name": "Grasping", "level": 3},
            {"slug": "sensing", "name": "Sensing", "level": 1},
        ],
        "url": "http://testserver/api/v1/institutions/tum/",
        "html_url": "http://testserver/institutions/tum/",
        "description": "Research on machine learning.",
        "capacity": 5,
        "email_domains": ["tum.example"],
    }


def test_focus_areas_count_public_projects_only(api, driven, hidden):
    FocusAreaFactory(name="Climate", slug="climate")

    areas = api.get("/api/v1/focus-areas/").json()["results"]
    robotics = api.get("/api/v1/focus-areas/robotics/").json()

    counts = {a["slug"]: a["project_count"] for a in areas}
    assert (counts["climate"], counts["robotics"]) == (0, 2)
    assert robotics["competences"] == []
    assert robotics["projects_url"] == "http://testserver/api/v1/projects/?focus_area=robotics"
    assert robotics["feed_url"] == "http://testserver/feeds/focus-areas/robotics/"


# Pages ----------------------------------------------------------------------------------


def test_project_list_pages_cover_every_project_once(api, robotics):
    for n in range(25):
        ProposalFactory(slug=f"p{n:02}", focus_area=robotics, stage=Stage.APPROVED)

    pages = [api.get("/api/v1/projects/", {"page_size": 10, "page": n}).json() for n in (1, 2, 3)]

    assert [(p["count"], p["pages"], len(p["results"])) for p in pages] == [
        (25, 3, 10),
        (25, 3, 10),
        (25, 3, 5),
    ]
    assert [(p["previous"], p["next"]) for p in pages] == [
        (None, "http://testserver/api/v1/projects/?page_size=10&page=2"),
        (
            "http://testserver/api/v1/projects/?page_size=10&page=1",
            "http://testserver/api/v1/projects/?page_size=10&page=3",
        ),
        ("http://testserver/api/v1/projects/?page_size=10&page=2", None),
    ]
    slugs = [row["slug"] for p in pages for row in p["results"]]
    assert sorted(slugs) == [f"p{n:02}" for n in range(25)]


def test_page_links_keep_the_filters(api, robotics):
    for n in range(3):
        ProposalFactory(slug=f"p{n}", focus_area=robotics, stage=Stage.DRIVE)

    page = api.get("/api/v1/projects/", {"stage": "drive", "page_size": 1, "page": 2}).json()

    assert page["next"] == "http://testserver/api/v1/projects/?stage=drive&page_size=1&page=3"


def test_empty_list_answers_an_empty_first_page(api):
    page = api.get("/api/v1/projects/").json()

    assert page == {
        "count": 0,
        "page": 1,
        "page_size": 20,
        "pages": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


# Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query", "parameter"),
    [
        ("/api/v1/projects/", {"stage": "draft"}, "stage"),
        ("/api/v1/projects/", {"stage": "review"}, "stage"),
        ("/api/v1/projects/", {"stage": "no-such-stage"}, "stage"),
        ("/api/v1/projects/", {"page": 0}, "page"),
        ("/api/v1/projects/", {"page": "two"}, "page"),
        ("/api/v1/projects/", {"page": 2}, "page"),
        ("/api/v1/projects/", {"page_size": 101}, "page_size"),
        ("/api/v1/projects/", {"page_size": 0}, "page_size"),
        ("/api/v1/projects/", {"country": "Germany"}, "country"),
        ("/api/v1/projects/", {"licence": "WTFPL"}, "licence"),
        ("/api/v1/institutions/", {"kind": "club"}, "kind"),
        ("/api/v1/institutions/", {"page": 9}, "page"),
        ("/api/v1/focus-areas/", {"page_size": 1000}, "page_size"),
    ],
)
def test_bad_query_parameter_answers_400_naming_it(api, driven, path, query, parameter):
    response = api.get(path, query)

    body = response.json()
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert [error["parameter"] for error in body["errors"]] == [parameter]
    assert body["detail"]


def test_page_out_of_range_says_which_page_is_the_last(api, driven):
    body = api.get("/api/v1/projects/", {"page": 3}).json()

    assert body == {
        "detail": "Page 3 is out of range: the last page is 1.",
        "errors": [{"parameter": "page", "message": "The last page is 1."}],
    }


@pytest.mark.parametrize("stage", NOT_PUBLIC)
def test_project_not_public_answers_the_same_404_as_an_unknown_one(api, tum, stage):
    ProposalFactory(slug="secret", lead_institution=tum, stage=stage)

    hidden = api.get("/api/v1/projects/secret/")
    unknown = api.get("/api/v1/projects/no-such-project/")

    assert (hidden.status_code, unknown.status_code) == (404, 404)
    assert hidden.content == unknown.content == b'{"detail": "Not found.", "errors": []}'
    assert hidden.headers == unknown.headers


@pytest.mark.parametrize("status", [InstitutionStatus.APPLICANT, InstitutionStatus.SUSPENDED])
def test_institution_not_a_member_answers_the_same_404_as_an_unknown_one(api, status):
    InstitutionFactory(slug="not-a-member", status=status)

    hidden = api.get("/api/v1/institutions/not-a-member/")
    unknown = api.get("/api/v1/institutions/no-such-institution/")
    area = api.get("/api/v1/focus-areas/no-such-area/")

    assert hidden.status_code == unknown.status_code == area.status_code == 404
    assert hidden.content == unknown.content == area.content


# Queries --------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 50])
@pytest.mark.parametrize(
    ("path", "queries"),
    [
        # The count and the page's rows.
        ("/api/v1/projects/", 2),
        # ...and the institutions' competences.
        ("/api/v1/institutions/", 3),
        ("/api/v1/focus-areas/", 2),
    ],
)
def test_list_queries(api, django_assert_num_queries, robotics, rows, path, queries):
    for n in range(rows):
        proposal = ProposalFactory(focus_area=FocusAreaFactory(slug=f"area-{n}"), stage=Stage.DRIVE)
        ParticipationFactory(proposal=proposal)
        InstitutionCompetenceFactory(institution=proposal.lead_institution)

    with django_assert_num_queries(queries):
        response = api.get(path, {"page_size": 100})

    assert response.json()["count"] >= rows


@pytest.mark.parametrize("rows", [1, 20])
def test_detail_queries(api, django_assert_num_queries, driven, rows):
    for n in range(rows):
        ParticipationFactory(proposal=driven)
        Milestone.objects.create(proposal=driven, title=f"M{n}", due_date=date(2026, 5, 1))
        ProgressUpdate.objects.create(proposal=driven, author=driven.lead, body=f"U{n}")
        InstitutionCompetenceFactory(institution=driven.lead_institution)
        CompetenceFactory(focus_area=driven.focus_area)

    # The project, its consortium, competences, milestones and updates.
    with django_assert_num_queries(5):
        api.get("/api/v1/projects/open-robot-hands/")
    # The institution, its domains and its competences.
    with django_assert_num_queries(3):
        api.get("/api/v1/institutions/tum/")
    # The focus area and its competences.
    with django_assert_num_queries(2):
        api.get("/api/v1/focus-areas/robotics/")


def test_visitors_are_answered_from_the_page_cache(api, page_cache, driven):
    first = api.get("/api/v1/projects/open-robot-hands/")

    with CaptureQueriesContext(connection) as queries:
        second = api.get("/api/v1/projects/open-robot-hands/")

    assert len(queries) == 0
    assert second.content == first.content
    assert json.loads(second.content)["slug"] == "open-robot-hands"
