"""Query budgets: lists cost the same for 1 and 50 rows; the proposal page at most 15."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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
    import os

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
    # A signed-in page also counts its unread notifications for the header's bell.
    bell = 1 if user is not None else 0
    assert queries <= 15 + bell, queries
