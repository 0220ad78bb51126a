"""Proposal events for the outbox (``core.outbox``), written with the change they report."""

from __future__ import annotations

from core.models import OutboxEvent
from core.outbox import event_record as outbox_record
from members.models import User
from projects.enums import EventKind
from projects.models import Proposal


def event_record(
    *, kind: EventKind, actor: User | None, proposal: Proposal, **payload
) -> OutboxEvent:
    """Write an event about ``proposal`` in the current transaction (ids and values only)."""
    return outbox_record(kind=kind, subject=proposal, actor=actor, payload=payload)
