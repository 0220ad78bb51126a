"""Write domain events; whoever listens decides what follows from them."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction
from django.dispatch import Signal

from core.models import OutboxEvent

# Sent inside the transaction that writes the event, so that a listener may record, in the
# same transaction, what must follow (the notifications app records who hears of it, as
# things stood when it happened). Keyword argument: event.
event_recorded = Signal()


def event_record(
    *, kind: str, subject: models.Model, actor: AbstractBaseUser | None, payload: dict | None = None
) -> OutboxEvent:
    """Write a domain event about ``subject`` in the current transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Record events inside the transaction of the change they report.")
    event = OutboxEvent(
        kind=str(kind), subject=subject, actor_id=actor.pk if actor else None, payload=payload or {}
    )
    event.save()
    event_recorded.send(sender=OutboxEvent, event=event)
    return event
