"""Celery tasks of the notifications app: thin, id-taking, owning their retry policy.

The outbox sweeper's pace: events are dispatched in the transaction that writes them
(``notifications.services.event_dispatch``), so an event still pending after SWEEP_AFTER had
its recording fail. Beat runs the sweeper every 60 s (``CELERY_BEAT_SCHEDULE``); each run
tries every such event once, the whole backlog in batches, oldest first. An event that keeps
failing is thus tried about once a minute and marked failed, with its last error, after
``settings.OUTBOX_MAX_ATTEMPTS`` tries. Two runs that overlap skip each other's events, and a
run that repeats one is harmless: recording is idempotent.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from notifications.delivery import (
    deliveries_send_instant,
    deliveries_sweep,
    digest_send,
    digests_enqueue,
)
from notifications.reminders import reminders_send
from notifications.services import outbox_sweep

# The pause between a failed recording and the sweeper's first retry.
SWEEP_AFTER = timedelta(minutes=1)


@shared_task(ignore_result=True)
def task_sweep_outbox() -> int:
    """Dispatch the outbox events whose recording failed; on beat. The number dispatched."""
    return outbox_sweep(before=timezone.now() - SWEEP_AFTER)


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


@shared_task(ignore_result=True)
def task_noop() -> None:
    """Nothing: what a task costs the worker by itself (the notifications benchmark's yardstick)."""
