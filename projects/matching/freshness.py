"""A cheap fingerprint of the data the matching index is built from."""

from __future__ import annotations

from django.db.models import Count, Max

from members.models import Institution, Membership


def data_fingerprint() -> tuple:
    """Sum up institutions and memberships in two cheap queries, for changes around the services.

    Services tell the index themselves (``profiles_changed``, ``invalidate()``); this is for
    what bypasses them, such as the admin, bulk loads or another test's data. It sees an
    institution added, deleted or saved (a save moves ``updated_at``, so an edit in the
    institution's admin page counts, its inlines included) and a membership added or
    deleted. It does not see a membership changed in place outside the institution's page
    (its status in the membership admin, say), nor edits of people, of the competence
    vocabulary or of proposals made outside the services: those reach the index when the
    next change invalidates it. Every request pays for it, so it stays two aggregates.
    """
    institutions = Institution.objects.aggregate(n=Count("pk"), changed=Max("updated_at"))
    memberships = Membership.objects.aggregate(n=Count("pk"), newest=Max("pk"))
    return (
        institutions["n"],
        institutions["changed"].isoformat() if institutions["changed"] else None,
        memberships["n"],
        memberships["newest"],
    )
