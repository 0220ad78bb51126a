"""Receivers for the outbox's signal: who hears of an event is recorded with the event."""

from __future__ import annotations

from django.db import transaction

from core.queue import enqueue


def on_event_recorded(sender, *, event, **kwargs) -> None:
    """Dispatch the event once its transaction commits (a broker outage: the sweeper retries)."""
    event_id = event.pk
    transaction.on_commit(
        lambda: enqueue("notifications.tasks.task_dispatch_event", event_id=event_id)
    )
