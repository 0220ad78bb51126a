from datetime import timedelta

import pytest
from celery import current_app as app
from django.utils import timezone

from projects.enums import EventKind
from projects.models import NotificationEvent
from projects.tasks import task_sweep_outbox

pytestmark = pytest.mark.django_db


def test_sweeper_redispatches_events_the_broker_never_got(settings):
    app.conf.task_always_eager = True  # run the dispatches in-process for this test
    try:
        stale = NotificationEvent.objects.create(kind=EventKind.STAGE_CHANGED)
        fresh = NotificationEvent.objects.create(kind=EventKind.STAGE_CHANGED)
        NotificationEvent.objects.filter(pk=stale.pk).update(
            created_at=timezone.now() - timedelta(minutes=5)
        )

        swept = task_sweep_outbox()
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert swept == 1
    assert (stale.dispatched_at is not None, fresh.dispatched_at) == (True, None)


def test_sweeper_runs_on_beat():
    assert app.conf.beat_schedule["sweep-outbox"] == {
        "task": "projects.tasks.task_sweep_outbox",
        "schedule": 60.0,
    }
