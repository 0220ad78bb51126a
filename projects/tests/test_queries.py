"""Query budgets: lists cost the same for 1 and 50 rows; the proposal page at most 15."""

from __future__ import annotations

import os
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.enums import MembershipRole
from members.tests.factories import (
    CompetenceFactory,
    CoordinatorFactory,
    InstitutionFactory,
    MembershipFactory,
)
from projects.enums import ParticipationStatus, Stage, Visibility
from projects.models import Criterion, ReviewAssignment
from projects.services import (
    milestone_create,
    progress_update_post,
    proposal_decide,
    proposal_transition,
    review_submit,
)
from projects.tests.factories import (
    ParticipationFactory,
    ProposalCompetenceFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db


def count_queries(client, url: str) -> int:
    """Queries of one request, after a warm-up request (sessions write on their first)."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    if os.environ.get("SHOWQ"):
        for q in queries.captured_queries:
            print("   ", q["sql"][:200])
    return len(queries)


def _proposals(n: int, **kwargs):
    return [ProposalFactory(**kwargs) for _ in range(n)]


@pytest.mark.parametrize(
    ("route", "who"),
    [
        ("projects:proposal_list", "anonymous"),
        ("projects:proposal_list", "researcher"),
        ("projects:proposal_list", "coordinator"),
        ("projects:my_proposals", "lead"),
        ("projects:review_queue", "coordinator"),
    ],
)
def test_list_costs_the_same_for_1_and_50_rows(client, route, who):
    coordinator = CoordinatorFactory()
    lead_membership = MembershipFactory()
    stage = Stage.REVIEW if route == "projects:review_queue" else Stage.APPROVED
    make = lambda n: [  # noqa: E731
        ProposalFactory(
            stage=stage,
            lead=lead_membership.person,
            lead_institution=lead_membership.institution,
            visibility=Visibility.OPEN_CALL,
        )
        for _ in range(n)
    ]
    if who == "coordinator":
        client.force_login(coordinator)
    elif who == "lead":
        client.force_login(lead_membership.person)
    elif who == "researcher":
        client.force_login(MembershipFactory().person)
    url = reverse(route)

    make(1)
    one = count_queries(client, url)
    make(49)
    fifty = count_queries(client, url)

    print(f"{route}, {who}: {one} queries for 1 row, {fifty} for 50")
    assert (one, fifty) == (one, one)


def _full_proposal(stage=Stage.REVIEW):
    coordinator = CoordinatorFactory()
    proposal = ProposalFactory(stage=stage, visibility="open_call")
    for _ in range(5):
        ProposalCompetenceFactory(proposal=proposal, competence=CompetenceFactory())
        ParticipationFactory(proposal=proposal, status=ParticipationStatus.CONFIRMED)
    reviewers = [MembershipFactory(institution=InstitutionFactory()).person for _ in range(3)]
    if stage == Stage.DEFINE:
        # An open call in Define: an outsider could ask to join, nobody reviews yet.
        return proposal, coordinator, reviewers
    criteria = list(Criterion.objects.all())
    for reviewer in reviewers:
        assignment = ReviewAssignment.objects.create(
            proposal=proposal, reviewer=reviewer, assigned_by=coordinator
        )
        review_submit(
            assignment=assignment,
            actor=reviewer,
            scores=dict.fromkeys(criteria, 4),
            recommendation="approve",
            comment="Solid.",
        )
    return proposal, coordinator, reviewers


@pytest.mark.parametrize(
    ("who", "stage"),
    [
        (who, stage)
        for who in ["anonymous", "lead", "partner", "reviewer", "coordinator"]
        for stage in [Stage.DEFINE, Stage.REVIEW, Stage.APPROVED, Stage.DRIVE]
        # Not visible to visitors, and nobody reviews in Define.
        if not (who == "anonymous" and stage in (Stage.DEFINE, Stage.REVIEW))
        and not (who == "reviewer" and stage == Stage.DEFINE)
    ],
)
def test_proposal_page_stays_within_15_queries(client, who, stage):
    proposal, coordinator, reviewers = _full_proposal(
        stage=Stage.DEFINE if stage == Stage.DEFINE else Stage.REVIEW
    )
    if stage not in (Stage.REVIEW, Stage.DEFINE):
        proposal_decide(proposal=proposal, actor=coordinator, outcome="approve", reason="Good.")
    if stage == Stage.DRIVE:
        proposal_transition(proposal=proposal, to=Stage.DRIVE, actor=proposal.lead)
        for n in range(5):
            milestone_create(
                proposal=proposal, actor=proposal.lead, title=f"M{n}", due_date=date(2027, 1, n + 1)
            )
            progress_update_post(proposal=proposal, actor=proposal.lead, body=f"Week {n}")
    proposal.refresh_from_db()
    partner = MembershipFactory(
        institution=proposal.participations.filter(role="partner").first().institution
    ).person
    user = {
        "lead": proposal.lead,
        "partner": partner,
        "reviewer": reviewers[0],
        "coordinator": coordinator,
    }.get(who)
    if user is not None:
        client.force_login(user)

    queries = count_queries(client, proposal.get_absolute_url())

    print(f"proposal page, {who}, {stage}: {queries} queries")
    assert queries <= 15, queries


@pytest.mark.parametrize("route", ["projects:partnering_inbox", "projects:signoffs"])
def test_partnering_pages_cost_the_same_for_1_and_30_rows(client, route):
    """Every row asks the rules for its actions; they reuse one read of the affiliations."""
    representative = MembershipFactory(role=MembershipRole.REPRESENTATIVE)
    person, institution = representative.person, representative.institution

    def make(n: int) -> None:
        for _ in range(n):
            ParticipationFactory(
                proposal=ProposalFactory(stage=Stage.DEFINE),
                institution=institution,
                person=person,
                status=ParticipationStatus.INVITED,
            )
            ParticipationFactory(
                proposal=ProposalFactory(
                    stage=Stage.DEFINE, lead=person, lead_institution=institution
                ),
                status=ParticipationStatus.REQUESTED,
            )
            ParticipationFactory(
                proposal=ProposalFactory(stage=Stage.DEFINE),
                institution=institution,
                status=ParticipationStatus.ACCEPTED,
            )

    client.force_login(person)
    url = reverse(route)

    make(1)
    one = count_queries(client, url)
    make(29)
    fifty = count_queries(client, url)
    actions = client.get(url).context["participation_actions"]

    print(f"{route}: {one} queries for 1 row, {fifty} for 30")
    assert (one, fifty) == (one, one)
    assert len(actions) == (60 if route == "projects:partnering_inbox" else 30)


@pytest.mark.parametrize("who", ["anonymous", "lead", "coordinator"])
def test_proposal_page_costs_the_same_for_1_and_20_of_each_row(client, who):
    """Partners, competences, milestones and progress updates: each a fixed number of queries."""
    proposal, coordinator, _ = _full_proposal()
    proposal_decide(proposal=proposal, actor=coordinator, outcome="approve", reason="Good.")
    proposal_transition(proposal=proposal, to=Stage.DRIVE, actor=proposal.lead)
    user = {"lead": proposal.lead, "coordinator": coordinator}.get(who)
    if user is not None:
        client.force_login(user)

    def make(start: int, n: int) -> None:
        for k in range(start, start + n):
            ProposalCompetenceFactory(proposal=proposal, competence=CompetenceFactory())
            ParticipationFactory(proposal=proposal, status=ParticipationStatus.CONFIRMED)
            milestone_create(
                proposal=proposal,
                actor=proposal.lead,
                title=f"M{k}",
                due_date=date(2027, 1, k + 1),
            )
            progress_update_post(proposal=proposal, actor=proposal.lead, body=f"Week {k}")

    make(0, 1)
    one = count_queries(client, proposal.get_absolute_url())
    make(1, 19)
    twenty = count_queries(client, proposal.get_absolute_url())

    print(f"proposal page, {who}: {one} queries for 1 of each row, {twenty} for 20")
    assert (one, twenty) == (one, one)


@pytest.mark.parametrize(
    ("route", "who"),
    [("projects:proposal_list", "researcher"), ("projects:review_queue", "coordinator")],
)
def test_list_results_partial_costs_the_same_for_1_and_50_rows(client, route, who):
    """The rows htmx swaps in when a filter changes: as constant as the whole page."""
    coordinator = CoordinatorFactory()
    stage = Stage.REVIEW if who == "coordinator" else Stage.APPROVED
    client.force_login(coordinator if who == "coordinator" else MembershipFactory().person)
    url = reverse(route) + f"?stage={stage.value}"

    def partial_queries() -> int:
        client.get(url, headers={"HX-Request": "true"})
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, headers={"HX-Request": "true"})
        assert (response.status_code, b"<html" in response.content) == (200, False)
        return len(queries)

    _proposals(1, stage=stage, visibility=Visibility.OPEN_CALL)
    one = partial_queries()
    _proposals(49, stage=stage, visibility=Visibility.OPEN_CALL)
    fifty = partial_queries()

    print(f"{route} partial, {who}: {one} queries for 1 row, {fifty} for 50")
    assert (one, fifty) == (one, one)
