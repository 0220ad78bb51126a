"""Without a broker (the embedded mode) tasks run in the request's process, quietly."""

from __future__ import annotations

import logging

import pytest
from celery import current_app, shared_task

from core.queue import enqueue

ran: list[dict] = []


@shared_task(name="core.tests.test_queue.task_note")
def task_note(*, when: object) -> None:
    ran.append({"when": when})


@pytest.fixture
def embedded(monkeypatch):
    """Eager tasks and no broker: the embedded mode, whatever this run's settings are."""
    monkeypatch.setitem(current_app.conf, "task_always_eager", True)
    monkeypatch.setitem(current_app.conf, "broker_url", "memory://")
    ran.clear()


def test_eager_enqueue_runs_the_task_without_a_broker_connection(embedded, monkeypatch, caplog):
    def no_broker(*args, **kwargs):
        raise AssertionError("a broker connection was asked for")

    app = current_app._get_current_object()
    monkeypatch.setattr(app, "producer_or_acquire", no_broker)
    monkeypatch.setattr(app, "connection_for_write", no_broker)
    caplog.set_level(logging.WARNING)

    sent = enqueue("core.tests.test_queue.task_note", when=(2026, 11))

    # The arguments went through the serialiser, as through a broker: a tuple comes back a list.
    assert (sent, ran) == (True, [{"when": [2026, 11]}])
    assert [(r.name, r.getMessage()) for r in caplog.records] == []


def test_eager_enqueue_logs_no_kombu_hostname_warning(embedded, caplog):
    caplog.set_level(logging.WARNING, logger="kombu")

    enqueue("core.tests.test_queue.task_note", when=1)

    assert [r.getMessage() for r in caplog.records if r.name.startswith("kombu")] == []
