"""Celery tasks of the projects app: thin, id-taking, owning their retry policy."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from projects.models import NotificationEvent


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def task_dispatch_event(*, event_id: int) -> None:
    """Mark an outbox event dispatched (recipients and email arrive with notifications)."""
    NotificationEvent.objects.filter(pk=event_id, dispatched_at__isnull=True).update(
        dispatched_at=timezone.now()
    )


@shared_task(acks_late=True, ignore_result=True)
def task_rebuild_matching_index() -> int | None:
    """Rebuild the partner-matching index and share it through the cache; returns its version."""
    from projects.matching.cache import rebuild

    return rebuild()
