"""Reads of the notifications app: what waits for a person, their notifications, preferences
and the mail log.

Each open action has one rule here, a queryset over everything of its kind that waits.
The dashboard's "Waiting for you" narrows each rule to the signed-in person; the reminders
(``notifications.reminders``) narrow the same rules to what has waited past a threshold.
So the panel and the reminders never disagree, and neither depends on a notification
having been sent, read or muted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.models import Membership, User
from notifications.enums import DEFAULT_FREQUENCY, Category, Frequency, OpenActionKind
from notifications.models import EmailDelivery, Notification, Preference
from projects.enums import JOINING_STAGES, AssignmentStatus, ParticipationStatus, Stage
from projects.models import Participation, Proposal, ReviewAssignment

# The rules ------------------------------------------------------------------------------


def invitations_open() -> QuerySet[Participation]:
    """Invitations not answered yet, while the proposal still takes partners."""
    return Participation.objects.filter(
        status=ParticipationStatus.INVITED, proposal__stage__in=JOINING_STAGES
    )


def join_requests_open() -> QuerySet[Participation]:
    """Requests to join that the lead has not answered, while the proposal takes partners."""
    return Participation.objects.filter(
        status=ParticipationStatus.REQUESTED, proposal__stage__in=JOINING_STAGES
    )


def signoffs_open() -> QuerySet[Participation]:
    """Accepted participations whose institution has not confirmed its commitment yet.

    Confirming is possible while the proposal takes partners, so only then is it open.
    """
    return Participation.objects.filter(
        status=ParticipationStatus.ACCEPTED, proposal__stage__in=JOINING_STAGES
    )


def affiliations_open() -> QuerySet[Membership]:
    """Affiliations waiting for a decision (by a representative of the institution)."""
    return Membership.objects.pending()


def reviews_open() -> QuerySet[ReviewAssignment]:
    """Reviews assigned and not submitted, while the proposal is in Review."""
    return ReviewAssignment.objects.filter(
        status=AssignmentStatus.ASSIGNED, proposal__stage=Stage.REVIEW
    )


def proposals_awaiting_coordinators() -> QuerySet[Proposal]:
    """Proposals in Review with no reviewer yet, or with every assigned review submitted.

    In between, the proposal waits for its reviewers, not for the coordinators.
    """
    return (
        Proposal.objects.in_stage(Stage.REVIEW)
        .annotate(
            reviewer_count=Count(
                "review_assignments",
                filter=~Q(review_assignments__status=AssignmentStatus.WITHDRAWN),
                distinct=True,
            ),
            review_count=Count(
                "review_assignments",
                filter=Q(review_assignments__status=AssignmentStatus.SUBMITTED),
                distinct=True,
            ),
            last_review_at=Max("review_assignments__review__submitted_at"),
        )
        .filter(Q(reviewer_count=0) | Q(reviewer_count=F("review_count")))
    )


def proposals_returned() -> QuerySet[Proposal]:
    """Proposals sent back to their lead with changes requested."""
    return Proposal.objects.in_stage(Stage.CHANGES_REQUESTED)


def proposals_idle_in_define(*, before: datetime) -> QuerySet[Proposal]:
    """Proposals in Define in which nothing has moved since ``before``.

    The last activity is the latest change to the proposal or to its consortium (an
    invitation answered, a partner confirmed), annotated as ``last_activity``.
    """
    return (
        Proposal.objects.in_stage(Stage.DEFINE)
        .annotate(
            last_activity=Greatest(
                "updated_at", Coalesce(Max("participations__updated_at"), "updated_at")
            )
        )
        .filter(last_activity__lte=before)
    )


def represented_by(user: User) -> QuerySet[Membership]:
    """The institutions ``user`` represents, as a subquery of institution ids."""
    return Membership.objects.representatives().filter(person=user).values("institution")


# Waiting for you ------------------------------------------------------------------------

# Items shown at once; the rest stay one click away on the same page.
PANEL_SIZE = 8


@dataclass(frozen=True)
class OpenAction:
    """One thing waiting for the person: what, about what, where it is done, since when."""

    kind: OpenActionKind
    title: str
    title_url: str
    detail: str
    url: str
    verb: str
    since: datetime
    due_at: datetime | None = None

    @property
    def is_overdue(self) -> bool:
        return self.due_at is not None and self.due_at <= timezone.now()


@dataclass(frozen=True)
class OpenActions:
    items: list[OpenAction]

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def shown(self) -> list[OpenAction]:
        return self.items[:PANEL_SIZE]

    @property
    def more(self) -> list[OpenAction]:
        return self.items[PANEL_SIZE:]


def _participation_action(participation: Participation, user: User) -> OpenAction:
    proposal = participation.proposal
    anchor = f"#participation-{participation.pk}"
    names = {
        "lead": str(proposal.lead),
        "person": str(participation.person),
        "institution": participation.institution.display_short_name,
    }
    if participation.status == ParticipationStatus.INVITED:
        kind, url, verb = (
            OpenActionKind.INVITATION,
            reverse("projects:partnering_inbox") + anchor,
            _("Answer"),
        )
        if participation.person_id == user.pk:
            detail = _("%(lead)s invites you to join for %(institution)s") % names
        else:
            detail = _("%(lead)s invites %(institution)s, which you represent") % names
        since = participation.created_at
    elif participation.status == ParticipationStatus.REQUESTED:
        kind, url, verb = (
            OpenActionKind.JOIN_REQUEST,
            reverse("projects:partnering_inbox") + anchor,
            _("Decide"),
        )
        detail = _("%(person)s asks to join for %(institution)s") % names
        since = participation.created_at
    else:
        kind, url, verb = (
            OpenActionKind.SIGNOFF,
            reverse("projects:signoffs") + anchor,
            _("Sign off"),
        )
        if participation.person_id is None:  # rows made outside the joining flow
            detail = _("%(institution)s accepted; it counts once you confirm") % names
        else:
            detail = (
                _("%(person)s accepted for %(institution)s; it counts once you confirm") % names
            )
        since = participation.updated_at  # when it was accepted
    return OpenAction(
        kind=kind,
        title=proposal.title,
        title_url=proposal.get_absolute_url(),
        detail=detail,
        url=url,
        verb=verb,
        since=since,
    )


def _affiliation_action(membership: Membership) -> OpenAction:
    return OpenAction(
        kind=OpenActionKind.AFFILIATION,
        title=str(membership.person),
        title_url=membership.person.get_absolute_url(),
        detail=_("asks to join %(institution)s")
        % {"institution": membership.institution.display_short_name},
        url=reverse("members:institution_people", kwargs={"slug": membership.institution.slug})
        + f"#membership-{membership.pk}",
        verb=_("Decide"),
        since=membership.created_at,
    )


def _led_by(proposal: Proposal) -> str:
    return _("Led by %(lead)s (%(institution)s)") % {
        "lead": proposal.lead,
        "institution": proposal.lead_institution.display_short_name,
    }


def _review_action(assignment: ReviewAssignment) -> OpenAction:
    proposal = assignment.proposal
    return OpenAction(
        kind=OpenActionKind.REVIEW,
        title=proposal.title,
        title_url=proposal.get_absolute_url(),
        detail=_led_by(proposal),
        url=reverse("projects:review_submit", kwargs={"slug": proposal.slug}),
        verb=_("Write review"),
        since=assignment.created_at,
        due_at=assignment.due_at,
    )


def _coordinators_action(proposal: Proposal) -> OpenAction:
    if proposal.reviewer_count == 0:
        kind, view, verb = OpenActionKind.REVIEWERS, "reviewer_assign", _("Assign reviewers")
        detail = _("Submitted for review; no reviewer is assigned yet")
    else:
        kind, view, verb = OpenActionKind.DECISION, "proposal_decide", _("Decide")
        detail = ngettext(
            "The review is in", "All %(count)d reviews are in", proposal.review_count
        ) % {"count": proposal.review_count}
    return OpenAction(
        kind=kind,
        title=proposal.title,
        title_url=proposal.get_absolute_url(),
        detail=detail,
        url=reverse(f"projects:{view}", kwargs={"slug": proposal.slug}),
        verb=verb,
        since=proposal.last_review_at or proposal.stage_changed_at,
    )


def _returned_action(proposal: Proposal) -> OpenAction:
    return OpenAction(
        kind=OpenActionKind.CHANGES_REQUESTED,
        title=proposal.title,
        title_url=proposal.get_absolute_url(),
        detail=_("The coordinators asked for changes: revise it, then reopen it"),
        url=proposal.get_absolute_url(),
        verb=_("Revise"),
        since=proposal.stage_changed_at,
    )


def open_actions_for(*, user: User) -> OpenActions:
    """Everything waiting for ``user`` to act, overdue first, then the longest waiting.

    After the coordinator check, four queries (five for coordinators) however many items;
    nothing on a proposal the user cannot see is listed.
    """
    if not user.is_authenticated:
        return OpenActions(items=[])
    visible = Proposal.objects.visible_to(user)
    represented = represented_by(user)
    participations = (
        (
            invitations_open().filter(
                Q(person=user) | Q(person__isnull=True, institution__in=represented)
            )
            | join_requests_open().filter(proposal__lead=user)
            | signoffs_open().filter(institution__in=represented)
        )
        .filter(proposal__in=visible)
        .select_related("proposal__lead", "proposal__lead_institution", "institution", "person")
    )
    deciders = Q(institution__in=represented)
    if user.is_coordinator:
        # Where no active representative is left, only the coordinators can decide.
        deciders |= ~Exists(
            Membership.objects.representatives().filter(institution=OuterRef("institution"))
        )
    affiliations = affiliations_open().filter(deciders).select_related("person", "institution")
    reviews = (
        reviews_open()
        .filter(reviewer=user, proposal__in=visible)
        .select_related("proposal__lead", "proposal__lead_institution")
    )
    returned = proposals_returned().filter(lead=user)
    items = [_participation_action(p, user) for p in participations]
    items += [_affiliation_action(m) for m in affiliations]
    items += [_review_action(a) for a in reviews]
    if user.is_coordinator:
        awaiting = proposals_awaiting_coordinators().filter(pk__in=visible.values("pk"))
        items += [_coordinators_action(p) for p in awaiting]
    items += [_returned_action(p) for p in returned]
    items.sort(key=lambda item: (not item.is_overdue, item.since))
    return OpenActions(items=items)


# In-app notifications ---------------------------------------------------------------------

# Where the unread count is kept on the user object for the rest of the request.
UNREAD_CACHE = "_unread_notifications"


def unread_count(*, user) -> int:
    """How many of the user's notifications are unread: one indexed query per request.

    Kept on the user object (one per request), because the header's bell and the page
    below it both ask; the services that mark read forget it.
    """
    if not user.is_authenticated:
        return 0
    if UNREAD_CACHE not in user.__dict__:
        user.__dict__[UNREAD_CACHE] = Notification.objects.for_user(user).unread().count()
    return user.__dict__[UNREAD_CACHE]


def notification_list(
    *, user, proposal_id: int | None = None, kind: str | None = None
) -> QuerySet[Notification]:
    """The user's notifications, newest first, with what a list row shows."""
    qs = Notification.objects.for_user(user).select_related(
        "proposal", "institution", "event__actor"
    )
    if proposal_id is not None:
        qs = qs.filter(proposal_id=proposal_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-pk")


def notification_get(*, user, pk: int) -> Notification:
    """One of the user's own notifications; anybody else's answers 404."""
    return get_object_or_404(
        Notification.objects.for_user(user).select_related(
            "proposal", "institution", "event__actor"
        ),
        pk=pk,
    )


def notification_proposals(*, user) -> list[tuple[int, str, str]]:
    """(pk, slug, title) of each proposal the user has notifications about, by title."""
    about = Notification.objects.for_user(user).filter(proposal__isnull=False).values("proposal")
    return list(
        Proposal.objects.filter(pk__in=about).order_by("title").values_list("pk", "slug", "title")
    )


def notification_proposal(*, user, slug: str) -> Proposal | None:
    """The proposal of that slug if the user has notifications about it."""
    about = Notification.objects.for_user(user).values("proposal")
    return Proposal.objects.filter(slug=slug, pk__in=about).first()


def notification_kinds(*, user) -> set[str]:
    """The kinds of notification the user has received."""
    return set(
        Notification.objects.for_user(user).order_by().values_list("kind", flat=True).distinct()
    )


# Email preferences ------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryPreference:
    category: Category
    frequency: Frequency
    default: Frequency

    @property
    def is_default(self) -> bool:
        return self.frequency == self.default


def preferences_of(*, user: User) -> list[CategoryPreference]:
    """The user's email frequency per category, the default where they chose none."""
    chosen = dict(Preference.objects.filter(user=user).values_list("category", "frequency"))
    return [
        CategoryPreference(
            category=category,
            frequency=Frequency(chosen.get(category, DEFAULT_FREQUENCY[category])),
            default=DEFAULT_FREQUENCY[category],
        )
        for category in Category
    ]


# The mail log -----------------------------------------------------------------------------


def proposal_for_mail_log(*, user, slug: str) -> Proposal:
    """The proposal whose mail log is asked for, if the user may see the proposal at all."""
    return get_object_or_404(Proposal.objects.visible_to(user), slug=slug)


def mail_log(*, proposal: Proposal) -> QuerySet[EmailDelivery]:
    """Every email delivery about the proposal with its recipient, newest first."""
    return (
        EmailDelivery.objects.filter(notification__proposal=proposal)
        .select_related("notification__recipient")
        .order_by("-notification__created_at", "-pk")
    )
