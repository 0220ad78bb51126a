"""A cheap fingerprint of the data the matching index is built from."""

from __future__ import annotations

from django.db.models import Count, Max

from members.models import Institution, Membership


def data_fingerprint() -> tuple:
    """Institutions (how many, last change) and memberships (how many, newest): two queries."""
    institutions = Institution.objects.aggregate(n=Count("pk"), changed=Max("updated_at"))
    memberships = Membership.objects.aggregate(n=Count("pk"), newest=Max("pk"))
    return (
        institutions["n"],
        institutions["changed"].isoformat() if institutions["changed"] else None,
        memberships["n"],
        memberships["newest"],
    )
