"""Signals the members app sends, so that other apps can follow it without members importing them."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.dispatch import Signal

from core.pagecache import public_data_changed

# Sent once the transaction that changed a profile, an institution or an affiliation has
# committed. Keyword arguments: institution_ids and person_ids (lists, either may be empty).
profiles_changed = Signal()

# The alliance-wide figures (members, countries, researchers), cached: every change to an
# institution or an affiliation passes through profiles_changed_on_commit, which drops them.
ALLIANCE_FIGURES_KEY = "members:alliance-figures"


def profiles_changed_on_commit(
    *, institution_ids: Iterable[int] = (), person_ids: Iterable[int] = ()
) -> None:
    """Send ``profiles_changed`` after the current transaction commits (at once outside one)."""
    institutions, people = list(institution_ids), list(person_ids)
    transaction.on_commit(lambda: cache.delete(ALLIANCE_FIGURES_KEY))
    public_data_changed()
    transaction.on_commit(
        lambda: profiles_changed.send_robust(
            sender="members", institution_ids=institutions, person_ids=people
        )
    )
