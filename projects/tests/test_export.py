"""The coordinators' CSV of a proposal list: columns, filters, visibility and cost."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from members.tests.factories import (
    CoordinatorFactory,
    FocusAreaFactory,
    InstitutionFactory,
    MembershipFactory,
    RepresentativeFactory,
)
from projects import selectors
from projects.enums import ParticipationStatus, Recommendation, Stage, Visibility
from projects.models import Criterion, Decision, Proposal
from projects.services import review_assign, review_submit
from projects.tests.factories import ParticipationFactory, ProposalFactory
from projects.views.export import neutralise
from projects.views.proposals import proposal_list_rows

pytestmark = pytest.mark.django_db

HEADER = [
    "Title",
    "URL",
    "Stage",
    "Visibility",
    "Focus area",
    "Lead",
    "Lead institution",
    "Confirmed partners",
    "Partner count",
    "Countries",
    "Reviews submitted",
    "Reviewers assigned",
    "Mean review score",
    "Decision",
    "Days in stage",
    "Created",
]
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def coordinator():
    return CoordinatorFactory()


def _download(client, user, name="projects:proposal_list_export", query=""):
    client.force_login(user)
    response = client.get(reverse(name) + query)
    return response, response.content


def _rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _submit(proposal, coordinator, openness: int, others: int) -> None:
    reviewer = MembershipFactory(institution=InstitutionFactory()).person
    assignment = review_assign(proposal=proposal, reviewer=reviewer, actor=coordinator)
    review_submit(
        assignment=assignment,
        actor=reviewer,
        scores={c: openness if c.name == "Openness" else others for c in Criterion.objects.all()},
        recommendation=Recommendation.APPROVE,
        comment="ok",
    )


def test_export_gives_coordinators_the_header_and_each_rows_values(client, coordinator):
    Criterion.objects.filter(name="Openness").update(weight=3)
    lead_institution = InstitutionFactory(name="Technische Universität München", country="DE")
    lead = MembershipFactory(institution=lead_institution, person__display_name="Lena Maier")
    with time_machine.travel(datetime(2026, 1, 5, 12, 0, tzinfo=UTC), tick=False):
        proposal = ProposalFactory(
            title="Größere Modelle",
            slug="groessere-modelle",
            stage=Stage.REVIEW,
            visibility=Visibility.CONFIDENTIAL,
            focus_area=FocusAreaFactory(name="Robotics", slug="robotics"),
            lead=lead.person,
            lead_institution=lead_institution,
        )
    for name, country in [("IBM Research", "US"), ("ETH Zürich", "CH")]:
        ParticipationFactory(
            proposal=proposal, institution=InstitutionFactory(name=name, country=country)
        )
    # Not confirmed partners: an accepted one, and the lead institution listed again.
    ParticipationFactory(proposal=proposal, status=ParticipationStatus.ACCEPTED)
    _submit(proposal, coordinator, openness=5, others=1)  # weighted (3*5 + 4*1)/7 = 2.71
    _submit(proposal, coordinator, openness=3, others=3)  # 3.0
    review_assign(
        proposal=proposal,
        reviewer=MembershipFactory(institution=InstitutionFactory()).person,
        actor=coordinator,
    )
    Proposal.objects.filter(pk=proposal.pk).update(
        stage_changed_at=datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    )
    Decision.objects.create(
        proposal=proposal,
        outcome=Decision.Outcome.REQUEST_CHANGES,
        reason="More detail.",
        decided_by=coordinator,
    )

    with time_machine.travel(NOW, tick=False):
        response, content = _download(client, coordinator)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="proposals-2026-03-20.csv"'
    assert _rows(content) == [
        HEADER,
        [
            "Größere Modelle",
            f"{settings.SITE_URL}/proposals/groessere-modelle/",
            "Review",
            "Confidential",
            "Robotics",
            "Lena Maier",
            "Technische Universität München",
            "ETH Zürich; IBM Research",
            "2",
            "Germany; Switzerland; United States of America",
            "2",
            "3",
            "2.86",
            "Request changes",
            "10",
            "2026-01-05",
        ],
    ]


def test_export_leaves_the_score_and_decision_empty_without_reviews(client, coordinator):
    ProposalFactory(stage=Stage.DEFINE)

    _response, content = _download(client, coordinator)

    row = _rows(content)[1]
    assert (row[7], row[8], row[10], row[11], row[12], row[13]) == ("", "0", "0", "0", "", "")


def test_export_applies_the_lists_stage_filter(client, coordinator):
    ProposalFactory(title="In review", stage=Stage.REVIEW)
    ProposalFactory(title="Defining", stage=Stage.DEFINE)

    _response, content = _download(client, coordinator, query="?stage=review&page=2")

    assert [row[0] for row in _rows(content)[1:]] == ["In review"]


def test_export_applies_the_lists_focus_area_filter(client, coordinator):
    robotics = FocusAreaFactory(name="Robotics", slug="robotics")
    ProposalFactory(title="Robots in review", stage=Stage.REVIEW, focus_area=robotics)
    ProposalFactory(title="Robots defining", stage=Stage.DEFINE, focus_area=robotics)
    ProposalFactory(title="Other review", stage=Stage.REVIEW)

    _response, content = _download(client, coordinator, query="?focus_area=robotics&stage=review")

    assert [row[0] for row in _rows(content)[1:]] == ["Robots in review"]


def test_export_applies_the_review_queues_filters(client, coordinator):
    robotics = FocusAreaFactory(name="Robotics", slug="robotics")
    ProposalFactory(title="Robots in review", stage=Stage.REVIEW, focus_area=robotics)
    ProposalFactory(title="Robots defining", stage=Stage.DEFINE, focus_area=robotics)
    ProposalFactory(title="Other review", stage=Stage.REVIEW)

    response, content = _download(
        client,
        coordinator,
        name="projects:review_queue_export",
        query=f"?stage=review&focus_area={robotics.pk}",
    )

    assert response["Content-Disposition"].startswith('attachment; filename="review-queue-')
    assert [row[0] for row in _rows(content)[1:]] == ["Robots in review"]


def test_export_lists_what_the_coordinator_sees_on_the_list(client, coordinator):
    ProposalFactory(title="Someone's draft", stage=Stage.DRAFT)
    ProposalFactory(title="Own draft", stage=Stage.DRAFT, lead=coordinator)
    ProposalFactory(title="Defining", stage=Stage.DEFINE)

    _response, content = _download(client, coordinator)

    assert sorted(row[0] for row in _rows(content)[1:]) == ["Defining", "Own draft"]


@pytest.mark.parametrize("name", ["projects:proposal_list_export", "projects:review_queue_export"])
@pytest.mark.parametrize("who", ["researcher", "representative", "visitor"])
def test_export_answers_404_to_everyone_but_coordinators(client, name, who):
    ProposalFactory(stage=Stage.APPROVED)
    if who == "researcher":
        client.force_login(MembershipFactory().person)
    elif who == "representative":
        client.force_login(RepresentativeFactory().person)

    response = client.get(reverse(name))

    assert response.status_code == 404


def test_export_neutralises_formulas(client, coordinator):
    ProposalFactory(title='=HYPERLINK("https://evil.example")', stage=Stage.DEFINE)

    _response, content = _download(client, coordinator)

    assert _rows(content)[1][0] == '\'=HYPERLINK("https://evil.example")'


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Plain 1-2", "Plain 1-2"),
        ("", ""),
    ],
)
def test_neutralise_quotes_what_a_spreadsheet_would_run(cell, expected):
    assert neutralise(cell) == expected


def test_the_list_links_its_filters_to_the_csv_for_coordinators_only(client, coordinator):
    ProposalFactory(stage=Stage.APPROVED)
    export = reverse("projects:proposal_list_export")

    client.force_login(coordinator)
    page = client.get(reverse("projects:proposal_list") + "?stage=approved&page=1")
    client.force_login(MembershipFactory().person)
    researchers_page = client.get(reverse("projects:proposal_list"))

    assert f'href="{export}?stage=approved"' in page.content.decode()
    assert export not in researchers_page.content.decode()


@pytest.mark.parametrize("rows", [1, 50])
def test_export_queries(client, coordinator, django_assert_num_queries, rows):
    """Session and user; the proposals with their counts; their partners; their scores."""
    lead = MembershipFactory()
    for _ in range(rows):
        proposal = ProposalFactory(
            stage=Stage.REVIEW, lead=lead.person, lead_institution=lead.institution
        )
        ParticipationFactory(proposal=proposal)
        _submit(proposal, coordinator, openness=4, others=4)
    client.force_login(coordinator)

    with django_assert_num_queries(5):
        response = client.get(reverse("projects:proposal_list_export"))
        content = response.content

    assert len(_rows(content)) == rows + 1


def test_the_review_queue_links_its_filters_to_the_csv(client, coordinator):
    ProposalFactory(stage=Stage.REVIEW)
    client.force_login(coordinator)

    page = client.get(reverse("projects:review_queue") + "?stage=review&page=1")

    assert f'href="{reverse("projects:review_queue_export")}?stage=review"' in page.content.decode()


def test_export_reads_in_chunks_keeping_the_lists_order(
    client, rf, coordinator, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(selectors, "EXPORT_CHUNK_SIZE", 2)
    lead = MembershipFactory()
    for n in range(5):
        proposal = ProposalFactory(
            title=f"Project {n}",
            stage=Stage.REVIEW,
            lead=lead.person,
            lead_institution=lead.institution,
        )
        ParticipationFactory(
            proposal=proposal,
            institution=InstitutionFactory(name=f"Partner {n}"),
            status=ParticipationStatus.CONFIRMED,
        )
        _submit(proposal, coordinator, openness=n % 5 + 1, others=n % 5 + 1)
    request = rf.get(reverse("projects:proposal_list"))
    request.user = coordinator
    listed = [p.title for p in proposal_list_rows(request)]
    client.force_login(coordinator)

    # Session and user, the rows (one cursor), the partners and scores of each of 3 chunks.
    with django_assert_num_queries(2 + 1 + 3 * 2):
        response = client.get(reverse("projects:proposal_list_export"))
        content = response.content

    rows = _rows(content)[1:]
    assert [row[0] for row in rows] == listed
    assert [row[7] for row in rows] == [t.replace("Project", "Partner") for t in listed]
    assert [row[12] for row in rows] == [f"{int(t[-1]) % 5 + 1:.2f}" for t in listed]


@pytest.mark.django_db(transaction=True)
def test_export_again_comes_from_the_coordinators_own_copy_until_a_write(
    client, page_cache, django_assert_num_queries
):
    coordinator = CoordinatorFactory()
    ProposalFactory(stage=Stage.REVIEW, title="Robots that learn from video")
    client.force_login(coordinator)
    url = reverse("projects:proposal_list_export")
    first = client.get(url)

    with django_assert_num_queries(0):
        again = client.get(url)
    ProposalFactory(stage=Stage.REVIEW, title="Robots that learn from speech")
    after = client.get(url)

    assert again.content == first.content
    assert again["Content-Disposition"] == first["Content-Disposition"]
    assert again["Content-Type"] == "text/csv; charset=utf-8"
    assert [row[0] for row in _rows(after.content)[1:]] == [
        "Robots that learn from speech",
        "Robots that learn from video",
    ]


def test_export_a_coordinator_downloaded_is_never_served_to_anyone_else(page_cache):
    ProposalFactory(stage=Stage.REVIEW, title="Under review, coordinators only")
    coordinator, researcher = Client(), Client()
    coordinator.force_login(CoordinatorFactory())
    researcher.force_login(MembershipFactory().person)
    url = reverse("projects:proposal_list_export")

    answers = [coordinator.get(url), researcher.get(url), Client().get(url)]

    assert [a.status_code for a in answers] == [200, 404, 404]
    assert b"Under review, coordinators only" in answers[0].content
