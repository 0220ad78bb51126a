import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from celery import Celery, current_app
from celery.result import EagerResult
from django.core.cache import cache
from django.utils import timezone
from kombu.exceptions import OperationalError

from alliance.tasks import WORKER_HEARTBEAT_KEY, task_ping_database

REPO_ROOT = Path(__file__).resolve().parents[2]


def _wait_for(read: Callable[[], Any], *, timeout: float = 10.0) -> Any:
    """Poll until ``read`` returns something truthy or the timeout passes; return the last read."""
    deadline = time.monotonic() + timeout
    while not (value := read()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


@pytest.fixture
def clean_heartbeat():
    cache.delete(WORKER_HEARTBEAT_KEY)
    yield
    cache.delete(WORKER_HEARTBEAT_KEY)


@pytest.mark.django_db
@pytest.mark.usefixtures("clean_heartbeat")
def test_task_ping_database_leaves_a_heartbeat():
    before = timezone.now()

    result = task_ping_database.apply()

    heartbeat = cache.get(WORKER_HEARTBEAT_KEY)
    assert result.get() == "ok"
    assert heartbeat["task_id"] == result.id
    assert heartbeat["hostname"] == socket.gethostname()
    assert before <= heartbeat["at"] <= timezone.now()


@pytest.mark.celery_worker
@pytest.mark.usefixtures("celery_worker", "clean_heartbeat")
def test_task_ping_database_runs_on_a_real_worker():
    sent = task_ping_database.delay()

    assert not isinstance(sent, EagerResult)

    # No result backend is configured, so the task's side effect is the proof: only the
    # worker consumes the private queue the message went to.
    heartbeat = _wait_for(lambda: cache.get(WORKER_HEARTBEAT_KEY))
    assert heartbeat is not None, "the worker did not run the task within 10 s"
    assert heartbeat["task_id"] == sent.id


def test_worker_started_from_the_command_line_knows_the_site_tasks():
    # A fresh interpreter loads tasks the way `celery -A alliance worker` does; this test
    # process has imported alliance.tasks already and would prove nothing.
    script = (
        "from alliance.celery import app; "
        "app.loader.import_default_modules(); "
        "print('alliance.tasks.task_ping_database' in app.tasks)"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "alliance.settings"}

    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert completed.stdout == "True\n"


def test_publish_fails_fast_when_the_broker_is_unreachable():
    # A request that enqueues must not hang on a broker outage (the outbox sweeper
    # re-enqueues later): the publish retry policy in settings bounds the wait. The bound
    # below only guards against hanging; it is not a timing test.
    unreachable = Celery("alliance-unreachable", set_as_current=False)
    unreachable.config_from_object("django.conf:settings", namespace="CELERY")
    unreachable.conf.update(broker_url="redis://127.0.0.1:1/0", task_always_eager=False)
    task = unreachable.tasks[task_ping_database.name]
    started = time.monotonic()

    try:
        with pytest.raises(OperationalError, match=r"127\.0\.0\.1:1\b"):
            task.apply_async()
        elapsed = time.monotonic() - started
    finally:
        unreachable.close()

    assert elapsed < 10


def test_worker_started_from_the_command_line_knows_the_email_tasks():
    script = (
        "from alliance.celery import app; "
        "app.loader.import_default_modules(); "
        "print(sorted(name for name in app.tasks if 'send' in name or 'sweep' in name))"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "alliance.settings"}

    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert completed.stdout == (
        "['core.tasks.task_send_email', 'notifications.tasks.task_send_digest', "
        "'notifications.tasks.task_send_digests', 'notifications.tasks.task_send_instant', "
        "'notifications.tasks.task_send_reminders', 'notifications.tasks.task_sweep_deliveries', 'notifications.tasks.task_sweep_outbox']\n"
    )


def test_tasks_are_acknowledged_after_they_ran_one_at_a_time_within_the_visibility_window(
    settings,
):
    conf = current_app.conf

    assert (conf.task_acks_late, conf.task_reject_on_worker_lost) == (True, True)
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_transport_options == {
        "visibility_timeout": 1800,
        "socket_connect_timeout": settings.REDIS_SOCKET_TIMEOUT,
        "socket_timeout": settings.REDIS_SOCKET_TIMEOUT,
    }
    # A delayed message is held unacknowledged until it runs: longer than the visibility
    # timeout, Redis would hand it to a second worker as well.
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert visibility > settings.EMAIL_RETRY_MAX_DELAY
