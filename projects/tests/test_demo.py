import re
from io import StringIO

import pytest
import rules
from django.core.management import call_command

from core.models import OutboxEvent
from members.models import Membership, User
from projects.enums import AssignmentStatus, Stage
from projects.models import Proposal, Review, ReviewAssignment, StageTransition
from projects.services import reviewer_conflict

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


def _printed_logins(output: str) -> dict[str, str]:
    lines = output.split("Demo logins\n", 1)[1].splitlines()
    return dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in lines if line.strip())


def test_demo_logins_play_every_part_of_the_journey_reviewer_included():
    logins = _printed_logins(_seed())
    people = {who: User.objects.get(email=email) for who, email in logins.items() if "@" in email}
    lead, partner = people["Lead researcher, IBM"], people["Partner researcher, TUM"]
    reviewer = people["Reviewer, UC Berkeley"]
    typical = Proposal.objects.get(slug="multimodal-foundation-models-for-robot-learning")
    waiting = ReviewAssignment.objects.get(reviewer=reviewer, status=AssignmentStatus.ASSIGNED)

    assert list(people) == [
        "Coordinator",
        "Lead researcher, IBM",
        "Lead of an open call, Meta",
        "Representative, IBM",
        "Partner researcher, TUM",
        "Representative, TUM",
        "Reviewer, UC Berkeley",
    ]
    assert people["Coordinator"].is_coordinator
    assert rules.has_perm("projects.create_proposal", lead)
    assert rules.has_perm("projects.create_proposal", partner)
    assert {
        who: sorted(
            Membership.objects.representatives()
            .filter(person=person)
            .values_list("institution__slug", flat=True)
        )
        for who, person in people.items()
        if who.startswith("Representative")
    } == {"Representative, IBM": ["ibm"], "Representative, TUM": ["tu-munich"]}
    # Outside the typical IBM–TUM consortium, and already with a proposal in Review to score.
    assert reviewer_conflict(proposal=typical, reviewer=reviewer) is None
    assert waiting.proposal.stage == Stage.REVIEW
    # An open call whose lead can try Find partners and Whole consortia.
    assert Proposal.objects.filter(
        lead=people["Lead of an open call, Meta"], stage=Stage.DEFINE
    ).exists()
    assert reviewer_conflict(proposal=waiting.proposal, reviewer=reviewer) is None
    assert all(
        User.objects.get(email=email).check_password(logins["Password"])
        for who, email in logins.items()
        if who != "Password"
    )
