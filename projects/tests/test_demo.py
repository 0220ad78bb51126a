from io import StringIO

import pytest
from django.core.management import call_command

from core.models import OutboxEvent
from projects.enums import Stage
from projects.models import Proposal, Review, StageTransition

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_demo_has_a_proposal_in_every_stage():
    _seed()

    assert set(Proposal.objects.values_list("stage", flat=True)) == set(Stage.values)


def test_demo_ibm_tum_project_is_driven_with_reviews_and_milestones():
    _seed()

    proposal = Proposal.objects.get(slug="multimodal-foundation-models-for-robot-learning")
    partners = proposal.participations.filter(role="partner", status="confirmed")
    assert (proposal.stage, proposal.lead_institution.slug) == (Stage.DRIVE, "ibm")
    assert list(partners.values_list("institution__slug", flat=True)) == ["tu-munich"]
    assert Review.objects.filter(assignment__proposal=proposal).count() == 2
    assert proposal.milestones.count() == 3
    assert list(proposal.transitions.values_list("to_stage", flat=True)) == [
        "define",
        "review",
        "approved",
        "drive",
    ]


def test_demo_seed_twice_changes_nothing():
    _seed()
    before = (
        Proposal.objects.count(),
        StageTransition.objects.count(),
        OutboxEvent.objects.count(),
    )

    output = _seed()

    after = (
        Proposal.objects.count(),
        StageTransition.objects.count(),
        OutboxEvent.objects.count(),
    )
    assert after == before
    assert "Demo proposals are up to date, nothing changed (12 proposals)." in output
