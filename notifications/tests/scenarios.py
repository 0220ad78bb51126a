"""A small alliance around one confidential proposal, and one story per way of being told.

Each scenario makes one change through the services (or records a reminder as the reminder
tasks do) and says who must be told of its event: the audience tests check those sets
exactly, the visibility test checks that nobody outside the proposal is among them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from core.outbox import event_record
from members import services as members_services
from members.enums import EventKind as MemberEvent
from members.enums import MembershipStatus
from members.models import Institution, Membership, User
from members.tests.factories import (
    CoordinatorFactory,
    InstitutionFactory,
    MembershipFactory,
    RepresentativeFactory,
    UserFactory,
)
from notifications.enums import REMINDER_EVENT, NotificationKind, RecipientRole
from projects import services
from projects.enums import (
    AssignmentStatus,
    EventKind,
    MilestoneStatus,
    ParticipationStatus,
    Stage,
    Visibility,
)
from projects.models import Criterion, Decision, Participation, Proposal
from projects.tests.factories import (
    ParticipationFactory,
    ProposalFactory,
    ReviewAssignmentFactory,
)

K = NotificationKind
R = RecipientRole


@dataclass
class World:
    proposal: Proposal
    lead: User
    colleague: User  # an active researcher at the lead institution
    partner_institution: Institution
    partner: User  # named on the confirmed partnership
    partner_rep: User
    guest_institution: Institution  # invited, or asking to join, in the stories that say so
    guest: User
    guest_rep: User
    host_institution: Institution
    host_rep: User
    coordinator: User
    other_coordinator: User
    reviewer: User
    second_reviewer: User
    outsider: User  # an active researcher with no part in the proposal
    applicant: User  # no affiliation yet

    def at(self, stage: Stage, visibility: Visibility | None = None) -> Proposal:
        """Put the proposal in ``stage`` (setting up a story, not a change to be told of)."""
        fields = {"stage": stage}
        if visibility is not None:
            fields["visibility"] = visibility
        Proposal.objects.filter(pk=self.proposal.pk).update(**fields)
        self.proposal.refresh_from_db()
        return self.proposal

    def consortium(self, kind: NotificationKind, *, but: User | None = None) -> set[tuple]:
        """The lead and the active members of joined institutions, as told of ``kind``."""
        told = {
            (self.lead, R.LEAD, kind, False),
            (self.colleague, R.PARTNER, kind, False),
            (self.partner, R.PARTNER, kind, False),
            (self.partner_rep, R.PARTNER, kind, False),
        }
        return {entry for entry in told if entry[0] != but}

    def coordinators(
        self, kind: NotificationKind, *, action: bool = False, but: User | None = None
    ) -> set[tuple]:
        told = {
            (self.coordinator, R.COORDINATOR, kind, action),
            (self.other_coordinator, R.COORDINATOR, kind, action),
        }
        return {entry for entry in told if entry[0] != but}


def build_world() -> World:
    lead_institution = InstitutionFactory(name="Technical University of Munich")
    lead = MembershipFactory(institution=lead_institution).person
    partner_institution = InstitutionFactory(name="ETH Zürich", country="CH")
    partner = MembershipFactory(institution=partner_institution).person
    proposal = ProposalFactory(
        lead=lead,
        lead_institution=lead_institution,
        stage=Stage.DEFINE,
        visibility=Visibility.CONFIDENTIAL,
    )
    ParticipationFactory(
        proposal=proposal,
        institution=partner_institution,
        person=partner,
        status=ParticipationStatus.CONFIRMED,
    )
    guest_institution = InstitutionFactory(name="Inria")
    host_institution = InstitutionFactory(name="CERN")
    return World(
        proposal=proposal,
        lead=lead,
        colleague=MembershipFactory(institution=lead_institution).person,
        partner_institution=partner_institution,
        partner=partner,
        partner_rep=RepresentativeFactory(institution=partner_institution).person,
        guest_institution=guest_institution,
        guest=MembershipFactory(institution=guest_institution).person,
        guest_rep=RepresentativeFactory(institution=guest_institution).person,
        host_institution=host_institution,
        host_rep=RepresentativeFactory(institution=host_institution).person,
        coordinator=CoordinatorFactory(),
        other_coordinator=CoordinatorFactory(),
        reviewer=MembershipFactory().person,
        second_reviewer=MembershipFactory().person,
        outsider=MembershipFactory().person,
        applicant=UserFactory(),
    )


# Changes ---------------------------------------------------------------------------------


def _move(w: World, to: Stage, actor: User, comment: str = "") -> None:
    services.proposal_transition(proposal=w.proposal, to=to, actor=actor, comment=comment)


def _decide(w: World, outcome: Decision.Outcome, *, reviewed: bool = True) -> None:
    w.at(Stage.REVIEW)
    if reviewed:
        ReviewAssignmentFactory(proposal=w.proposal, reviewer=w.reviewer, assigned_by=w.coordinator)
    services.proposal_decide(
        proposal=w.proposal, actor=w.coordinator, outcome=outcome, reason="As reviewed."
    )


def _invite(w: World, *, person: bool = True) -> Participation:
    w.at(Stage.DEFINE)
    return services.participation_invite(
        proposal=w.proposal,
        actor=w.lead,
        institution=w.guest_institution,
        person=w.guest if person else None,
    )


def _request(w: World) -> Participation:
    w.at(Stage.DEFINE, Visibility.OPEN_CALL)
    return services.participation_request(
        proposal=w.proposal, actor=w.guest, institution=w.guest_institution, message="Robots."
    )


def _withdraw(w: World) -> None:
    w.at(Stage.DEFINE)
    ParticipationFactory(
        proposal=w.proposal,
        institution=w.guest_institution,
        person=w.guest,
        status=ParticipationStatus.INVITED,
    )
    ParticipationFactory(
        proposal=w.proposal,
        institution=w.host_institution,
        person=None,
        status=ParticipationStatus.INVITED,
    )
    ReviewAssignmentFactory(proposal=w.proposal, reviewer=w.reviewer, assigned_by=w.coordinator)
    _move(w, Stage.WITHDRAWN, w.lead, "No funding.")


def _confirm(w: World) -> None:
    participation = services.participation_accept(participation=_invite(w), actor=w.guest)
    services.participation_confirm(participation=participation, actor=w.guest_rep)


def _submit_review(w: World, *, last: bool) -> None:
    w.at(Stage.REVIEW)
    mine = ReviewAssignmentFactory(
        proposal=w.proposal, reviewer=w.reviewer, assigned_by=w.coordinator
    )
    ReviewAssignmentFactory(
        proposal=w.proposal,
        reviewer=w.second_reviewer,
        assigned_by=w.coordinator,
        status=AssignmentStatus.SUBMITTED if last else AssignmentStatus.ASSIGNED,
    )
    services.review_submit(
        assignment=mine,
        actor=w.reviewer,
        scores=dict.fromkeys(Criterion.objects.filter(active=True), 4),
        recommendation="approve",
        comment="Sound plan.",
    )


def _milestone(w: World, status: MilestoneStatus | None = None) -> None:
    w.at(Stage.DRIVE)
    milestone = services.milestone_create(
        proposal=w.proposal,
        actor=w.partner,
        title="First release",
        due_date=datetime.date(2031, 3, 1),
    )
    if status is not None:
        services.milestone_set_status(milestone=milestone, actor=w.partner, status=status)


def _remind(w: World, kind: NotificationKind, *people: User) -> None:
    event_record(
        kind=REMINDER_EVENT,
        subject=w.proposal,
        actor=None,
        payload={
            "notification_kind": kind,
            "recipient_ids": [person.pk for person in people],
            "threshold": "7 days",
        },
    )


def _pending_membership(w: World) -> Membership:
    return MembershipFactory(
        person=w.applicant, institution=w.guest_institution, status=MembershipStatus.PENDING
    )


# The stories -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    event_kind: str  # the kind of event whose audience is checked (the last one recorded)
    act: Callable[[World], object]
    told: Callable[[World], set[tuple]]  # (person, role, kind, action required)

    def __str__(self) -> str:
        return self.name


SCENARIOS = [
    Scenario(
        "opened",
        EventKind.STAGE_CHANGED,
        lambda w: (w.at(Stage.DRAFT), _move(w, Stage.DEFINE, w.lead)),
        lambda w: w.consortium(K.PROPOSAL_OPENED, but=w.lead) | w.coordinators(K.PROPOSAL_OPENED),
    ),
    Scenario(
        "reopened",
        EventKind.STAGE_CHANGED,
        lambda w: (w.at(Stage.CHANGES_REQUESTED), _move(w, Stage.DEFINE, w.lead)),
        lambda w: w.consortium(K.PROPOSAL_OPENED, but=w.lead) | w.coordinators(K.PROPOSAL_OPENED),
    ),
    Scenario(
        "submitted",
        EventKind.STAGE_CHANGED,
        lambda w: _move(w, Stage.REVIEW, w.lead),
        lambda w: (
            w.consortium(K.PROPOSAL_SUBMITTED, but=w.lead)
            | w.coordinators(K.PROPOSAL_SUBMITTED, action=True)
        ),
    ),
    Scenario(
        "changes requested",
        EventKind.STAGE_CHANGED,
        lambda w: _decide(w, Decision.Outcome.REQUEST_CHANGES, reviewed=False),
        lambda w: (
            w.consortium(K.CHANGES_REQUESTED, but=w.lead)
            | {(w.lead, R.LEAD, K.CHANGES_REQUESTED, True)}
        ),
    ),
    Scenario(
        "approved",
        EventKind.STAGE_CHANGED,
        lambda w: _decide(w, Decision.Outcome.APPROVE),
        lambda w: (
            w.consortium(K.PROPOSAL_APPROVED)
            | {(w.reviewer, R.REVIEWER, K.PROPOSAL_APPROVED, False)}
        ),
    ),
    Scenario(
        "declined",
        EventKind.STAGE_CHANGED,
        lambda w: _decide(w, Decision.Outcome.DECLINE),
        lambda w: (
            w.consortium(K.PROPOSAL_DECLINED)
            | {(w.reviewer, R.REVIEWER, K.PROPOSAL_DECLINED, False)}
        ),
    ),
    Scenario(
        "decision",
        EventKind.DECISION,
        lambda w: _decide(w, Decision.Outcome.APPROVE),
        lambda w: {(w.other_coordinator, R.COORDINATOR, K.DECISION_RECORDED, False)},
    ),
    Scenario(
        "withdrawn",
        EventKind.STAGE_CHANGED,
        _withdraw,
        lambda w: (
            w.consortium(K.PROPOSAL_WITHDRAWN, but=w.lead)
            | w.coordinators(K.PROPOSAL_WITHDRAWN)
            | {
                (w.guest, R.INVITEE, K.PROPOSAL_WITHDRAWN, False),
                (w.host_rep, R.REPRESENTATIVE, K.PROPOSAL_WITHDRAWN, False),
                (w.reviewer, R.REVIEWER, K.PROPOSAL_WITHDRAWN, False),
            }
        ),
    ),
    Scenario(
        "withdrawn as a draft",
        EventKind.STAGE_CHANGED,
        lambda w: (w.at(Stage.DRAFT), _move(w, Stage.WITHDRAWN, w.lead)),
        lambda w: w.consortium(K.PROPOSAL_WITHDRAWN, but=w.lead),
    ),
    Scenario(
        "kicked off",
        EventKind.STAGE_CHANGED,
        lambda w: (w.at(Stage.APPROVED), _move(w, Stage.DRIVE, w.lead)),
        lambda w: w.consortium(K.PROPOSAL_KICKED_OFF, but=w.lead),
    ),
    Scenario(
        "paused",
        EventKind.STAGE_CHANGED,
        lambda w: (w.at(Stage.DRIVE), _move(w, Stage.PAUSED, w.coordinator, "Budget review.")),
        lambda w: (
            w.consortium(K.PROPOSAL_PAUSED) | w.coordinators(K.PROPOSAL_PAUSED, but=w.coordinator)
        ),
    ),
    Scenario(
        "resumed",
        EventKind.STAGE_CHANGED,
        lambda w: (w.at(Stage.PAUSED), _move(w, Stage.DRIVE, w.coordinator)),
        lambda w: w.consortium(K.PROPOSAL_RESUMED),
    ),
    Scenario(
        "completed",
        EventKind.STAGE_CHANGED,
        lambda w: (w.at(Stage.DRIVE), _move(w, Stage.COMPLETED, w.lead, "Final report.")),
        lambda w: (
            w.consortium(K.PROPOSAL_COMPLETED, but=w.lead) | w.coordinators(K.PROPOSAL_COMPLETED)
        ),
    ),
    Scenario(
        "person invited",
        EventKind.INVITATION,
        _invite,
        lambda w: {(w.guest, R.INVITEE, K.INVITATION_SENT, True)},
    ),
    Scenario(
        "institution invited",
        EventKind.INVITATION,
        lambda w: _invite(w, person=False),
        lambda w: {(w.guest_rep, R.REPRESENTATIVE, K.INVITATION_SENT, True)},
    ),
    Scenario(
        "invitation accepted",
        EventKind.PARTICIPATION_CHANGED,
        lambda w: services.participation_accept(participation=_invite(w), actor=w.guest),
        lambda w: {
            (w.lead, R.LEAD, K.INVITATION_ACCEPTED, False),
            (w.guest_rep, R.REPRESENTATIVE, K.SIGNOFF_AWAITED, True),
        },
    ),
    Scenario(
        "invitation declined",
        EventKind.PARTICIPATION_CHANGED,
        lambda w: services.participation_decline(participation=_invite(w), actor=w.guest),
        lambda w: {(w.lead, R.LEAD, K.INVITATION_DECLINED, False)},
    ),
    Scenario(
        "join requested",
        EventKind.JOIN_REQUEST,
        _request,
        lambda w: {(w.lead, R.LEAD, K.JOIN_REQUESTED, True)},
    ),
    Scenario(
        "join accepted",
        EventKind.PARTICIPATION_CHANGED,
        lambda w: services.participation_accept(participation=_request(w), actor=w.lead),
        lambda w: {
            (w.guest, R.INVITEE, K.JOIN_ACCEPTED, False),
            (w.guest_rep, R.REPRESENTATIVE, K.SIGNOFF_AWAITED, True),
        },
    ),
    Scenario(
        "join declined",
        EventKind.PARTICIPATION_CHANGED,
        lambda w: services.participation_decline(participation=_request(w), actor=w.lead),
        lambda w: {(w.guest, R.INVITEE, K.JOIN_DECLINED, False)},
    ),
    Scenario(
        # The requester no longer sees the proposal once it is confidential: not told.
        "join declined once confidential",
        EventKind.PARTICIPATION_CHANGED,
        lambda w: (
            participation := _request(w),
            services.proposal_update(
                proposal=w.proposal, actor=w.lead, visibility=Visibility.CONFIDENTIAL
            ),
            services.participation_decline(participation=participation, actor=w.lead),
        ),
        lambda w: set(),
    ),
    Scenario(
        "commitment confirmed",
        EventKind.CONFIRMATION,
        _confirm,
        lambda w: {
            (w.lead, R.LEAD, K.COMMITMENT_CONFIRMED, False),
            (w.guest, R.PARTNER, K.COMMITMENT_CONFIRMED, False),
        },
    ),
    Scenario(
        "partner withdrawn",
        EventKind.PARTICIPATION_CHANGED,
        lambda w: services.participation_withdraw(
            participation=w.proposal.participations.get(institution=w.partner_institution),
            actor=w.partner,
            comment="Our lab closes.",
            confirmed=True,
        ),
        # The partner institution has left: its representative is no longer told.
        lambda w: {
            (w.lead, R.LEAD, K.PARTNER_WITHDRAWN, False),
            (w.colleague, R.PARTNER, K.PARTNER_WITHDRAWN, False),
        },
    ),
    Scenario(
        "reviewer assigned",
        EventKind.REVIEW_ASSIGNED,
        lambda w: (
            w.at(Stage.REVIEW),
            services.review_assign(proposal=w.proposal, reviewer=w.reviewer, actor=w.coordinator),
        ),
        lambda w: {(w.reviewer, R.REVIEWER, K.REVIEWER_ASSIGNED, True)},
    ),
    Scenario(
        "reviewer withdrawn",
        EventKind.REVIEW_WITHDRAWN,
        lambda w: (
            w.at(Stage.REVIEW),
            services.review_withdraw_assignment(
                assignment=services.review_assign(
                    proposal=w.proposal, reviewer=w.reviewer, actor=w.coordinator
                ),
                actor=w.coordinator,
            ),
        ),
        lambda w: {(w.reviewer, R.REVIEWER, K.REVIEWER_WITHDRAWN, False)},
    ),
    Scenario(
        "review submitted, another outstanding",
        EventKind.REVIEW_SUBMITTED,
        lambda w: _submit_review(w, last=False),
        lambda w: w.coordinators(K.REVIEW_SUBMITTED),
    ),
    Scenario(
        "last review submitted",
        EventKind.REVIEW_SUBMITTED,
        lambda w: _submit_review(w, last=True),
        lambda w: w.coordinators(K.REVIEW_SUBMITTED, action=True),
    ),
    Scenario(
        "milestone added",
        EventKind.MILESTONE,
        _milestone,
        lambda w: w.consortium(K.MILESTONE_ADDED, but=w.partner),
    ),
    Scenario(
        "milestone reached",
        EventKind.MILESTONE,
        lambda w: _milestone(w, MilestoneStatus.DONE),
        lambda w: w.consortium(K.MILESTONE_REACHED, but=w.partner),
    ),
    Scenario(
        "milestone started",
        EventKind.MILESTONE,
        lambda w: _milestone(w, MilestoneStatus.IN_PROGRESS),
        lambda w: set(),
    ),
    Scenario(
        "progress posted",
        EventKind.PROGRESS_UPDATE,
        lambda w: (
            w.at(Stage.DRIVE),
            services.progress_update_post(proposal=w.proposal, actor=w.partner, body="Trained."),
        ),
        lambda w: (
            w.consortium(K.PROGRESS_POSTED, but=w.partner) | w.coordinators(K.PROGRESS_POSTED)
        ),
    ),
    Scenario(
        "affiliation requested",
        MemberEvent.AFFILIATION_REQUESTED,
        lambda w: members_services.membership_request(
            person=w.applicant, institution=w.guest_institution, message="My lab is here."
        ),
        lambda w: {(w.guest_rep, R.REPRESENTATIVE, K.AFFILIATION_REQUESTED, True)},
    ),
    Scenario(
        "affiliation requested where nobody represents the institution",
        MemberEvent.AFFILIATION_REQUESTED,
        lambda w: members_services.membership_request(
            person=w.applicant,
            institution=InstitutionFactory(name="Unrepresented Lab"),
            message="My lab is here.",
        ),
        lambda w: w.coordinators(K.AFFILIATION_REQUESTED, action=True),
    ),
    Scenario(
        "affiliation approved",
        MemberEvent.AFFILIATION_APPROVED,
        lambda w: members_services.membership_approve(
            membership=_pending_membership(w), actor=w.guest_rep
        ),
        lambda w: {(w.applicant, R.PERSON, K.AFFILIATION_APPROVED, False)},
    ),
    Scenario(
        "affiliation declined",
        MemberEvent.AFFILIATION_DECLINED,
        lambda w: members_services.membership_decline(
            membership=_pending_membership(w), actor=w.guest_rep
        ),
        lambda w: {(w.applicant, R.PERSON, K.AFFILIATION_DECLINED, False)},
    ),
    # Reminders name their people; one who cannot see the proposal is still left out.
    Scenario(
        "review overdue",
        REMINDER_EVENT,
        lambda w: (
            w.at(Stage.REVIEW),
            ReviewAssignmentFactory(
                proposal=w.proposal, reviewer=w.reviewer, assigned_by=w.coordinator
            ),
            _remind(w, K.REMINDER_REVIEW_DUE, w.reviewer, w.outsider),
        ),
        lambda w: {(w.reviewer, R.REVIEWER, K.REMINDER_REVIEW_DUE, True)},
    ),
    Scenario(
        "invitation unanswered",
        REMINDER_EVENT,
        lambda w: (_invite(w), _remind(w, K.REMINDER_INVITATION, w.guest, w.outsider)),
        lambda w: {(w.guest, R.INVITEE, K.REMINDER_INVITATION, True)},
    ),
    Scenario(
        "join request unanswered",
        REMINDER_EVENT,
        lambda w: (_request(w), _remind(w, K.REMINDER_JOIN_REQUEST, w.lead)),
        lambda w: {(w.lead, R.LEAD, K.REMINDER_JOIN_REQUEST, True)},
    ),
    Scenario(
        "sign-off waiting",
        REMINDER_EVENT,
        lambda w: (
            services.participation_accept(participation=_invite(w), actor=w.guest),
            _remind(w, K.REMINDER_SIGNOFF, w.guest_rep),
        ),
        lambda w: {(w.guest_rep, R.REPRESENTATIVE, K.REMINDER_SIGNOFF, True)},
    ),
    Scenario(
        "idle in Define",
        REMINDER_EVENT,
        lambda w: _remind(w, K.REMINDER_IDLE_DEFINE, w.lead, w.outsider),
        lambda w: {(w.lead, R.LEAD, K.REMINDER_IDLE_DEFINE, True)},
    ),
]


def link(w: World, kind: NotificationKind, role: RecipientRole) -> str:
    """The page a notification of ``kind`` links ``role`` to."""
    proposal = w.proposal
    detail = proposal.get_absolute_url()
    on_proposal = {
        K.PROPOSAL_SUBMITTED: "projects:reviewer_assign",
        K.REVIEWER_ASSIGNED: "projects:review_submit",
        K.REMINDER_REVIEW_DUE: "projects:review_submit",
        K.REVIEW_SUBMITTED: "projects:proposal_decide",
    }
    pages = {
        K.INVITATION_SENT: "projects:partnering_inbox",
        K.JOIN_REQUESTED: "projects:partnering_inbox",
        K.REMINDER_INVITATION: "projects:partnering_inbox",
        K.REMINDER_JOIN_REQUEST: "projects:partnering_inbox",
        K.SIGNOFF_AWAITED: "projects:signoffs",
        K.REMINDER_SIGNOFF: "projects:signoffs",
        K.REVIEWER_WITHDRAWN: "projects:reviewer_inbox",
        K.AFFILIATION_REQUESTED: "members:representative_inbox",
        K.AFFILIATION_APPROVED: "members:my_affiliations",
        K.AFFILIATION_DECLINED: "members:my_affiliations",
    }
    anchors = {
        K.INVITATION_ACCEPTED: "#consortium",
        K.INVITATION_DECLINED: "#consortium",
        K.JOIN_ACCEPTED: "#consortium",
        K.COMMITMENT_CONFIRMED: "#consortium",
        K.PARTNER_WITHDRAWN: "#consortium",
        K.MILESTONE_ADDED: "#milestones",
        K.MILESTONE_REACHED: "#milestones",
        K.PROGRESS_POSTED: "#updates",
    }
    if kind in on_proposal and not (kind == K.PROPOSAL_SUBMITTED and role != R.COORDINATOR):
        return reverse(on_proposal[kind], kwargs={"slug": proposal.slug})
    if kind in pages:
        return reverse(pages[kind])
    return detail + anchors.get(kind, "")
