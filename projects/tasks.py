"""Celery tasks of the projects app: thin, id-taking, owning their retry policy."""

from __future__ import annotations

from celery import shared_task

from projects.matching import cache


@shared_task(acks_late=True, ignore_result=True)
def task_rebuild_matching_index() -> int | None:
    """Rebuild the partner-matching index and share it through the cache; returns its version."""
    return cache.rebuild()
