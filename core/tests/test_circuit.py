"""After one call to a server failed, the next ones skip it for a few seconds."""

from __future__ import annotations

import time

import pytest
from celery import current_app
from django.core.cache.backends.redis import RedisCache

from core import circuit, queue
from core.cache import ResilientRedisCache
from core.queue import enqueue

SILENT = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture(autouse=True)
def _closed_circuits():
    circuit.close()
    yield
    circuit.close()


def test_circuit_opens_per_server_for_a_few_seconds(monkeypatch):
    monkeypatch.setattr(circuit, "OPEN_FOR", 0.2)

    circuit.trip("redis://cache.example:6379/1")

    # The same server under another database number is the same server.
    assert circuit.is_open("redis://cache.example:6379/0") is True
    assert circuit.is_open("redis://cache.example:6380/0") is False
    time.sleep(0.25)
    assert circuit.is_open("redis://cache.example:6379/0") is False


def test_cache_answers_at_once_without_asking_redis_while_the_circuit_is_open(monkeypatch):
    def must_not_be_called(*args, **kwargs):
        raise AssertionError("Redis was asked")

    monkeypatch.setattr(RedisCache, "get", must_not_be_called)
    cache = ResilientRedisCache(SILENT, {})
    circuit.trip(SILENT)

    assert cache.get("key", "fallback") == "fallback"


def test_cache_that_cannot_reach_redis_opens_the_circuit():
    cache = ResilientRedisCache(SILENT, {"OPTIONS": {"socket_connect_timeout": 0.5}})

    cache.get("key")

    assert circuit.is_open(SILENT) is True


def test_enqueue_skips_the_broker_while_its_circuit_is_open(monkeypatch):
    looked_up = []
    monkeypatch.setattr(queue, "registered_task", looked_up.append)
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    monkeypatch.setitem(current_app.conf, "broker_url", SILENT)
    circuit.trip(SILENT)

    sent = enqueue("alliance.tasks.task_ping_database")

    assert (sent, looked_up) == (False, [])
