import threading

import pytest
from django.db import connection

from conftest import require
from core.exceptions import DomainError, NotPermitted
from core.models import OutboxEvent
from members.enums import InstitutionStatus, MembershipRole
from members.tests.factories import InstitutionFactory, MembershipFactory
from projects.enums import EventKind, ParticipationStatus, Stage, Visibility
from projects.models import Participation, ParticipationTransition
from projects.services import (
    consortium_check,
    consortium_invite,
    participation_accept,
    participation_confirm,
    participation_decline,
    participation_invite,
    participation_request,
    participation_withdraw,
)
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal():
    return ProposalFactory(stage=Stage.DEFINE)


@pytest.fixture
def tum():
    return InstitutionFactory(name="Technical University of Munich", slug="tum")


@pytest.fixture
def tum_researcher(tum):
    return MembershipFactory(institution=tum).person


@pytest.fixture
def tum_representative(tum):
    return MembershipFactory(institution=tum, role=MembershipRole.REPRESENTATIVE).person


def test_invitation_accept_confirm_counts_toward_the_consortium(
    proposal, tum, tum_researcher, tum_representative
):
    invitation = participation_invite(
        proposal=proposal,
        actor=proposal.lead,
        institution=tum,
        person=tum_researcher,
        message="Join us for the robot experiments.",
    )
    participation_accept(participation=invitation, actor=tum_researcher)
    before = [r.rule for r in consortium_check(proposal=proposal) if not r.ok]
    participation_confirm(participation=invitation, actor=tum_representative)
    after = [r.rule for r in consortium_check(proposal=proposal) if not r.ok]

    invitation.refresh_from_db()
    assert (invitation.status, invitation.confirmed_by) == ("confirmed", tum_representative)
    assert before == ["min_partner_institutions"]
    assert after == []
    assert list(
        ParticipationTransition.objects.values_list("from_status", "to_status", "actor")
    ) == [
        ("", "invited", proposal.lead.pk),
        ("invited", "accepted", tum_researcher.pk),
        ("accepted", "confirmed", tum_representative.pk),
    ]
    assert list(OutboxEvent.objects.values_list("kind", flat=True)) == [
        EventKind.INVITATION,
        EventKind.PARTICIPATION_CHANGED,
        EventKind.CONFIRMATION,
    ]


def test_only_the_lead_invites(proposal, tum, tum_researcher):
    with pytest.raises(NotPermitted, match="Only the lead invites partners"):
        participation_invite(proposal=proposal, actor=tum_researcher, institution=tum)

    assert Participation.objects.filter(institution=tum).count() == 0


def test_the_same_invitation_cannot_be_sent_twice(proposal, tum):
    participation_invite(proposal=proposal, actor=proposal.lead, institution=tum)

    with pytest.raises(DomainError, match="already in this consortium \\(invited\\)"):
        participation_invite(proposal=proposal, actor=proposal.lead, institution=tum)

    assert Participation.objects.filter(institution=tum).count() == 1


def test_invitation_past_define_is_refused_clearly(tum):
    proposal = ProposalFactory(stage=Stage.REVIEW)

    with pytest.raises(DomainError, match="this one is in Review, so nothing was sent"):
        participation_invite(proposal=proposal, actor=proposal.lead, institution=tum)

    assert OutboxEvent.objects.count() == 0


def test_invitation_to_own_institution_or_a_suspended_one_is_refused(proposal):
    suspended = InstitutionFactory(status=InstitutionStatus.SUSPENDED)

    with pytest.raises(DomainError, match="leads this proposal already"):
        participation_invite(
            proposal=proposal, actor=proposal.lead, institution=proposal.lead_institution
        )
    with pytest.raises(DomainError, match="not an active member of the alliance"):
        participation_invite(proposal=proposal, actor=proposal.lead, institution=suspended)


def test_invited_person_must_work_at_the_institution(proposal, tum):
    stranger = MembershipFactory().person

    with pytest.raises(DomainError, match="is not an active researcher at"):
        participation_invite(
            proposal=proposal, actor=proposal.lead, institution=tum, person=stranger
        )


def test_only_the_invitee_accepts(proposal, tum, tum_researcher):
    colleague = MembershipFactory(institution=tum).person
    invitation = participation_invite(
        proposal=proposal, actor=proposal.lead, institution=tum, person=tum_researcher
    )

    for intruder in (colleague, proposal.lead):
        with pytest.raises(NotPermitted):
            participation_accept(participation=invitation, actor=intruder)

    invitation.refresh_from_db()
    assert invitation.status == "invited"


def test_institution_invitation_is_answered_by_its_representative(
    proposal, tum, tum_researcher, tum_representative
):
    invitation = participation_invite(proposal=proposal, actor=proposal.lead, institution=tum)

    with pytest.raises(NotPermitted):
        participation_accept(participation=invitation, actor=tum_researcher)
    participation_accept(participation=invitation, actor=tum_representative)

    invitation.refresh_from_db()
    assert (invitation.status, invitation.person) == ("accepted", tum_representative)


def test_only_the_partners_representative_confirms(proposal, tum, tum_researcher):
    other_rep = MembershipFactory(role=MembershipRole.REPRESENTATIVE).person
    invitation = participation_invite(
        proposal=proposal, actor=proposal.lead, institution=tum, person=tum_researcher
    )
    participation_accept(participation=invitation, actor=tum_researcher)

    for intruder in (tum_researcher, proposal.lead, other_rep):
        with pytest.raises(NotPermitted):
            participation_confirm(participation=invitation, actor=intruder)

    invitation.refresh_from_db()
    assert invitation.status == "accepted"


def test_join_request_is_accepted_by_the_lead_then_confirmed(
    proposal, tum, tum_researcher, tum_representative
):
    request = participation_request(
        proposal=proposal, actor=tum_researcher, institution=tum, message="We bring robots."
    )

    with pytest.raises(NotPermitted):
        participation_accept(participation=request, actor=tum_researcher)
    participation_accept(participation=request, actor=proposal.lead)
    participation_confirm(participation=request, actor=tum_representative)

    request.refresh_from_db()
    assert (request.status, request.person, request.message) == (
        "confirmed",
        tum_researcher,
        "We bring robots.",
    )


def test_join_request_needs_an_open_call_and_a_message(tum, tum_researcher):
    confidential = ProposalFactory(stage=Stage.DEFINE, visibility=Visibility.CONFIDENTIAL)
    open_call = ProposalFactory(stage=Stage.DEFINE)

    with pytest.raises(NotPermitted, match="Only open calls"):
        participation_request(
            proposal=confidential, actor=tum_researcher, institution=tum, message="x"
        )
    with pytest.raises(DomainError, match="what you would bring"):
        participation_request(
            proposal=open_call, actor=tum_researcher, institution=tum, message=" "
        )

    assert Participation.objects.filter(institution=tum).count() == 0


def test_declined_invitation_can_be_sent_again(proposal, tum, tum_researcher):
    invitation = participation_invite(
        proposal=proposal, actor=proposal.lead, institution=tum, person=tum_researcher
    )
    participation_decline(participation=invitation, actor=tum_researcher, comment="Too busy.")

    again = participation_invite(proposal=proposal, actor=proposal.lead, institution=tum)

    assert again.status == "invited"


def test_withdraw_needs_a_comment_and_a_party_to_the_participation(proposal, tum, tum_researcher):
    invitation = participation_invite(
        proposal=proposal, actor=proposal.lead, institution=tum, person=tum_researcher
    )
    outsider = MembershipFactory().person

    with pytest.raises(NotPermitted):
        participation_withdraw(participation=invitation, actor=outsider, comment="x")
    with pytest.raises(DomainError, match="Please give a reason"):
        participation_withdraw(participation=invitation, actor=tum_researcher, comment=" ")
    participation_withdraw(
        participation=invitation, actor=tum_researcher, comment="Funding fell through."
    )

    invitation.refresh_from_db()
    assert invitation.status == ParticipationStatus.WITHDRAWN


def test_the_lead_participation_cannot_be_withdrawn(proposal):
    lead_participation = proposal.participations.get(role="lead")

    with pytest.raises(NotPermitted):
        participation_withdraw(participation=lead_participation, actor=proposal.lead, comment="x")


def test_the_lead_does_not_ask_to_join_their_own_proposal(proposal):
    second = MembershipFactory(person=proposal.lead).institution

    with pytest.raises(DomainError, match="You lead this proposal"):
        participation_request(
            proposal=proposal, actor=proposal.lead, institution=second, message="We bring it."
        )

    assert Participation.objects.filter(institution=second).count() == 0


# Inviting a whole consortium ------------------------------------------------------------


def test_consortium_invite_sends_one_invitation_per_institution_not_in_it(proposal, tum):
    eth = InstitutionFactory(name="ETH Zürich")
    already = InstitutionFactory(name="Inria")
    participation_invite(proposal=proposal, actor=proposal.lead, institution=already)

    sent = consortium_invite(
        proposal=proposal,
        actor=proposal.lead,
        institutions=[proposal.lead_institution, tum, eth, already, tum],
        message="Join us",
    )

    assert sorted(p.institution.name for p in sent.invited) == [
        "ETH Zürich",
        "Technical University of Munich",
    ]
    assert sent.already == [proposal.lead_institution, already]
    assert sorted(
        Participation.objects.filter(
            proposal=proposal, status=ParticipationStatus.INVITED
        ).values_list("institution__name", "message")
    ) == [("ETH Zürich", "Join us"), ("Inria", ""), ("Technical University of Munich", "Join us")]
    assert OutboxEvent.objects.filter(kind=EventKind.INVITATION).count() == 3


def test_consortium_invite_twice_sends_nothing_more(proposal, tum):
    consortium_invite(proposal=proposal, actor=proposal.lead, institutions=[tum])

    again = consortium_invite(proposal=proposal, actor=proposal.lead, institutions=[tum])

    assert (again.invited, again.already) == ([], [tum])
    assert Participation.objects.filter(proposal=proposal, institution=tum).count() == 1


def test_consortium_invite_is_all_or_nothing(proposal, tum):
    suspended = InstitutionFactory(name="Gone Institute", status=InstitutionStatus.SUSPENDED)
    applicant = InstitutionFactory(name="New Institute", status=InstitutionStatus.APPLICANT)

    with pytest.raises(DomainError) as refused:
        consortium_invite(
            proposal=proposal, actor=proposal.lead, institutions=[tum, suspended, applicant]
        )

    assert refused.value.message == (
        "No invitation was sent, because of these: "
        "Gone Institute is not an active member of the alliance. "
        "New Institute is not an active member of the alliance."
    )
    assert Participation.objects.filter(proposal=proposal).exclude(role="lead").count() == 0
    assert OutboxEvent.objects.filter(kind=EventKind.INVITATION).count() == 0


def test_consortium_invite_is_the_leads_and_only_while_defining(proposal, tum):
    colleague = MembershipFactory(institution=proposal.lead_institution).person
    in_review = ProposalFactory(stage=Stage.REVIEW)

    with pytest.raises(NotPermitted):
        consortium_invite(proposal=proposal, actor=colleague, institutions=[tum])
    with pytest.raises(DomainError, match="Partners join while a proposal is being defined"):
        consortium_invite(proposal=in_review, actor=in_review.lead, institutions=[tum])
    assert Participation.objects.filter(institution=tum).count() == 0


@pytest.mark.django_db(transaction=True)
def test_consortium_invited_twice_at_once_sends_each_invitation_once():
    require(connection.vendor == "postgresql", "row locks need PostgreSQL")
    proposal = ProposalFactory(stage=Stage.DEFINE)
    institutions = [InstitutionFactory(), InstitutionFactory()]
    barrier = threading.Barrier(2)
    sent: list[int] = []

    def invite():
        from django.db import connections

        barrier.wait()
        try:
            result = consortium_invite(
                proposal=proposal, actor=proposal.lead, institutions=institutions
            )
            sent.append(len(result.invited))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=invite) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(sent) == [0, 2]
    assert Participation.objects.filter(proposal=proposal, status="invited").count() == 2
