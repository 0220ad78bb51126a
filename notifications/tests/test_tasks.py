from datetime import timedelta

import pytest
from celery import current_app as app
from django.utils import timezone

from core.models import EventState, OutboxEvent
from members.tests.factories import CoordinatorFactory
from notifications import services
from notifications.models import Notification
from notifications.tasks import task_sweep_outbox
from projects.enums import EventKind, Stage
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


def _pending_events(proposal, count: int, *, minutes_ago: int = 5) -> list[OutboxEvent]:
    """Events whose recording failed (or never ran), written ``minutes_ago``."""
    events = [
        OutboxEvent.objects.create(
            kind=EventKind.STAGE_CHANGED,
            subject=proposal,
            actor=proposal.lead,
            payload={"from_stage": "define", "to_stage": "review", "comment": ""},
        )
        for _ in range(count)
    ]
    OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return events


def test_sweeper_dispatches_the_whole_backlog_in_batches(monkeypatch):
    monkeypatch.setattr(services, "SWEEP_BATCH", 2)
    proposal = ProposalFactory(stage=Stage.REVIEW)
    coordinator = CoordinatorFactory()
    stale = _pending_events(proposal, 5)
    fresh = _pending_events(proposal, 1, minutes_ago=0)

    swept = task_sweep_outbox()

    assert swept == 5
    assert list(OutboxEvent.objects.order_by("pk").values_list("state", flat=True)) == [
        EventState.DISPATCHED
    ] * 5 + [EventState.PENDING]
    assert set(Notification.objects.values_list("event", "recipient")) == {
        (event.pk, coordinator.pk) for event in stale
    }
    assert fresh[0].pk not in set(Notification.objects.values_list("event", flat=True))


def test_sweeper_counts_attempts_and_gives_up_after_the_last(monkeypatch, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    proposal = ProposalFactory(stage=Stage.REVIEW)
    [event] = _pending_events(proposal, 1)

    def broken(*, event):
        raise ValueError("no such stage")

    monkeypatch.setattr(services, "audience_resolve", broken)

    runs = [task_sweep_outbox(), task_sweep_outbox(), task_sweep_outbox()]

    event.refresh_from_db()
    assert runs == [0, 0, 0]
    assert (event.state, event.attempts, event.last_error) == (
        EventState.FAILED,
        2,
        "ValueError: no such stage",
    )


def test_sweeper_leaves_dispatched_and_failed_events_alone():
    proposal = ProposalFactory(stage=Stage.REVIEW)
    CoordinatorFactory()
    done, failed = _pending_events(proposal, 2)
    OutboxEvent.objects.filter(pk=done.pk).update(state=EventState.DISPATCHED)
    OutboxEvent.objects.filter(pk=failed.pk).update(state=EventState.FAILED)

    assert task_sweep_outbox() == 0
    assert Notification.objects.count() == 0


def test_sweeper_runs_on_beat():
    assert app.conf.beat_schedule["sweep-outbox"] == {
        "task": "notifications.tasks.task_sweep_outbox",
        "schedule": 60.0,
    }
