"""Who may see which notifications and mail logs, and set who is told of what (``rules``)."""

from __future__ import annotations

import rules

from members.rules import is_coordinator
from projects.rules import is_lead


@rules.predicate
def is_recipient(user, notification) -> bool:
    """A person sees only their own notifications; anybody else's answer 404."""
    return (
        notification is not None and user.is_authenticated and notification.recipient_id == user.pk
    )


rules.add_perm("notifications.read_notification", is_recipient)
# Which emails about a proposal went to whom: for its lead and the coordinators.
rules.add_perm("notifications.view_mail_log", is_lead | is_coordinator)
# Which kinds of notification each recipient role receives (the matrix page).
rules.add_perm("notifications.manage_matrix", is_coordinator)
