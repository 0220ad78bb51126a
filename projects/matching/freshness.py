"""A cheap fingerprint of the data the matching index is built from."""

from __future__ import annotations

from django.db.models import Count, Max, Q, Sum

from members.enums import MembershipStatus
from members.models import Institution, Membership


def data_fingerprint() -> tuple:
    """Summarise institutions and memberships in two queries, to see changes around the services.

    Services tell the index themselves (``profiles_changed``, ``invalidate()``); this catches
    what bypasses them, such as the admin, bulk loads or another test's data: an institution
    added, deleted or saved (every save moves ``updated_at``, so an admin edit of an
    institution or of its inlines counts), a membership added or deleted, and a membership
    becoming active or ceasing to be (the count and the sum of the active ones' keys). It
    does not see edits of people (bios, competences), of the competence vocabulary or of
    proposals made outside the services; those reach the index at its next rebuild.
    """
    institutions = Institution.objects.aggregate(n=Count("pk"), changed=Max("updated_at"))
    active = Q(status=MembershipStatus.ACTIVE)
    memberships = Membership.objects.aggregate(
        n=Count("pk"),
        newest=Max("pk"),
        active=Count("pk", filter=active),
        active_keys=Sum("pk", filter=active),
    )
    return (
        institutions["n"],
        institutions["changed"].isoformat() if institutions["changed"] else None,
        memberships["n"],
        memberships["newest"],
        memberships["active"],
        memberships["active_keys"],
    )
