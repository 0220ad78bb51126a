"""Recording an event's notifications and email deliveries, in the event's transaction."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from core.models import EventState, OutboxEvent
from core.outbox import event_record
from members.tests.factories import CoordinatorFactory
from notifications import services
from notifications.enums import (
    Category,
    DeliveryState,
    Frequency,
    NotificationKind,
    RecipientRole,
)
from notifications.models import EmailDelivery, Notification, Preference
from notifications.services import event_dispatch, notifications_record
from projects.enums import EventKind, Stage
from projects.services import proposal_transition
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # 14:00 in Berlin, a Wednesday


@pytest.fixture
def enqueued(monkeypatch):
    """The tasks the notifications services hand to the broker."""
    sent = []

    def enqueue(task_name, *, countdown=None, **kwargs):
        sent.append((task_name, countdown, kwargs))
        return True

    monkeypatch.setattr(services, "enqueue", enqueue)
    return sent


def _submitted(proposal) -> OutboxEvent:
    """Record a submission for review by hand (no receiver ran for it: dispatch is the test's)."""
    return OutboxEvent.objects.create(
        kind=EventKind.STAGE_CHANGED,
        subject=proposal,
        actor=proposal.lead,
        payload={"from_stage": "define", "to_stage": "review", "comment": ""},
    )


def _deliveries():
    return list(
        EmailDelivery.objects.order_by("notification__recipient__time_zone").values_list(
            "notification__recipient__time_zone", "frequency", "state", "due_at"
        )
    )


@time_machine.travel(NOW, tick=False)
def test_notifications_record_writes_in_app_items_and_emails_when_due(settings):
    settings.NOTIFICATIONS_MERGE_DELAY = 120
    proposal = ProposalFactory(stage=Stage.REVIEW)
    instant = CoordinatorFactory(time_zone="Asia/Tokyo")
    daily = CoordinatorFactory(time_zone="America/New_York")
    weekly = CoordinatorFactory(time_zone="Europe/Berlin")
    off = CoordinatorFactory(time_zone="Europe/London")
    for person, frequency in [
        (daily, Frequency.DAILY),
        (weekly, Frequency.WEEKLY),
        (off, Frequency.OFF),
    ]:
        Preference.objects.create(user=person, category=Category.MY_PROPOSALS, frequency=frequency)
    event = _submitted(proposal)

    notifications_record(event=event)

    assert set(
        Notification.objects.values_list(
            "recipient", "kind", "role", "action_required", "proposal", "url"
        )
    ) == {
        (
            person.pk,
            NotificationKind.PROPOSAL_SUBMITTED,
            RecipientRole.COORDINATOR,
            True,
            proposal.pk,
            f"/proposals/{proposal.slug}/reviewers/",
        )
        for person in (instant, daily, weekly, off)
    }
    assert _deliveries() == [
        ("America/New_York", "daily", "pending", datetime(2026, 7, 2, 11, 0, tzinfo=UTC)),
        ("Asia/Tokyo", "instant", "pending", NOW + timedelta(seconds=120)),
        ("Europe/Berlin", "weekly", "pending", datetime(2026, 7, 6, 5, 0, tzinfo=UTC)),
    ]


def test_notifications_record_twice_writes_nothing_more():
    proposal = ProposalFactory(stage=Stage.REVIEW)
    CoordinatorFactory()
    CoordinatorFactory()
    event = _submitted(proposal)
    notifications_record(event=event)

    again = notifications_record(event=event)

    assert again == []
    assert (Notification.objects.count(), EmailDelivery.objects.count()) == (2, 2)


def test_notifications_record_again_completes_what_is_missing():
    proposal = ProposalFactory(stage=Stage.REVIEW)
    first, second = CoordinatorFactory(), CoordinatorFactory()
    event = _submitted(proposal)
    notifications_record(event=event)
    EmailDelivery.objects.filter(notification__recipient=second).delete()

    again = notifications_record(event=event)

    assert [d.notification.recipient for d in again] == [second]
    assert EmailDelivery.objects.filter(notification__recipient=first).count() == 1
    assert (Notification.objects.count(), EmailDelivery.objects.count()) == (2, 2)


def test_event_recorded_in_a_change_is_dispatched_with_its_rows(
    enqueued, django_capture_on_commit_callbacks, settings
):
    settings.NOTIFICATIONS_MERGE_DELAY = 90
    proposal = ProposalFactory(stage=Stage.DRAFT)
    coordinator = CoordinatorFactory()

    with django_capture_on_commit_callbacks(execute=True):
        proposal_transition(proposal=proposal, to=Stage.DEFINE, actor=proposal.lead)

    event = OutboxEvent.objects.about(proposal).get()
    assert (event.state, event.attempts, event.last_error) == (EventState.DISPATCHED, 1, "")
    assert event.dispatched_at is not None
    assert list(Notification.objects.values_list("event", "recipient")) == [
        (event.pk, coordinator.pk)
    ]
    assert enqueued == [
        (
            "notifications.tasks.task_send_instant",
            90,
            {"recipient_id": coordinator.pk, "proposal_id": proposal.pk},
        )
    ]


def test_event_dispatch_enqueues_nothing_before_the_commit(enqueued):
    proposal = ProposalFactory(stage=Stage.DRAFT)
    CoordinatorFactory()

    proposal_transition(proposal=proposal, to=Stage.DEFINE, actor=proposal.lead)

    assert enqueued == []  # the test's transaction never commits


def test_event_dispatch_enqueues_one_task_per_person_and_proposal(
    enqueued, django_capture_on_commit_callbacks
):
    proposal = ProposalFactory(stage=Stage.REVIEW)
    coordinator = CoordinatorFactory()
    Preference.objects.create(
        user=CoordinatorFactory(), category=Category.MY_PROPOSALS, frequency=Frequency.DAILY
    )

    with django_capture_on_commit_callbacks(execute=True):
        event_dispatch(event=_submitted(proposal))

    assert [kwargs for _name, _countdown, kwargs in enqueued] == [
        {"recipient_id": coordinator.pk, "proposal_id": proposal.pk}
    ]


def test_event_dispatch_failure_keeps_the_change_and_the_event_pending(monkeypatch, enqueued):
    proposal = ProposalFactory(stage=Stage.DRAFT)
    CoordinatorFactory()

    def broken(*, event):
        raise RuntimeError("the audience is broken")

    monkeypatch.setattr(services, "audience_resolve", broken)

    proposal_transition(proposal=proposal, to=Stage.DEFINE, actor=proposal.lead)

    proposal.refresh_from_db()
    event = OutboxEvent.objects.about(proposal).get()
    assert proposal.stage == Stage.DEFINE
    assert (event.state, event.attempts, event.last_error) == (
        EventState.PENDING,
        1,
        "RuntimeError: the audience is broken",
    )
    assert (Notification.objects.count(), enqueued) == (0, [])


def test_event_dispatch_failing_the_last_attempt_marks_the_event_failed(monkeypatch, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    proposal = ProposalFactory(stage=Stage.REVIEW)
    event = _submitted(proposal)
    OutboxEvent.objects.filter(pk=event.pk).update(attempts=2)
    event.refresh_from_db()

    def broken(*, event):
        raise RuntimeError("still broken")

    monkeypatch.setattr(services, "audience_resolve", broken)

    assert event_dispatch(event=event) is False

    event.refresh_from_db()
    assert (event.state, event.attempts, event.last_error) == (
        EventState.FAILED,
        3,
        "RuntimeError: still broken",
    )


def test_event_dispatch_of_an_event_nobody_hears_of_marks_it_dispatched():
    proposal = ProposalFactory(stage=Stage.DRAFT)

    event = event_record(kind=EventKind.STAGE_CHANGED, subject=proposal, actor=proposal.lead)

    event.refresh_from_db()
    assert (event.state, Notification.objects.count()) == (EventState.DISPATCHED, 0)


def test_delivery_rows_start_pending():
    proposal = ProposalFactory(stage=Stage.REVIEW)
    CoordinatorFactory()

    notifications_record(event=_submitted(proposal))

    assert list(EmailDelivery.objects.values_list("state", "attempts")) == [
        (DeliveryState.PENDING, 0)
    ]
