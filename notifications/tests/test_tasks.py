from datetime import timedelta

import pytest
from celery import current_app as app
from django.utils import timezone

from core.models import EventState, OutboxEvent
from core.outbox import event_record
from notifications.tasks import task_sweep_outbox
from projects.enums import EventKind
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


def test_sweeper_redispatches_events_the_broker_never_got(settings):
    app.conf.task_always_eager = True  # run the dispatches in-process for this test
    try:
        proposal = ProposalFactory()
        stale = event_record(kind=EventKind.STAGE_CHANGED, subject=proposal, actor=None)
        fresh = event_record(kind=EventKind.STAGE_CHANGED, subject=proposal, actor=None)
        OutboxEvent.objects.filter(pk=stale.pk).update(
            created_at=timezone.now() - timedelta(minutes=5)
        )

        swept = task_sweep_outbox()
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert swept == 1
    assert (stale.state, fresh.state) == (EventState.DISPATCHED, EventState.PENDING)


def test_sweeper_runs_on_beat():
    assert app.conf.beat_schedule["sweep-outbox"] == {
        "task": "notifications.tasks.task_sweep_outbox",
        "schedule": 60.0,
    }
