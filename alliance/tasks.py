"""Site-wide Celery tasks."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

WORKER_HEARTBEAT_KEY = "celery:worker-heartbeat"
WORKER_HEARTBEAT_TIMEOUT = 60 * 60 * 24


@shared_task(bind=True)
def task_ping_database(self) -> str:
    """Reach the database from a worker and leave a heartbeat in the shared cache.

    The heartbeat (which task on which host, when) shows anyone who shares the cache — the web
    processes, an operator, a test — that a worker consumes the queue and reaches the
    database; Celery keeps no results here, so the cache is where that becomes visible.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    cache.set(
        WORKER_HEARTBEAT_KEY,
        {"task_id": self.request.id, "hostname": self.request.hostname, "at": timezone.now()},
        timeout=WORKER_HEARTBEAT_TIMEOUT,
    )
    return "ok"
