"""Receivers for the outbox's signal: who hears of an event is recorded with the event."""

from __future__ import annotations

from notifications.services import event_dispatch


def on_event_recorded(sender, *, event, **kwargs) -> None:
    """Record who hears of the event, in the transaction that wrote it (never raises)."""
    event_dispatch(event=event)
