"""Celery tasks of the notifications app: thin, id-taking, owning their retry policy."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from core.models import EventState, OutboxEvent
from notifications.reminders import reminders_send


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def task_dispatch_event(*, event_id: int) -> None:
    """Mark an outbox event dispatched."""
    OutboxEvent.objects.filter(pk=event_id, state=EventState.PENDING).update(
        state=EventState.DISPATCHED, dispatched_at=timezone.now()
    )


# Events younger than this are probably still on their way through the broker.
SWEEP_AFTER = timedelta(minutes=1)
SWEEP_BATCH = 500


@shared_task(ignore_result=True)
def task_sweep_outbox() -> int:
    """Re-enqueue outbox events that were never dispatched (the broker was down); on beat."""
    stale = (
        OutboxEvent.objects.pending()
        .filter(created_at__lt=timezone.now() - SWEEP_AFTER)
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    ids = list(stale)
    for event_id in ids:
        task_dispatch_event.delay(event_id=event_id)
    return len(ids)


@shared_task(ignore_result=True)
def task_send_reminders() -> int:
    """Remind people of what has waited too long, once per threshold; on beat."""
    return sum(reminders_send().values())
