"""Redis down (broker and cache): requests still succeed; the outbox keeps the events."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time

import kombu.pools
import pytest
import redis
from django.core.cache import caches
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from alliance.celery import app
from conftest import require
from core import circuit
from core.models import EventState, OutboxEvent
from core.queue import enqueue
from members.tests.factories import PASSWORD, CoordinatorFactory, MembershipFactory
from notifications.enums import DeliveryState
from notifications.models import EmailDelivery
from projects.enums import Stage
from projects.tests.factories import ProposalFactory

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _fresh_connections() -> None:
    """Drop pooled broker connections, so the next publish connects to the current broker."""
    kombu.pools.reset()  # kombu keeps its pools per broker URL, shared by every app
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_down():
    """Point the cache and the Celery broker at an address where nothing answers."""
    previous = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=DEAD_REDIS, task_always_eager=False)
    _fresh_connections()
    cache = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(CACHES=cache):
        yield
    app.conf.update(previous)
    _fresh_connections()
    caches["default"].close()


def test_cache_answers_misses_while_redis_is_down(redis_down):
    cache = caches["default"]

    cache.set("key", "value")

    assert (cache.get("key", "fallback"), cache.add("lock", 1), cache.incr("n")) == (
        "fallback",
        True,
        1,
    )


@pytest.mark.django_db
def test_login_works_while_redis_is_down(client, redis_down):
    person = MembershipFactory().person

    response = client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})

    assert response["Location"] == reverse("dashboard")


@pytest.mark.django_db
def test_public_pages_render_from_the_database_while_redis_is_down(redis_down, settings):
    settings.PAGE_CACHE = True
    proposal = ProposalFactory(stage=Stage.DRIVE, title="Still shown without Redis")

    pages = [Client().get(reverse("projects:proposal_list")) for _ in range(2)]
    detail = Client().get(proposal.get_absolute_url())

    assert [r.status_code for r in [*pages, detail]] == [200, 200, 200]
    assert all("Still shown without Redis" in r.content.decode() for r in [*pages, detail])


@pytest.mark.django_db
def test_stage_change_succeeds_and_keeps_its_event_while_redis_is_down(
    client, redis_down, django_capture_on_commit_callbacks
):
    proposal = ProposalFactory(stage=Stage.DRAFT)
    coordinator = CoordinatorFactory()
    client.force_login(proposal.lead)
    started = time.monotonic()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("projects:proposal_transition", args=[proposal.slug, "submit"]),
            {"comment": ""},
        )

    elapsed = time.monotonic() - started
    proposal.refresh_from_db()
    assert response["Location"] == proposal.get_absolute_url()
    assert proposal.stage == Stage.DEFINE
    event = OutboxEvent.objects.about(proposal).get()
    # Not lost: who hears of it was recorded with the change; the email waits in the database.
    assert event.state == EventState.DISPATCHED
    assert list(
        EmailDelivery.objects.values_list("notification__recipient", "notification__event", "state")
    ) == [(coordinator.pk, event.pk, DeliveryState.PENDING)]
    # A guard against hanging on the broker, not a timing test: the policy gives up in ~1 s.
    assert elapsed < 15, elapsed


# Redis frozen: it accepts connections and never answers ------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowawayRedis:
    """A redis-server of the test's own on a free port, without persistence."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url, socket_timeout=1).ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def freeze(self) -> None:
        """Stop the process: connections are still accepted, nothing is answered."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def stop(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)
        self.process.terminate()
        self.process.wait(timeout=10)

    def restart(self) -> None:
        """Start afresh on the same port: the queue is gone, pooled connections are dead."""
        self.stop()
        self.start()


@pytest.fixture
def throwaway_redis(settings):
    """A Redis of this test's own as broker and cache."""
    require(shutil.which("redis-server") is not None, "this test starts a redis-server")
    server = ThrowawayRedis()
    previous = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    timeout = settings.REDIS_SOCKET_TIMEOUT
    cache = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout},
        }
    }
    server.start()
    try:
        app.conf.update(broker_url=server.url, task_always_eager=False)
        _fresh_connections()
        with override_settings(CACHES=cache):
            yield server
    finally:
        app.conf.update(previous)
        _fresh_connections()
        caches["default"].close()
        circuit.close(server.url)
        server.stop()


def _submit(client, proposal, capture_on_commit) -> float:
    """Submit ``proposal`` through the page as its lead; return how long the request took.

    Including what runs once its transaction commits (the publishing), as in production.
    """
    client.force_login(proposal.lead)
    started = time.monotonic()
    with capture_on_commit(execute=True):
        response = client.post(
            reverse("projects:proposal_transition", args=[proposal.slug, "submit"]),
            {"comment": ""},
        )
    elapsed = time.monotonic() - started
    assert response["Location"] == proposal.get_absolute_url()
    return elapsed


@pytest.mark.django_db
def test_stage_change_answers_at_once_and_keeps_its_event_while_redis_is_frozen(
    client, throwaway_redis, django_capture_on_commit_callbacks
):
    CoordinatorFactory()  # told of each proposal opened: an email to enqueue on every commit
    warm_up, *proposals = [ProposalFactory(stage=Stage.DRAFT) for _ in range(3)]
    # Imports and templates load now, so that the timing below is the wait on Redis.
    _submit(client, warm_up, django_capture_on_commit_callbacks)

    throwaway_redis.freeze()
    elapsed = [_submit(client, p, django_capture_on_commit_callbacks) for p in proposals]

    events = OutboxEvent.objects.filter(subject_id__in=[p.pk for p in proposals])
    assert list(events.values_list("state", flat=True)) == [EventState.DISPATCHED] * 2
    # The emails wait in the database for the deliveries' sweeper.
    deliveries = EmailDelivery.objects.filter(notification__proposal__in=proposals)
    assert list(deliveries.values_list("state", flat=True)) == [DeliveryState.PENDING] * 2
    # Budget: about a second of waiting on Redis per request (a timed-out publish and its one
    # reconnect; then the circuit skips Redis); the second request does not wait at all.
    assert max(elapsed) < 2, elapsed


def test_publish_reconnects_at_once_after_redis_restarted(throwaway_redis):
    assert enqueue("alliance.tasks.task_ping_database") is True  # pools a connection

    throwaway_redis.restart()

    assert enqueue("alliance.tasks.task_ping_database") is True
    queue = app.conf.task_default_queue
    assert redis.Redis.from_url(throwaway_redis.url).llen(queue) == 1
