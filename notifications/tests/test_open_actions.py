"""Waiting for you: each open action reaches exactly the person who must act, until they do."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from members.enums import MembershipStatus
from members.services import membership_approve, membership_request
from members.tests.factories import (
    CoordinatorFactory,
    InstitutionFactory,
    MembershipFactory,
    RepresentativeFactory,
)
from notifications.enums import OpenActionKind
from notifications.selectors import open_actions_for
from projects.enums import ParticipationStatus, Recommendation, Stage
from projects.models import Criterion
from projects.services import (
    participation_accept,
    participation_confirm,
    participation_decline,
    participation_invite,
    participation_request,
    proposal_decide,
    proposal_transition,
    review_assign,
    review_submit,
    review_withdraw_assignment,
)
from projects.tests.factories import ParticipationFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def _kinds_and_urls(user) -> list[tuple[OpenActionKind, str]]:
    return [(a.kind, a.url) for a in open_actions_for(user=user).items]


def _inbox(participation) -> str:
    return f"{reverse('projects:partnering_inbox')}#participation-{participation.pk}"


def _signoffs(participation) -> str:
    return f"{reverse('projects:signoffs')}#participation-{participation.pk}"


@pytest.fixture
def proposal():
    return ProposalFactory(stage=Stage.DEFINE, title="Open robot data")


@pytest.fixture
def partner():
    return InstitutionFactory(name="ETH Zürich", short_name="ETH", slug="eth")


@pytest.fixture
def partner_representative(partner):
    return RepresentativeFactory(institution=partner, person__display_name="Rita Rep").person


@pytest.fixture
def partner_researcher(partner):
    return MembershipFactory(institution=partner, person__display_name="Paul Partner").person


@pytest.fixture
def bystander(partner):
    """A colleague at the partner institution who has nothing to do with any of it."""
    return MembershipFactory(institution=partner).person


def _submit(assignment, reviewer):
    return review_submit(
        assignment=assignment,
        actor=reviewer,
        scores=dict.fromkeys(Criterion.objects.all(), 4),
        recommendation=Recommendation.APPROVE,
        comment="Sound plan.",
    )


# Joining --------------------------------------------------------------------------------


def test_personal_invitation_waits_for_the_invitee_then_the_signoff_for_the_representative(
    proposal, partner, partner_researcher, partner_representative, bystander
):
    invitation = participation_invite(
        proposal=proposal, actor=proposal.lead, institution=partner, person=partner_researcher
    )

    invited = open_actions_for(user=partner_researcher)
    others = [open_actions_for(user=u).items for u in (partner_representative, bystander)]
    participation_accept(participation=invitation, actor=partner_researcher)
    after_accept = [_kinds_and_urls(u) for u in (partner_researcher, partner_representative)]
    participation_confirm(participation=invitation, actor=partner_representative)

    assert [(a.kind, a.title, a.detail, a.url, a.verb) for a in invited.items] == [
        (
            OpenActionKind.INVITATION,
            "Open robot data",
            f"{proposal.lead} invites you to join for ETH",
            _inbox(invitation),
            "Answer",
        )
    ]
    assert invited.count == 1
    assert others == [[], []]
    assert after_accept == [[], [(OpenActionKind.SIGNOFF, _signoffs(invitation))]]
    assert open_actions_for(user=partner_representative).items == []
    assert open_actions_for(user=proposal.lead).items == []


def test_institution_invitation_waits_for_its_representatives_until_declined(
    proposal, partner, partner_researcher, partner_representative
):
    second_representative = RepresentativeFactory(institution=partner).person
    invitation = participation_invite(proposal=proposal, actor=proposal.lead, institution=partner)

    waiting = [
        open_actions_for(user=u).items
        for u in (partner_representative, second_representative, partner_researcher)
    ]
    participation_decline(participation=invitation, actor=second_representative)

    assert [[(a.kind, a.detail, a.url) for a in items] for items in waiting] == [
        [
            (
                OpenActionKind.INVITATION,
                f"{proposal.lead} invites ETH, which you represent",
                _inbox(invitation),
            )
        ],
        [
            (
                OpenActionKind.INVITATION,
                f"{proposal.lead} invites ETH, which you represent",
                _inbox(invitation),
            )
        ],
        [],
    ]
    assert open_actions_for(user=partner_representative).items == []


def test_join_request_waits_for_the_lead_then_the_signoff_for_the_representative(
    proposal, partner, partner_researcher, partner_representative
):
    request = participation_request(
        proposal=proposal, actor=partner_researcher, institution=partner, message="We bring data."
    )

    lead_waits = open_actions_for(user=proposal.lead).items
    requester_waits = open_actions_for(user=partner_researcher).items
    participation_accept(participation=request, actor=proposal.lead)

    assert [(a.kind, a.detail, a.url, a.verb) for a in lead_waits] == [
        (
            OpenActionKind.JOIN_REQUEST,
            "Paul Partner asks to join for ETH",
            _inbox(request),
            "Decide",
        )
    ]
    assert requester_waits == []
    assert _kinds_and_urls(proposal.lead) == []
    assert [(a.kind, a.detail) for a in open_actions_for(user=partner_representative).items] == [
        (OpenActionKind.SIGNOFF, "Paul Partner accepted for ETH; it counts once you confirm")
    ]


def test_invitation_stops_waiting_when_the_proposal_leaves_define(
    proposal, partner, partner_researcher
):
    participation_invite(
        proposal=proposal, actor=proposal.lead, institution=partner, person=partner_researcher
    )

    before = _kinds_and_urls(partner_researcher)
    proposal_transition(
        proposal=proposal, to=Stage.WITHDRAWN, actor=proposal.lead, comment="No funding."
    )

    assert [kind for kind, _url in before] == [OpenActionKind.INVITATION]
    assert _kinds_and_urls(partner_researcher) == []


def test_signoff_does_not_wait_for_an_ended_representative(proposal, partner, partner_researcher):
    ended = RepresentativeFactory(institution=partner, status=MembershipStatus.ENDED).person
    ParticipationFactory(
        proposal=proposal,
        institution=partner,
        person=partner_researcher,
        status=ParticipationStatus.ACCEPTED,
    )

    assert open_actions_for(user=ended).items == []


# Affiliations ---------------------------------------------------------------------------


def test_affiliation_waits_for_the_institutions_representatives_until_approved(
    partner, partner_representative, coordinator
):
    other_representative = RepresentativeFactory().person
    newcomer = MembershipFactory(status=MembershipStatus.ENDED, person__display_name="Nia New")
    membership = membership_request(
        person=newcomer.person, institution=partner, message="I joined the lab."
    )

    waiting = open_actions_for(user=partner_representative).items
    elsewhere = [
        open_actions_for(user=u).items for u in (other_representative, newcomer.person, coordinator)
    ]
    membership_approve(membership=membership, actor=partner_representative)

    assert [(a.kind, a.title, a.title_url, a.detail, a.url) for a in waiting] == [
        (
            OpenActionKind.AFFILIATION,
            "Nia New",
            newcomer.person.get_absolute_url(),
            "asks to join ETH",
            f"{reverse('members:institution_people', args=['eth'])}#membership-{membership.pk}",
        )
    ]
    assert elsewhere == [[], [], []]
    assert open_actions_for(user=partner_representative).items == []


def test_affiliation_at_an_institution_without_representative_waits_for_coordinators(
    coordinator, researcher
):
    applicant = InstitutionFactory(name="New Lab", short_name="NL", slug="new-lab")
    membership = MembershipFactory(institution=applicant, status=MembershipStatus.PENDING)

    before = [_kinds_and_urls(u) for u in (coordinator, researcher)]
    RepresentativeFactory(institution=applicant)
    after = _kinds_and_urls(coordinator)

    assert before == [
        [
            (
                OpenActionKind.AFFILIATION,
                f"{reverse('members:institution_people', args=['new-lab'])}"
                f"#membership-{membership.pk}",
            )
        ],
        [],
    ]
    assert after == []


# Review and decision --------------------------------------------------------------------


@pytest.fixture
def in_review():
    return ProposalFactory(stage=Stage.REVIEW, title="Safer agents")


@pytest.fixture
def reviewer():
    return MembershipFactory(institution=InstitutionFactory(), person__display_name="Rae").person


def test_review_waits_for_its_reviewer_with_the_due_date_until_submitted(
    in_review, reviewer, coordinator
):
    assigned_at = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    with time_machine.travel(assigned_at, tick=False):
        assignment = review_assign(proposal=in_review, reviewer=reviewer, actor=coordinator)
        waiting = open_actions_for(user=reviewer).items
        overdue_at_once = waiting[0].is_overdue
    with time_machine.travel(assigned_at + timedelta(days=15), tick=False):
        overdue = open_actions_for(user=reviewer).items[0].is_overdue
        _submit(assignment, reviewer)
        after = open_actions_for(user=reviewer).items

    assert [(a.kind, a.url, a.verb, a.due_at) for a in waiting] == [
        (
            OpenActionKind.REVIEW,
            reverse("projects:review_submit", args=[in_review.slug]),
            "Write review",
            datetime(2026, 5, 18, 8, 0, tzinfo=UTC),
        )
    ]
    assert (overdue_at_once, overdue, after) == (False, True, [])


def test_withdrawn_review_stops_waiting(in_review, reviewer, coordinator):
    assignment = review_assign(proposal=in_review, reviewer=reviewer, actor=coordinator)

    review_withdraw_assignment(assignment=assignment, actor=coordinator)

    assert open_actions_for(user=reviewer).items == []


def test_coordinators_assign_reviewers_then_decide_once_every_review_is_in(
    in_review, reviewer, coordinator
):
    second_reviewer = MembershipFactory(institution=InstitutionFactory()).person
    other_coordinator = CoordinatorFactory()
    decide_url = reverse("projects:proposal_decide", args=[in_review.slug])

    no_reviewer = _kinds_and_urls(coordinator)
    first = review_assign(proposal=in_review, reviewer=reviewer, actor=coordinator)
    second = review_assign(proposal=in_review, reviewer=second_reviewer, actor=coordinator)
    _submit(first, reviewer)
    one_of_two = _kinds_and_urls(coordinator)
    _submit(second, second_reviewer)
    ready = open_actions_for(user=other_coordinator).items

    assert no_reviewer == [
        (OpenActionKind.REVIEWERS, reverse("projects:reviewer_assign", args=[in_review.slug]))
    ]
    assert one_of_two == []
    assert [(a.kind, a.detail, a.url) for a in ready] == [
        (OpenActionKind.DECISION, "All 2 reviews are in", decide_url)
    ]
    assert _kinds_and_urls(reviewer) == []


def test_changes_requested_wait_for_the_lead_until_reopened(in_review, reviewer, coordinator):
    _submit(review_assign(proposal=in_review, reviewer=reviewer, actor=coordinator), reviewer)

    proposal_decide(
        proposal=in_review, actor=coordinator, outcome="request_changes", reason="Add a budget."
    )
    returned = open_actions_for(user=in_review.lead).items
    for_coordinator = _kinds_and_urls(coordinator)
    in_review.refresh_from_db()
    proposal_transition(proposal=in_review, to=Stage.DEFINE, actor=in_review.lead)

    assert [(a.kind, a.url, a.verb) for a in returned] == [
        (OpenActionKind.CHANGES_REQUESTED, in_review.get_absolute_url(), "Revise")
    ]
    assert for_coordinator == []
    assert _kinds_and_urls(in_review.lead) == []


# The panel as a whole -------------------------------------------------------------------


def test_overdue_reviews_come_first_then_the_longest_waiting(
    partner, partner_representative, in_review, coordinator
):
    start = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        first_invitation = ParticipationFactory(
            proposal=ProposalFactory(stage=Stage.DEFINE),
            institution=partner,
            status=ParticipationStatus.INVITED,
        )
    with time_machine.travel(start + timedelta(days=1), tick=False):
        review_assign(
            proposal=in_review,
            reviewer=partner_representative,
            actor=coordinator,
            due_at=start + timedelta(days=3),
        )
    with time_machine.travel(start + timedelta(days=2), tick=False):
        later_invitation = ParticipationFactory(
            proposal=ProposalFactory(stage=Stage.DEFINE),
            institution=partner,
            status=ParticipationStatus.INVITED,
        )
    with time_machine.travel(start + timedelta(days=4), tick=False):
        actions = open_actions_for(user=partner_representative)
        flags = [(a.kind, a.is_overdue) for a in actions.items]

    assert actions.count == 3
    assert flags == [
        (OpenActionKind.REVIEW, True),
        (OpenActionKind.INVITATION, False),
        (OpenActionKind.INVITATION, False),
    ]
    assert [a.url for a in actions.items[1:]] == [
        _inbox(first_invitation),
        _inbox(later_invitation),
    ]


def test_every_listed_action_links_to_a_page_the_person_can_open(
    client, proposal, partner, partner_representative, in_review
):
    """The action page and the title link both answer (nothing hidden is listed)."""
    coordinator = CoordinatorFactory()
    RepresentativeFactory(person=coordinator, institution=partner)
    participation_invite(proposal=proposal, actor=proposal.lead, institution=partner)
    membership_request(
        person=MembershipFactory(status=MembershipStatus.ENDED).person,
        institution=partner,
        message="Hello.",
    )
    review_assign(
        proposal=ProposalFactory(stage=Stage.REVIEW), reviewer=coordinator, actor=coordinator
    )
    client.force_login(coordinator)

    actions = open_actions_for(user=coordinator).items
    statuses = {
        (a.kind, url.split("#")[0]): client.get(url.split("#")[0]).status_code
        for a in actions
        for url in (a.url, a.title_url)
    }

    assert sorted(a.kind for a in actions) == sorted(
        [
            OpenActionKind.INVITATION,
            OpenActionKind.AFFILIATION,
            OpenActionKind.REVIEW,
            OpenActionKind.REVIEWERS,
        ]
    )
    assert set(statuses.values()) == {200}


def test_a_stranger_gets_404_where_the_invitee_acts(client, partner, partner_researcher):
    confidential = ProposalFactory(stage=Stage.DEFINE, visibility="confidential")
    participation_invite(
        proposal=confidential,
        actor=confidential.lead,
        institution=partner,
        person=partner_researcher,
    )
    stranger = MembershipFactory().person
    client.force_login(stranger)

    invitee_titles = [a.title_url for a in open_actions_for(user=partner_researcher).items]
    response = client.get(confidential.get_absolute_url())

    assert invitee_titles == [confidential.get_absolute_url()]
    assert open_actions_for(user=stranger).items == []
    assert response.status_code == 404


def test_signed_out_visitor_has_nothing_waiting():
    assert open_actions_for(user=AnonymousUser()).items == []
