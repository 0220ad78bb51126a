"""The fault tests' fixture: a Redis of their own, an SMTP sink, worker processes.

Each test gets a Redis server on a free port that it may stop, freeze, thaw or restart
empty without disturbing anyone else's, a Celery worker *process* (so that it can be
killed) connected to that Redis and to the test database, and an SMTP server on loopback
that records what it accepts and can be told to refuse (the parts: ``notifications.bench``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from celery import current_app as app
from django.db import connection

from conftest import require
from notifications.bench import (
    RedisServer,
    SmtpSink,
    WorkerProcess,
    point_this_process_at,
    reset_broker_connections,
    wait_for,
)

__all__ = ["delivery_stack", "reset_broker_connections", "wait_for"]


@pytest.fixture
def delivery_stack(transactional_db, settings) -> Iterator[tuple[RedisServer, SmtpSink, Any]]:
    """A private Redis, an SMTP sink and a factory for worker processes, all torn down after."""
    require(bool(settings.REDIS_URL), "the fault tests need Redis (REDIS_URL)")
    require(connection.vendor == "postgresql", "the worker process needs PostgreSQL")
    require(shutil.which("redis-server") is not None, "the fault tests start redis-server")
    redis, smtp = RedisServer(), SmtpSink()
    redis.start()
    smtp.start()
    queue = f"alliance-fault-{redis.port}"
    previous = point_this_process_at(redis.url, queue)
    settings.NOTIFICATIONS_MERGE_DELAY = 0
    workers: list[WorkerProcess] = []

    def start_worker(**extra_env: str) -> WorkerProcess:
        worker = WorkerProcess(redis=redis, smtp=smtp, queue=queue, extra_env=extra_env)
        worker.start()
        workers.append(worker)
        return worker

    try:
        yield redis, smtp, start_worker
    finally:
        for worker in workers:
            worker.stop()
        app.conf.update(previous)
        reset_broker_connections()
        redis.stop()
        smtp.stop()
