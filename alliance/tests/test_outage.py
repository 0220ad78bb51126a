"""Redis down (broker and cache): requests still succeed; the outbox keeps the events."""

from __future__ import annotations

import time

import kombu.pools
import pytest
from django.core.cache import caches
from django.test.utils import override_settings
from django.urls import reverse

from alliance.celery import app
from core.models import EventState, OutboxEvent
from members.tests.factories import PASSWORD, MembershipFactory
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
def test_stage_change_succeeds_and_keeps_its_event_while_redis_is_down(
    client, redis_down, django_capture_on_commit_callbacks
):
    proposal = ProposalFactory(stage=Stage.DRAFT)
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
    assert event.state == EventState.PENDING  # not lost: it waits in the outbox
    # A guard against hanging on the broker, not a timing test: the policy gives up in ~1 s.
    assert elapsed < 15, elapsed
