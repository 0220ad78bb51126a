"""Reads of notifications, email preferences and the mail log."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from members.models import User
from notifications.enums import DEFAULT_FREQUENCY, Category, Frequency
from notifications.models import EmailDelivery, Notification, Preference
from projects.models import Proposal

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
