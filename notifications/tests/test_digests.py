"""Digests: one per person and period, grouped by proposal, never empty, never twice."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from celery import current_app
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from members.tests.factories import UserFactory
from notifications.delivery import digest_send, digests_enqueue
from notifications.enums import DeliveryState, Frequency
from notifications.models import Digest, EmailDelivery
from notifications.tests.factories import EmailDeliveryFactory, NotificationFactory
from projects.tests.factories import ProposalFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

# Monday 2 March 2026, 07:00 in Berlin.
MONDAY_7 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


class RefusingBackend(LocmemBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def outbox():
    mail.outbox = []
    return mail.outbox


def _digest_row(person, proposal, *, frequency=Frequency.DAILY, due_at=MONDAY_7, **kwargs):
    notification = NotificationFactory(recipient=person, proposal=proposal, **kwargs)
    return EmailDeliveryFactory(notification=notification, frequency=frequency, due_at=due_at)


def _states() -> list[str]:
    return list(EmailDelivery.objects.order_by("pk").values_list("state", flat=True))


def test_digest_is_one_email_grouped_by_proposal(outbox):
    person = UserFactory()
    robots, models = ProposalFactory(title="Robot model"), ProposalFactory(title="Language model")
    with time_machine.travel(MONDAY_7 - timedelta(hours=20), tick=False) as clock:
        _digest_row(person, robots)
        _digest_row(person, models)
        _digest_row(person, robots)
        clock.move_to(MONDAY_7 + timedelta(minutes=3))

        started = digests_enqueue()

    assert (started, len(outbox)) == (1, 1)
    message = outbox[0]
    assert message.subject == "Your daily digest: 3 updates"
    lines = message.body.splitlines()
    robot_heading, model_heading = (
        lines.index("Robot model (Draft)"),
        lines.index("Language model (Draft)"),
    )
    assert robot_heading < model_heading  # the two robot items sit together under theirs
    assert sum(line.startswith("- ") for line in lines[robot_heading:model_heading]) == 2
    assert _states() == [DeliveryState.SENT] * 3
    digest = Digest.objects.get()
    assert (digest.recipient, digest.frequency, digest.items) == (person, Frequency.DAILY, 3)
    assert digest.message_id == message.extra_headers["Message-ID"]


def test_digest_goes_out_once_per_period(outbox):
    person, proposal = UserFactory(), ProposalFactory()
    with time_machine.travel(MONDAY_7, tick=False) as clock:
        _digest_row(person, proposal)
        digests_enqueue()
        digests_enqueue()  # the next beat
        # Something falls due again within 20 hours (a time zone changed): it waits.
        _digest_row(person, proposal, due_at=MONDAY_7 + timedelta(hours=2))
        clock.move_to(MONDAY_7 + timedelta(hours=19, minutes=55))
        at_19h55 = digests_enqueue()
        clock.move_to(MONDAY_7 + timedelta(hours=20, minutes=5))
        at_20h05 = digests_enqueue()

    assert (at_19h55, at_20h05, len(outbox)) == (0, 1, 2)
    assert Digest.objects.count() == 2


def test_digest_is_never_empty(outbox):
    person, proposal = UserFactory(), ProposalFactory()
    with time_machine.travel(MONDAY_7, tick=False):
        _digest_row(person, proposal, read_at=MONDAY_7 - timedelta(hours=1))

        sent = digest_send(recipient_id=person.pk)

    assert (sent.sent, outbox, Digest.objects.count()) == (0, [], 0)
    assert _states() == [DeliveryState.SKIPPED]


def test_digest_waits_until_its_items_are_due(outbox):
    person, proposal = UserFactory(), ProposalFactory()
    with time_machine.travel(MONDAY_7 - timedelta(minutes=1), tick=False):
        _digest_row(person, proposal)

        started = digests_enqueue()

    assert (started, outbox, _states()) == (0, [], [DeliveryState.PENDING])


def test_digest_carries_the_weekly_items_due_with_the_daily_ones(outbox):
    person, proposal = UserFactory(), ProposalFactory()
    with time_machine.travel(MONDAY_7, tick=False):
        _digest_row(person, proposal, frequency=Frequency.WEEKLY)
        _digest_row(person, proposal, frequency=Frequency.DAILY)

        digests_enqueue()

    assert [m.subject for m in outbox] == ["Your daily digest: 2 updates"]


def test_digest_of_weekly_items_only_is_the_weekly_digest(outbox):
    person, proposal = UserFactory(), ProposalFactory()
    with time_machine.travel(MONDAY_7, tick=False):
        _digest_row(person, proposal, frequency=Frequency.WEEKLY, action_required=True)

        digests_enqueue()

    assert [m.subject for m in outbox] == ["Action required: Your weekly digest: 1 update"]
    assert Digest.objects.get().frequency == Frequency.WEEKLY


def test_digest_leaves_instant_deliveries_alone(outbox):
    person, proposal = UserFactory(), ProposalFactory()
    with time_machine.travel(MONDAY_7, tick=False):
        _digest_row(person, proposal, frequency=Frequency.INSTANT)

        started = digests_enqueue()

    assert (started, outbox) == (0, [])


def test_digest_refused_by_smtp_waits_for_a_later_beat(settings, outbox):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingBackend"}}
    person, proposal = UserFactory(), ProposalFactory()
    with time_machine.travel(MONDAY_7, tick=False) as clock:
        row = _digest_row(person, proposal)
        digests_enqueue()
        row.refresh_from_db()
        assert (row.state, row.attempts) == (DeliveryState.PENDING, 1)
        assert row.due_at == MONDAY_7 + timedelta(seconds=settings.EMAIL_RETRY_DELAY)
        assert digests_enqueue() == 0  # the next beat, before the backoff ends

        settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
        clock.shift(settings.EMAIL_RETRY_DELAY)
        digests_enqueue()

    row.refresh_from_db()
    assert (row.state, row.attempts, len(outbox)) == (DeliveryState.SENT, 2, 1)
    assert Digest.objects.count() == 1


def test_digests_and_the_delivery_sweeper_run_on_beat():
    schedule = current_app.conf.beat_schedule

    assert schedule["send-digests"] == {
        "task": "notifications.tasks.task_send_digests",
        "schedule": 300.0,
    }
    assert schedule["sweep-deliveries"] == {
        "task": "notifications.tasks.task_sweep_deliveries",
        "schedule": 60.0,
    }
