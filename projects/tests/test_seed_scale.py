from __future__ import annotations

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from members.demo import DEMO_PASSWORD
from members.models import Institution, User
from projects.enums import AssignmentStatus, ParticipationStatus, Stage
from projects.models import (
    Decision,
    Participation,
    Proposal,
    ProposalCompetence,
    Review,
    ReviewAssignment,
    Revision,
    StageTransition,
)

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_scale", *args, stdout=out, no_color=True)
    return out.getvalue()


def test_seed_scale_creates_proposals_in_every_stage_with_their_record():
    output = seed("--institutions", "6", "--people", "60", "--proposals", "200", "--seed", "4")

    proposals = Proposal.objects.filter(slug__startswith="scale-4-p")
    assert proposals.count() == 200
    assert set(proposals.values_list("stage", flat=True)) == set(Stage.values)
    assert set(Participation.objects.values_list("status", flat=True)) == set(
        ParticipationStatus.values
    )
    assert not proposals.filter(required_competences__isnull=True).exists()
    assert not proposals.filter(revisions__isnull=True).exists()
    assert not proposals.exclude(stage=Stage.DRAFT).filter(transitions__isnull=True).exists()
    assert not proposals.filter(participations__role="lead", participations__isnull=True).exists()
    assert proposals.filter(participations__role="lead").distinct().count() == 200
    reviewed = proposals.exclude(stage__in=[Stage.DRAFT, Stage.DEFINE, Stage.WITHDRAWN])
    assert not reviewed.filter(review_assignments__isnull=True).exists()
    assert ReviewAssignment.objects.filter(status=AssignmentStatus.ASSIGNED).exists()
    assert (
        Review.objects.count()
        == ReviewAssignment.objects.filter(status=AssignmentStatus.SUBMITTED).count()
    )
    assert (
        Decision.objects.count()
        == proposals.filter(
            stage__in=[
                Stage.CHANGES_REQUESTED,
                Stage.APPROVED,
                Stage.DRIVE,
                Stage.PAUSED,
                Stage.COMPLETED,
                Stage.DECLINED,
            ]
        ).count()
    )
    assert ProposalCompetence.objects.count() >= 400
    assert Revision.objects.count() >= 200
    assert StageTransition.objects.count() >= 200
    assert ", 200 proposals (" in output
    assert User.objects.get(email="coordinator-4@scale.example").check_password(DEMO_PASSWORD)
    assert EmailAddress.objects.filter(
        email="coordinator-4@scale.example", verified=True, primary=True
    ).exists()


def test_seed_scale_proposals_are_deterministic_for_the_same_seed():
    seed("--institutions", "4", "--people", "30", "--proposals", "30", "--seed", "9")
    first = list(
        Proposal.objects.order_by("slug").values_list("slug", "stage", "visibility", "title")
    )
    Proposal.objects.all().delete()
    Participation.objects.all().delete()
    Institution.objects.filter(slug__startswith="scale-9-").delete()
    User.objects.all().delete()

    seed("--institutions", "4", "--people", "30", "--proposals", "30", "--seed", "9")

    assert (
        list(Proposal.objects.order_by("slug").values_list("slug", "stage", "visibility", "title"))
        == first
    )
