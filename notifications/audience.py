"""Who hears of which event: the one place that says so.

For each kind of domain event (``projects.enums.EventKind``, ``members.enums.EventKind`` and
the reminders) a rule below names the people told, in which role (the coordinators' matrix
columns), as which ``NotificationKind`` (its rows), whether they must act, and the page the
item links to. Then, for every event alike:

- the actor is never told of their own action;
- a cell the coordinators switched off (``RoleSetting``) is dropped;
- inactive accounts are dropped;
- whoever cannot see the proposal (``Proposal.objects.visible_to``, as things stand when the
  event is recorded) is dropped;
- one person is told once: of two ways to hear of one event, the one that asks for action
  wins, then the more specific role (``ROLE_PRECEDENCE``).

People are gathered with a few set-based queries per event, never one per person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from itertools import batched

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import BigIntegerField, Exists, OuterRef, Q, Value
from django.urls import reverse

from core.models import OutboxEvent
from members.enums import COORDINATORS_GROUP
from members.enums import EventKind as MemberEvent
from members.models import Membership, User
from notifications.enums import REMINDER_EVENT, NotificationKind, RecipientRole
from notifications.models import RoleSetting
from projects.enums import (
    AssignmentStatus,
    MilestoneStatus,
    ParticipationStatus,
    Stage,
)
from projects.enums import EventKind as ProjectEvent
from projects.models import (
    CONSORTIUM_STATUSES,
    Decision,
    Participation,
    Proposal,
    ReviewAssignment,
)
from projects.services.review import DECISION_TARGETS

K = NotificationKind
R = RecipientRole

# The cells of the coordinators' matrix: every (kind, role) the rules below can produce.
# The lead makes some moves alone (opening, submitting, kicking off, completing and
# withdrawing a proposal), so no lead is told of them.
CELLS: dict[NotificationKind, frozenset[RecipientRole]] = {
    K.AFFILIATION_REQUESTED: frozenset({R.REPRESENTATIVE, R.COORDINATOR}),
    K.AFFILIATION_APPROVED: frozenset({R.PERSON}),
    K.AFFILIATION_DECLINED: frozenset({R.PERSON}),
    K.PROPOSAL_OPENED: frozenset({R.PARTNER, R.COORDINATOR}),
    K.PROPOSAL_SUBMITTED: frozenset({R.PARTNER, R.COORDINATOR}),
    K.CHANGES_REQUESTED: frozenset({R.LEAD, R.PARTNER}),
    K.PROPOSAL_APPROVED: frozenset({R.LEAD, R.PARTNER, R.REVIEWER}),
    K.PROPOSAL_DECLINED: frozenset({R.LEAD, R.PARTNER, R.REVIEWER}),
    K.PROPOSAL_WITHDRAWN: frozenset(
        {R.PARTNER, R.INVITEE, R.REPRESENTATIVE, R.REVIEWER, R.COORDINATOR}
    ),
    K.PROPOSAL_KICKED_OFF: frozenset({R.PARTNER}),
    K.PROPOSAL_PAUSED: frozenset({R.LEAD, R.PARTNER, R.COORDINATOR}),
    K.PROPOSAL_RESUMED: frozenset({R.LEAD, R.PARTNER}),
    K.PROPOSAL_COMPLETED: frozenset({R.PARTNER, R.COORDINATOR}),
    K.INVITATION_SENT: frozenset({R.INVITEE, R.REPRESENTATIVE}),
    K.INVITATION_ACCEPTED: frozenset({R.LEAD}),
    K.INVITATION_DECLINED: frozenset({R.LEAD}),
    K.JOIN_REQUESTED: frozenset({R.LEAD}),
    K.JOIN_ACCEPTED: frozenset({R.INVITEE}),
    K.JOIN_DECLINED: frozenset({R.INVITEE}),
    K.SIGNOFF_AWAITED: frozenset({R.REPRESENTATIVE}),
    K.COMMITMENT_CONFIRMED: frozenset({R.LEAD, R.PARTNER}),
    K.PARTNER_WITHDRAWN: frozenset({R.LEAD, R.PARTNER}),
    K.REVIEWER_ASSIGNED: frozenset({R.REVIEWER}),
    K.REVIEWER_WITHDRAWN: frozenset({R.REVIEWER}),
    K.REVIEW_SUBMITTED: frozenset({R.COORDINATOR}),
    K.DECISION_RECORDED: frozenset({R.COORDINATOR}),
    K.MILESTONE_ADDED: frozenset({R.LEAD, R.PARTNER}),
    K.MILESTONE_REACHED: frozenset({R.LEAD, R.PARTNER}),
    K.PROGRESS_POSTED: frozenset({R.LEAD, R.PARTNER, R.COORDINATOR}),
    K.REMINDER_REVIEW_DUE: frozenset({R.REVIEWER}),
    K.REMINDER_INVITATION: frozenset({R.INVITEE}),
    K.REMINDER_JOIN_REQUEST: frozenset({R.LEAD}),
    K.REMINDER_SIGNOFF: frozenset({R.REPRESENTATIVE}),
    K.REMINDER_IDLE_DEFINE: frozenset({R.LEAD}),
}
assert set(CELLS) == set(NotificationKind)
MATRIX_CELLS: frozenset[tuple[str, str]] = frozenset(
    (kind, role) for kind, roles in CELLS.items() for role in roles
)

# Of two ways one person hears of one event, the first role here is the one kept (after
# whichever asks for action): the closer the tie to the proposal, the earlier.
ROLE_PRECEDENCE = (
    R.LEAD,
    R.INVITEE,
    R.REVIEWER,
    R.REPRESENTATIVE,
    R.PERSON,
    R.PARTNER,
    R.COORDINATOR,
)
assert set(ROLE_PRECEDENCE) == set(RecipientRole)

# Whom a reminder is addressed to, by its kind (the reminder names the people).
REMINDER_ROLE: dict[str, RecipientRole] = {
    K.REMINDER_REVIEW_DUE: R.REVIEWER,
    K.REMINDER_INVITATION: R.INVITEE,
    K.REMINDER_JOIN_REQUEST: R.LEAD,
    K.REMINDER_SIGNOFF: R.REPRESENTATIVE,
    K.REMINDER_IDLE_DEFINE: R.LEAD,
}

# How many people one visibility query checks (each is a sub-select of a UNION).
VISIBILITY_BATCH = 100


@dataclass(frozen=True)
class Entry:
    """One person told of one event: why, as what, whether they must act, and where to go."""

    user: User
    role: RecipientRole
    kind: NotificationKind
    action_required: bool
    url: str
    proposal_id: int | None = None
    institution_id: int | None = None


@dataclass(frozen=True)
class _Candidate:
    user_id: int
    role: RecipientRole
    kind: NotificationKind
    action_required: bool
    url: str
    institution_id: int | None = None


@dataclass(frozen=True)
class _OnProposal:
    """An event about a proposal."""

    event: OutboxEvent
    payload: dict
    proposal: Proposal


@dataclass(frozen=True)
class _OnMembership:
    """An event about an affiliation."""

    event: OutboxEvent
    payload: dict
    membership: Membership


def audience_resolve(*, event: OutboxEvent) -> list[Entry]:
    """Everyone told of ``event``, once each, ordered by person."""
    proposal, institution_id, candidates = _candidates(event)
    candidates = [c for c in candidates if c.user_id != event.actor_id]
    if not candidates:
        return []
    off = switched_off_cells()
    chosen = _one_each(c for c in candidates if (c.kind, c.role) not in off)
    users = _users(chosen)
    if proposal is not None:
        seeing = _who_can_see(proposal=proposal, users=users.values())
        users = {pk: user for pk, user in users.items() if pk in seeing}
    return [
        Entry(
            user=users[c.user_id],
            role=c.role,
            kind=c.kind,
            action_required=c.action_required,
            url=c.url,
            proposal_id=proposal.pk if proposal else None,
            institution_id=c.institution_id or institution_id,
        )
        for c in sorted(chosen.values(), key=lambda c: c.user_id)
        if c.user_id in users
    ]


def switched_off_cells() -> set[tuple[str, str]]:
    """The (kind, role) cells the coordinators switched off; a cell without a row is on."""
    return set(RoleSetting.objects.filter(enabled=False).values_list("kind", "role"))


# Resolving -------------------------------------------------------------------------------


def _candidates(event: OutboxEvent) -> tuple[Proposal | None, int | None, list[_Candidate]]:
    """The proposal the event is about (if one), its institution (if one), and those named."""
    model = ContentType.objects.get_for_id(event.subject_type_id).model_class()
    payload = event.payload or {}
    if model is Proposal and event.kind in PROPOSAL_RULES:
        proposal = Proposal.objects.filter(pk=event.subject_id).first()
        if proposal is not None:
            on_proposal = _OnProposal(event=event, payload=payload, proposal=proposal)
            return proposal, None, PROPOSAL_RULES[event.kind](on_proposal)
    if model is Membership and event.kind in MEMBERSHIP_RULES:
        membership = Membership.objects.filter(pk=event.subject_id).first()
        if membership is not None:
            on_membership = _OnMembership(event=event, payload=payload, membership=membership)
            return None, membership.institution_id, MEMBERSHIP_RULES[event.kind](on_membership)
    return None, None, []


def _one_each(candidates: Iterable[_Candidate]) -> dict[int, _Candidate]:
    def rank(candidate: _Candidate) -> tuple[bool, int]:
        return (not candidate.action_required, ROLE_PRECEDENCE.index(candidate.role))

    chosen: dict[int, _Candidate] = {}
    for candidate in candidates:
        kept = chosen.get(candidate.user_id)
        if kept is None or rank(candidate) < rank(kept):
            chosen[candidate.user_id] = candidate
    return chosen


def _users(chosen: dict[int, _Candidate]) -> dict[int, User]:
    """The active accounts among the chosen, each knowing whether it is a coordinator."""
    users = User.objects.filter(pk__in=list(chosen), is_active=True).annotate(
        in_coordinators=Exists(
            User.groups.through.objects.filter(
                user_id=OuterRef("pk"), group__name=COORDINATORS_GROUP
            )
        )
    )
    found: dict[int, User] = {}
    for user in users:
        # Fill the cache behind User.is_coordinator, which visible_to asks, for every person
        # at once; left alone it would cost a query per person.
        user._is_coordinator = user.is_superuser or user.in_coordinators
        found[user.pk] = user
    return found


def _who_can_see(*, proposal: Proposal, users: Iterable[User]) -> set[int]:
    """The ids of ``users`` for whom ``Proposal.objects.visible_to`` includes the proposal.

    The rule itself is asked, once per person, in one UNION query per batch of people; a
    proposal that visitors may see is seen by everyone, so that needs no more than one query.
    """
    users = list(users)
    if not users:
        return set()
    if Proposal.objects.visible_to(AnonymousUser()).filter(pk=proposal.pk).exists():
        return {user.pk for user in users}
    seeing: set[int] = set()
    for batch in batched(users, VISIBILITY_BATCH):
        queries = [
            Proposal.objects.visible_to(user)
            .filter(pk=proposal.pk)
            .order_by()
            .annotate(viewer=Value(user.pk, output_field=BigIntegerField()))
            .values_list("viewer", flat=True)
            for user in batch
        ]
        seeing.update(queries[0].union(*queries[1:], all=True).order_by())
    return seeing


# The people of a proposal ----------------------------------------------------------------


def _tell(
    user_ids: Iterable[int | None],
    role: RecipientRole,
    kind: NotificationKind,
    url: str,
    *,
    action: bool = False,
    institution_id: int | None = None,
) -> list[_Candidate]:
    return [
        _Candidate(
            user_id=user_id,
            role=role,
            kind=kind,
            action_required=action,
            url=url,
            institution_id=institution_id,
        )
        for user_id in user_ids
        if user_id is not None
    ]


def _consortium(s: _OnProposal, kind: NotificationKind, url: str) -> list[_Candidate]:
    """The lead, and the active members of every institution that has joined (lead's too)."""
    proposal = s.proposal
    joined = Participation.objects.filter(proposal=proposal, status__in=CONSORTIUM_STATUSES).values(
        "institution"
    )
    members = (
        Membership.objects.active()
        .filter(institution__in=joined)
        .exclude(person=proposal.lead_id)
        .values_list("person_id", flat=True)
        .distinct()
    )
    return _tell([proposal.lead_id], R.LEAD, kind, url) + _tell(members, R.PARTNER, kind, url)


def _coordinators(
    s: _OnProposal | _OnMembership, kind: NotificationKind, url: str, *, action: bool = False
) -> list[_Candidate]:
    ids = (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=COORDINATORS_GROUP))
        .values_list("pk", flat=True)
        .distinct()
    )
    return _tell(ids, R.COORDINATOR, kind, url, action=action)


def _reviewers(s: _OnProposal, kind: NotificationKind, url: str) -> list[_Candidate]:
    ids = (
        ReviewAssignment.objects.filter(proposal=s.proposal)
        .exclude(status=AssignmentStatus.WITHDRAWN)
        .values_list("reviewer_id", flat=True)
    )
    return _tell(ids, R.REVIEWER, kind, url)


def _representatives(
    institution_id: int | None, kind: NotificationKind, url: str, *, action: bool = False
) -> list[_Candidate]:
    if institution_id is None:
        return []
    ids = (
        Membership.objects.representatives()
        .filter(institution_id=institution_id)
        .values_list("person_id", flat=True)
    )
    return _tell(ids, R.REPRESENTATIVE, kind, url, action=action, institution_id=institution_id)


def _open_invitees(s: _OnProposal, kind: NotificationKind, url: str) -> list[_Candidate]:
    """Those invited or asking to join, not yet in: the person named, else the representatives."""
    waiting = Participation.objects.filter(
        proposal=s.proposal,
        status__in=(ParticipationStatus.INVITED, ParticipationStatus.REQUESTED),
    )
    people = waiting.filter(person__isnull=False).values_list("person_id", flat=True)
    representatives = (
        Membership.objects.representatives()
        .filter(institution__in=waiting.filter(person__isnull=True).values("institution"))
        .values_list("person_id", flat=True)
    )
    return _tell(people, R.INVITEE, kind, url) + _tell(representatives, R.REPRESENTATIVE, kind, url)


def _detail(s: _OnProposal, anchor: str = "") -> str:
    return s.proposal.get_absolute_url() + anchor


def _on_proposal(s: _OnProposal, name: str) -> str:
    return reverse(name, kwargs={"slug": s.proposal.slug})


# The rules, one per kind of event --------------------------------------------------------


def _stage_changed(s: _OnProposal) -> list[_Candidate]:
    source, target = s.payload.get("from_stage"), s.payload.get("to_stage")
    url = _detail(s)
    if target == Stage.DEFINE:
        kind = K.PROPOSAL_OPENED
        return _consortium(s, kind, url) + _coordinators(s, kind, url)
    if target == Stage.REVIEW:
        kind = K.PROPOSAL_SUBMITTED
        assign = _on_proposal(s, "projects:reviewer_assign")
        return _coordinators(s, kind, assign, action=True) + _consortium(s, kind, url)
    if target == Stage.CHANGES_REQUESTED:
        kind = K.CHANGES_REQUESTED
        lead = _tell([s.proposal.lead_id], R.LEAD, kind, url, action=True)
        return lead + _consortium(s, kind, url)
    if target in (Stage.APPROVED, Stage.DECLINED):
        kind = K.PROPOSAL_APPROVED if target == Stage.APPROVED else K.PROPOSAL_DECLINED
        return _consortium(s, kind, url) + _reviewers(s, kind, url)
    if target == Stage.WITHDRAWN:
        kind = K.PROPOSAL_WITHDRAWN
        told = _consortium(s, kind, url) + _open_invitees(s, kind, url)
        if source != Stage.DRAFT:  # a draft was the lead's alone: nobody else knew of it
            told += _reviewers(s, kind, url) + _coordinators(s, kind, url)
        return told
    if target == Stage.DRIVE:
        kind = K.PROPOSAL_RESUMED if source == Stage.PAUSED else K.PROPOSAL_KICKED_OFF
        return _consortium(s, kind, url)
    if target in (Stage.PAUSED, Stage.COMPLETED):
        kind = K.PROPOSAL_PAUSED if target == Stage.PAUSED else K.PROPOSAL_COMPLETED
        return _consortium(s, kind, url) + _coordinators(s, kind, url)
    return []


def _decision(s: _OnProposal) -> list[_Candidate]:
    """The other coordinators; whoever the stage change tells hears of it there, not twice."""
    outcome = s.payload.get("outcome")
    if outcome not in Decision.Outcome.values:
        return []
    target = DECISION_TARGETS[Decision.Outcome(outcome)]
    stage_change = replace(s, payload={"from_stage": Stage.REVIEW, "to_stage": target})
    told = {c.user_id for c in _stage_changed(stage_change)}
    kind = K.DECISION_RECORDED
    return [c for c in _coordinators(s, kind, _detail(s)) if c.user_id not in told]


def _invitation(s: _OnProposal) -> list[_Candidate]:
    kind, url = K.INVITATION_SENT, reverse("projects:partnering_inbox")
    institution_id, person_id = s.payload.get("institution_id"), s.payload.get("person_id")
    if person_id is not None:
        return _tell([person_id], R.INVITEE, kind, url, action=True, institution_id=institution_id)
    # An invitation to the institution as a whole is answered by its representatives.
    return _representatives(institution_id, kind, url, action=True)


def _join_request(s: _OnProposal) -> list[_Candidate]:
    url = reverse("projects:partnering_inbox")
    return _tell(
        [s.proposal.lead_id],
        R.LEAD,
        K.JOIN_REQUESTED,
        url,
        action=True,
        institution_id=s.payload.get("institution_id"),
    )


def _participation_changed(s: _OnProposal) -> list[_Candidate]:
    source, target = s.payload.get("from_status"), s.payload.get("to_status")
    institution_id, person_id = s.payload.get("institution_id"), s.payload.get("person_id")
    lead, url = [s.proposal.lead_id], _detail(s, "#consortium")

    def signoff() -> list[_Candidate]:
        return _representatives(
            institution_id, K.SIGNOFF_AWAITED, reverse("projects:signoffs"), action=True
        )

    if (source, target) == (ParticipationStatus.INVITED, ParticipationStatus.ACCEPTED):
        accepted = _tell(lead, R.LEAD, K.INVITATION_ACCEPTED, url, institution_id=institution_id)
        return accepted + signoff()
    if (source, target) == (ParticipationStatus.REQUESTED, ParticipationStatus.ACCEPTED):
        accepted = _tell(
            [person_id], R.INVITEE, K.JOIN_ACCEPTED, url, institution_id=institution_id
        )
        return accepted + signoff()
    if (source, target) == (ParticipationStatus.INVITED, ParticipationStatus.DECLINED):
        return _tell(lead, R.LEAD, K.INVITATION_DECLINED, url, institution_id=institution_id)
    if (source, target) == (ParticipationStatus.REQUESTED, ParticipationStatus.DECLINED):
        return _tell(
            [person_id], R.INVITEE, K.JOIN_DECLINED, _detail(s), institution_id=institution_id
        )
    if target == ParticipationStatus.WITHDRAWN:
        told = _consortium(s, K.PARTNER_WITHDRAWN, url)
        return [replace(c, institution_id=institution_id) for c in told]
    return []


def _confirmation(s: _OnProposal) -> list[_Candidate]:
    kind, url = K.COMMITMENT_CONFIRMED, _detail(s, "#consortium")
    institution_id = s.payload.get("institution_id")
    return _tell([s.proposal.lead_id], R.LEAD, kind, url, institution_id=institution_id) + _tell(
        [s.payload.get("person_id")], R.PARTNER, kind, url, institution_id=institution_id
    )


def _review_assigned(s: _OnProposal) -> list[_Candidate]:
    url = _on_proposal(s, "projects:review_submit")
    return _tell([s.payload.get("reviewer_id")], R.REVIEWER, K.REVIEWER_ASSIGNED, url, action=True)


def _review_withdrawn(s: _OnProposal) -> list[_Candidate]:
    # The reviewer's inbox, not the proposal: without the assignment it may be hidden to them.
    url = reverse("projects:reviewer_inbox")
    return _tell([s.payload.get("reviewer_id")], R.REVIEWER, K.REVIEWER_WITHDRAWN, url)


def _review_submitted(s: _OnProposal) -> list[_Candidate]:
    """Coordinators; they must decide once every assigned review is in."""
    outstanding = ReviewAssignment.objects.filter(
        proposal=s.proposal, status=AssignmentStatus.ASSIGNED
    )
    all_in = s.proposal.stage == Stage.REVIEW and not outstanding.exists()
    url = _on_proposal(s, "projects:proposal_decide")
    return _coordinators(s, K.REVIEW_SUBMITTED, url, action=all_in)


def _milestone(s: _OnProposal) -> list[_Candidate]:
    # Events written before they said what changed: a status in the payload meant a change.
    change = s.payload.get("change") or ("status" if "status" in s.payload else "added")
    if change == "added":
        kind = K.MILESTONE_ADDED
    elif s.payload.get("status") == MilestoneStatus.DONE:
        kind = K.MILESTONE_REACHED
    else:
        return []
    return _consortium(s, kind, _detail(s, "#milestones"))


def _progress_update(s: _OnProposal) -> list[_Candidate]:
    kind, url = K.PROGRESS_POSTED, _detail(s, "#updates")
    return _consortium(s, kind, url) + _coordinators(s, kind, url)


def _affiliation_requested(s: _OnMembership) -> list[_Candidate]:
    url = reverse("members:representative_inbox")
    told = _representatives(s.membership.institution_id, K.AFFILIATION_REQUESTED, url, action=True)
    # Where nobody represents the institution, the coordinators decide (their dashboard says
    # so too), so they are the ones told.
    return told or _coordinators(s, K.AFFILIATION_REQUESTED, url, action=True)


def _affiliation_decided(s: _OnMembership) -> list[_Candidate]:
    approved = s.event.kind == MemberEvent.AFFILIATION_APPROVED
    kind = K.AFFILIATION_APPROVED if approved else K.AFFILIATION_DECLINED
    return _tell([s.membership.person_id], R.PERSON, kind, reverse("members:my_affiliations"))


REMINDER_PAGES: dict[str, Callable[[_OnProposal], str]] = {
    K.REMINDER_REVIEW_DUE: lambda s: _on_proposal(s, "projects:review_submit"),
    K.REMINDER_INVITATION: lambda s: reverse("projects:partnering_inbox"),
    K.REMINDER_JOIN_REQUEST: lambda s: reverse("projects:partnering_inbox"),
    K.REMINDER_SIGNOFF: lambda s: reverse("projects:signoffs"),
    K.REMINDER_IDLE_DEFINE: lambda s: _detail(s),
}


def _reminder(s: _OnProposal) -> list[_Candidate]:
    """Exactly the people the reminder names; each must act."""
    kind = s.payload.get("notification_kind")
    if kind not in REMINDER_ROLE:
        return []
    url = REMINDER_PAGES[kind](s)
    return _tell(s.payload.get("recipient_ids", []), REMINDER_ROLE[kind], K(kind), url, action=True)


PROPOSAL_RULES: dict[str, Callable[[_OnProposal], list[_Candidate]]] = {
    ProjectEvent.STAGE_CHANGED: _stage_changed,
    ProjectEvent.DECISION: _decision,
    ProjectEvent.INVITATION: _invitation,
    ProjectEvent.JOIN_REQUEST: _join_request,
    ProjectEvent.PARTICIPATION_CHANGED: _participation_changed,
    ProjectEvent.CONFIRMATION: _confirmation,
    ProjectEvent.REVIEW_ASSIGNED: _review_assigned,
    ProjectEvent.REVIEW_WITHDRAWN: _review_withdrawn,
    ProjectEvent.REVIEW_SUBMITTED: _review_submitted,
    ProjectEvent.MILESTONE: _milestone,
    ProjectEvent.PROGRESS_UPDATE: _progress_update,
    REMINDER_EVENT: _reminder,
}
MEMBERSHIP_RULES: dict[str, Callable[[_OnMembership], list[_Candidate]]] = {
    MemberEvent.AFFILIATION_REQUESTED: _affiliation_requested,
    MemberEvent.AFFILIATION_APPROVED: _affiliation_decided,
    MemberEvent.AFFILIATION_DECLINED: _affiliation_decided,
}
