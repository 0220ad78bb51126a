"""The deliveries' sweeper: what its task never picked up goes out, once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from notifications import delivery
from notifications.delivery import deliveries_sweep
from notifications.enums import DeliveryState, Frequency
from notifications.models import EmailDelivery
from notifications.tests.factories import EmailDeliveryFactory, NotificationFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def enqueued(monkeypatch):
    """The tasks the sweeper starts (the broker is outside what these tests look at)."""
    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(delivery, "enqueue", lambda name, **kwargs: sent.append((name, kwargs)))
    return sent


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings):
    """The sweeper marks what it enqueued in the cache: give every test its own keys."""
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"sweeper-{uuid.uuid4().hex[:12]}"}
        for name, config in settings.CACHES.items()
    }


def _row(*, due_at, state=DeliveryState.PENDING, **kwargs) -> EmailDelivery:
    return EmailDeliveryFactory(due_at=due_at, state=state, **kwargs)


def _send_kwargs(row: EmailDelivery) -> tuple[str, dict]:
    return (
        "notifications.tasks.task_send_instant",
        {
            "recipient_id": row.notification.recipient_id,
            "proposal_id": row.notification.proposal_id,
        },
    )


def test_sweeper_reenqueues_overdue_instant_deliveries_once_per_person_and_proposal(enqueued):
    with time_machine.travel(NOW, tick=False):
        first = _row(due_at=NOW - timedelta(minutes=5))
        same_group = EmailDeliveryFactory(
            notification=NotificationFactory(
                recipient=first.notification.recipient, proposal=first.notification.proposal
            ),
            due_at=NOW - timedelta(minutes=4),
        )
        other = _row(due_at=NOW - timedelta(minutes=3))
        _row(due_at=NOW - timedelta(seconds=30))  # its own task is on the way
        _row(due_at=NOW - timedelta(minutes=5), frequency=Frequency.DAILY)  # the digest's

        count = deliveries_sweep()

    assert same_group.notification.proposal_id == first.notification.proposal_id
    assert count == 2
    assert enqueued == [_send_kwargs(first), _send_kwargs(other)]


def test_sweeper_covers_the_whole_backlog_in_batches(enqueued, monkeypatch):
    monkeypatch.setattr(delivery, "SWEEP_BATCH", 2)
    with time_machine.travel(NOW, tick=False):
        rows = [_row(due_at=NOW - timedelta(minutes=10)) for _ in range(5)]

        count = deliveries_sweep()

    assert count == 5
    assert enqueued == [_send_kwargs(row) for row in rows]


def test_sweeper_does_not_pile_up_tasks_for_a_slow_worker(enqueued):
    with time_machine.travel(NOW, tick=False) as clock:
        _row(due_at=NOW - timedelta(minutes=5))
        first = deliveries_sweep()
        clock.shift(timedelta(minutes=1))
        second = deliveries_sweep()

    assert (first, second) == (1, 0)  # the mark in the cache expires after REENQUEUE_AFTER


def test_sweeper_gives_back_rows_a_dead_worker_left_sending(enqueued, settings):
    lease = timedelta(seconds=settings.NOTIFICATIONS_SENDING_LEASE)
    with time_machine.travel(NOW, tick=False):
        abandoned = _row(
            due_at=NOW - lease - timedelta(minutes=3),
            state=DeliveryState.SENDING,
            claimed_at=NOW - lease - timedelta(seconds=1),
            attempts=1,
        )
        working = _row(
            due_at=NOW - timedelta(minutes=3),
            state=DeliveryState.SENDING,
            claimed_at=NOW - timedelta(minutes=1),
            attempts=1,
        )
        spent = _row(
            due_at=NOW - lease - timedelta(minutes=3),
            state=DeliveryState.SENDING,
            claimed_at=NOW - lease - timedelta(seconds=1),
            attempts=settings.EMAIL_ATTEMPTS,
        )

        deliveries_sweep()

    states = dict(EmailDelivery.objects.values_list("pk", "state"))
    assert states == {
        abandoned.pk: DeliveryState.PENDING,
        working.pk: DeliveryState.SENDING,
        spent.pk: DeliveryState.FAILED,
    }
    assert enqueued == [_send_kwargs(abandoned)]
