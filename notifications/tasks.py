"""Celery tasks of the notifications app: thin, id-taking, owning their retry policy."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from core.models import EventState, OutboxEvent
from notifications.delivery import (
    deliveries_send_instant,
    deliveries_sweep,
    digest_send,
    digests_enqueue,
)
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


@shared_task(bind=True, ignore_result=True, max_retries=None)
def task_send_instant(self, *, recipient_id: int, proposal_id: int | None = None) -> int:
    """Send one person's due instant emails about one proposal; retry while SMTP refuses.

    How often is counted on the rows (EMAIL_ATTEMPTS), not here: a run started by the
    sweeper or the admin counts as a try too.
    """
    result = deliveries_send_instant(recipient_id=recipient_id, proposal_id=proposal_id)
    if result.retry_in is not None:
        raise self.retry(countdown=result.retry_in)
    return result.sent


@shared_task(ignore_result=True)
def task_send_digest(*, recipient_id: int) -> int:
    """Send one person's digest; refused, its items wait for the next beat after the backoff."""
    return digest_send(recipient_id=recipient_id).sent


@shared_task(ignore_result=True)
def task_send_digests() -> int:
    """Start the digest of everyone whose digest is due; on beat every few minutes."""
    return digests_enqueue()


@shared_task(ignore_result=True)
def task_sweep_deliveries() -> int:
    """Re-enqueue instant emails whose task never came, or whose worker died; on beat."""
    return deliveries_sweep()
