"""A real Celery worker on the Redis broker, for tests that need tasks to run out of process.

The worker runs in a thread of the test process (solo pool), so it shares the task
registry, the settings and the cache prefix of the run, but opens its own database
connection: tests that use it get ``transactional_db`` so that the worker sees their rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import TestWorkController, start_worker
from django.conf import settings

from alliance.celery import app
from conftest import require


@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[TestWorkController]:
    """Start a worker consuming a queue of its own; tasks sent with ``delay()`` reach it.

    The private queue keeps a developer's ``make worker``, a parallel test run or an
    xdist sibling sharing the same Redis from taking this test's tasks.
    """
    require(bool(settings.REDIS_URL), "a real Celery worker needs REDIS_URL (Redis as broker)")
    queue = f"alliance-test-{uuid.uuid4().hex[:12]}"
    overrides = {
        "task_always_eager": False,
        "task_default_queue": queue,
        # Leave pytest's log capture alone: the embedded worker sets up Celery logging.
        "worker_hijack_root_logger": False,
    }
    previous = {name: app.conf[name] for name in overrides}
    app.conf.update(overrides)
    try:
        with start_worker(
            app,
            pool="solo",
            concurrency=1,
            loglevel="WARNING",
            perform_ping_check=False,  # the ping task needs a result backend; we keep none
            queues=[queue],
        ) as worker:
            yield worker
        # Drop the queue and its bindings so runs leave nothing behind in Redis. A channel
        # only deletes the bindings it knows about, hence the declare first.
        with app.connection_for_write() as connection:
            bound = app.amqp.queues[queue](connection.default_channel)
            bound.declare()
            bound.delete()
    finally:
        app.conf.update(previous)
