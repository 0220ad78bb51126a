"""Every change to notifications and email preferences goes through these functions."""

from __future__ import annotations

from collections.abc import Mapping

import rules
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import DomainError, NotPermitted
from members.models import User
from notifications.enums import DEFAULT_FREQUENCY, Category, Frequency
from notifications.models import Notification, Preference
from notifications.selectors import UNREAD_CACHE
from projects.models import Proposal

# Read state -------------------------------------------------------------------------------


def _forget_unread_count(user) -> None:
    # The count kept for this request is stale now; the bell in the response must be right.
    user.__dict__.pop(UNREAD_CACHE, None)


def notification_mark_read(*, notification: Notification, user) -> bool:
    """Mark one of the user's notifications read; True when it was unread until now."""
    if not rules.has_perm("notifications.read_notification", user, notification):
        raise NotPermitted(_("This is somebody else's notification."))
    now = timezone.now()
    # Conditional, so that two tabs marking at once keep the first time it was read.
    changed = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=now
    )
    if changed:
        notification.read_at = now
        _forget_unread_count(user)
    return bool(changed)


def notifications_mark_all_read(
    *, user, proposal: Proposal | None = None, kind: str | None = None
) -> int:
    """Mark the user's unread notifications read: all, or those about a proposal, of a kind."""
    unread = Notification.objects.for_user(user).unread()
    if proposal is not None:
        unread = unread.filter(proposal=proposal)
    if kind:
        unread = unread.filter(kind=kind)
    changed = unread.update(read_at=timezone.now())
    _forget_unread_count(user)
    return changed


# Email preferences ------------------------------------------------------------------------


def preferences_update(*, user: User, choices: Mapping[str, str]) -> None:
    """Set the user's email frequency per category.

    Only categories whose frequency changes get a row, so that a category the person never
    touched keeps following the default.
    """
    unknown = set(choices) - set(Category.values)
    if unknown:
        raise DomainError(_("Unknown category: %(name)s.") % {"name": ", ".join(sorted(unknown))})
    if any(frequency not in Frequency.values for frequency in choices.values()):
        raise DomainError(_("Choose at once, a daily or weekly digest, or off."))
    with transaction.atomic():
        chosen = dict(
            Preference.objects.select_for_update()
            .filter(user=user)
            .values_list("category", "frequency")
        )
        for category, frequency in choices.items():
            if frequency == chosen.get(category, DEFAULT_FREQUENCY[category]):
                continue
            Preference.objects.update_or_create(
                user=user, category=category, defaults={"frequency": frequency}
            )
