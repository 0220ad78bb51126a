"""The fault tests' real parts work: a worker process on a private Redis reaches the test database."""

from __future__ import annotations

import pytest
import redis

from alliance.tasks import WORKER_HEARTBEAT_KEY, task_ping_database
from notifications.tests.harness import wait_for

pytestmark = pytest.mark.celery_worker


def test_worker_process_runs_what_this_process_sends(delivery_stack):
    private_redis, _smtp, start_worker = delivery_stack
    worker = start_worker()
    client = redis.Redis.from_url(private_redis.url)

    task_ping_database.delay()

    found = wait_for(lambda: client.keys(f"*{WORKER_HEARTBEAT_KEY}*"), timeout=60)
    assert len(found) == 1, worker.output()[-3000:]
