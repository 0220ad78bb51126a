"""The payloads of the proposal events that notifications read."""

import datetime

import pytest

from core.models import OutboxEvent
from members.tests.factories import CoordinatorFactory, InstitutionFactory, MembershipFactory
from projects.enums import EventKind, MilestoneStatus, Stage
from projects.services import (
    milestone_create,
    milestone_set_status,
    review_assign,
    review_withdraw_assignment,
)
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


def _events(kind: str) -> list[tuple[int | None, dict]]:
    return list(OutboxEvent.objects.filter(kind=kind).values_list("actor_id", "payload"))


def test_review_withdraw_assignment_records_review_withdrawn():
    proposal = ProposalFactory(stage=Stage.REVIEW)
    coordinator = CoordinatorFactory()
    reviewer = MembershipFactory(institution=InstitutionFactory()).person
    assignment = review_assign(proposal=proposal, reviewer=reviewer, actor=coordinator)

    review_withdraw_assignment(assignment=assignment, actor=coordinator)

    assert _events(EventKind.REVIEW_WITHDRAWN) == [(coordinator.pk, {"reviewer_id": reviewer.pk})]
    assert OutboxEvent.objects.get(kind=EventKind.REVIEW_WITHDRAWN).subject == proposal


def test_review_withdraw_assignment_twice_records_one_event():
    proposal = ProposalFactory(stage=Stage.REVIEW)
    coordinator = CoordinatorFactory()
    reviewer = MembershipFactory(institution=InstitutionFactory()).person
    assignment = review_assign(proposal=proposal, reviewer=reviewer, actor=coordinator)
    review_withdraw_assignment(assignment=assignment, actor=coordinator)

    again = review_withdraw_assignment(assignment=assignment, actor=coordinator)

    assert again.status == "withdrawn"
    assert len(_events(EventKind.REVIEW_WITHDRAWN)) == 1


def test_milestone_events_say_what_changed_and_the_status():
    proposal = ProposalFactory(stage=Stage.DRIVE)
    milestone = milestone_create(
        proposal=proposal,
        actor=proposal.lead,
        title="First release",
        due_date=datetime.date(2031, 3, 1),
    )

    milestone_set_status(milestone=milestone, actor=proposal.lead, status=MilestoneStatus.DONE)

    assert _events(EventKind.MILESTONE) == [
        (
            proposal.lead_id,
            {"milestone_id": milestone.pk, "change": "added", "status": "planned"},
        ),
        (
            proposal.lead_id,
            {
                "milestone_id": milestone.pk,
                "change": "status",
                "from_status": "planned",
                "status": "done",
            },
        ),
    ]


def test_milestone_set_to_its_own_status_records_nothing():
    proposal = ProposalFactory(stage=Stage.DRIVE)
    milestone = milestone_create(
        proposal=proposal,
        actor=proposal.lead,
        title="First release",
        due_date=datetime.date(2031, 3, 1),
    )

    milestone_set_status(milestone=milestone, actor=proposal.lead, status=MilestoneStatus.PLANNED)

    assert len(_events(EventKind.MILESTONE)) == 1
