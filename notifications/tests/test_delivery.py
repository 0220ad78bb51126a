"""Instant emails: claimed before sending, merged per proposal, retried, failed, sent once."""

from __future__ import annotations

import smtplib
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.utils import timezone

from core.mail import retry_delay
from notifications.delivery import deliveries_send_instant
from notifications.enums import DeliveryState, NotificationKind
from notifications.models import EmailDelivery
from notifications.tests.factories import EmailDeliveryFactory, NotificationFactory
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class RefusingBackend(LocmemBackend):
    """An SMTP server that answers "451 try later" to the next ``refusals`` emails."""

    refusals = 0

    def send_messages(self, messages):
        if RefusingBackend.refusals > 0:
            RefusingBackend.refusals -= 1
            raise smtplib.SMTPDataError(451, b"Try again later")
        return super().send_messages(messages)


class WatchingBackend(LocmemBackend):
    """Notes the deliveries' committed state (read from another connection) as SMTP is reached."""

    seen: list = []

    def send_messages(self, messages):
        def read():
            WatchingBackend.seen.extend(EmailDelivery.objects.values_list("state", "attempts"))
            connection.close()

        reader = threading.Thread(target=read)
        reader.start()
        reader.join()
        return super().send_messages(messages)


@pytest.fixture
def outbox():
    mail.outbox = []
    return mail.outbox


@pytest.fixture
def refusing_smtp(settings, outbox):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingBackend"}}
    settings.EMAIL_ATTEMPTS = 3
    settings.EMAIL_RETRY_DELAY = 60
    settings.EMAIL_RETRY_MAX_DELAY = 600
    yield RefusingBackend
    RefusingBackend.refusals = 0


def _deliveries(count: int, *, proposal=None, recipient=None, **kwargs) -> list[EmailDelivery]:
    """``count`` due instant deliveries to one person about one proposal, oldest event first."""
    proposal = proposal or ProposalFactory()
    first = EmailDeliveryFactory(
        notification__proposal=proposal,
        **({"notification__recipient": recipient} if recipient else {}),
        **kwargs,
    )
    rows = [first]
    for _ in range(count - 1):
        notification = NotificationFactory(
            proposal=proposal, recipient=first.notification.recipient
        )
        rows.append(EmailDeliveryFactory(notification=notification, **kwargs))
    return rows


def _send(rows):
    notification = rows[0].notification
    return deliveries_send_instant(
        recipient_id=notification.recipient_id, proposal_id=notification.proposal_id
    )


def _states(rows) -> list[str]:
    return list(
        EmailDelivery.objects.filter(pk__in=[r.pk for r in rows])
        .order_by("pk")
        .values_list("state", flat=True)
    )


def test_send_instant_merges_five_deliveries_about_a_proposal_into_one_email(outbox):
    rows = _deliveries(5)
    kinds = [
        NotificationKind.PROPOSAL_OPENED,
        NotificationKind.INVITATION_ACCEPTED,
        NotificationKind.PROPOSAL_SUBMITTED,
        NotificationKind.CHANGES_REQUESTED,
        NotificationKind.PROPOSAL_APPROVED,
    ]
    for row, kind in zip(rows, kinds, strict=True):
        row.notification.kind = kind
        row.notification.save()

    result = _send(rows)

    assert (result.sent, len(outbox)) == (1, 1)
    body = outbox[0].body
    positions = [
        body.index(label)
        for label in [
            "Proposal opened for partners",
            "Invitation accepted",
            "Proposal submitted for review",
            "Changes requested",
            "Proposal approved",
        ]
    ]
    assert positions == sorted(positions)  # in the order of the events
    assert outbox[0].to == [rows[0].notification.recipient.email]
    assert _states(rows) == [DeliveryState.SENT] * 5
    message_ids = set(EmailDelivery.objects.values_list("message_id", flat=True))
    assert message_ids == {outbox[0].extra_headers["Message-ID"]}


def test_send_instant_takes_later_changes_with_the_first_due_one(outbox):
    rows = _deliveries(2)
    EmailDelivery.objects.filter(pk=rows[1].pk).update(due_at=timezone.now() + timedelta(minutes=2))

    _send(rows)

    assert len(outbox) == 1
    assert _states(rows) == [DeliveryState.SENT, DeliveryState.SENT]


def test_send_instant_waits_until_the_first_delivery_is_due(outbox):
    rows = _deliveries(1)
    EmailDelivery.objects.filter(pk=rows[0].pk).update(due_at=timezone.now() + timedelta(minutes=2))

    result = _send(rows)

    assert (result.sent, outbox, _states(rows)) == (0, [], [DeliveryState.PENDING])


def test_send_instant_leaves_out_what_was_read_in_app(outbox):
    rows = _deliveries(3)
    rows[1].notification.read_at = timezone.now()
    rows[1].notification.save()

    _send(rows)

    assert len(outbox) == 1
    assert outbox[0].body.count("http://127.0.0.1:8000/proposals/") == 3  # heading + 2 items
    assert _states(rows) == [DeliveryState.SENT, DeliveryState.SKIPPED, DeliveryState.SENT]


def test_send_instant_sends_nothing_when_everything_was_read_in_app(outbox):
    rows = _deliveries(2)
    for row in rows:
        row.notification.read_at = timezone.now()
        row.notification.save()

    result = _send(rows)

    assert (result.sent, outbox) == (0, [])
    assert _states(rows) == [DeliveryState.SKIPPED, DeliveryState.SKIPPED]


def test_send_instant_run_twice_sends_once(outbox):
    rows = _deliveries(2)

    first, second = _send(rows), _send(rows)

    assert (first.sent, second.sent, len(outbox)) == (1, 0, 1)


def test_send_instant_leaves_a_proposal_another_worker_is_sending(outbox):
    rows = _deliveries(2)
    EmailDelivery.objects.filter(pk=rows[0].pk).update(
        state=DeliveryState.SENDING, claimed_at=timezone.now()
    )

    result = _send(rows)

    assert (result.sent, outbox) == (0, [])
    assert _states(rows) == [DeliveryState.SENDING, DeliveryState.PENDING]


def test_send_instant_takes_over_rows_whose_worker_died_past_the_lease(outbox, settings):
    rows = _deliveries(1)
    EmailDelivery.objects.filter(pk=rows[0].pk).update(
        state=DeliveryState.SENDING,
        claimed_at=timezone.now() - timedelta(seconds=settings.NOTIFICATIONS_SENDING_LEASE + 1),
        attempts=1,
    )

    _send(rows)

    rows[0].refresh_from_db()
    assert (len(outbox), rows[0].state, rows[0].attempts) == (1, DeliveryState.SENT, 2)


@pytest.mark.django_db(transaction=True)
def test_send_instant_commits_the_claim_before_talking_to_smtp(settings, outbox):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.WatchingBackend"}}
    WatchingBackend.seen = []
    rows = _deliveries(1)

    _send(rows)

    assert WatchingBackend.seen == [(DeliveryState.SENDING, 1)]


def test_send_instant_sends_separately_per_proposal_and_person(outbox):
    one, other = _deliveries(1), _deliveries(1)

    _send(one)
    _send(other)

    assert [m.to for m in outbox] == [
        [one[0].notification.recipient.email],
        [other[0].notification.recipient.email],
    ]


def test_send_instant_retries_with_backoff_while_smtp_refuses_then_delivers(refusing_smtp):
    refusing_smtp.refusals = 2
    with time_machine.travel(T0, tick=False) as clock:
        rows = _deliveries(2)

        first = _send(rows)
        row = EmailDelivery.objects.get(pk=rows[0].pk)
        assert (first.retry_in, row.state, row.attempts) == (60, DeliveryState.PENDING, 1)
        assert row.due_at == T0 + timedelta(seconds=60)
        assert row.last_error == "SMTPDataError: (451, b'Try again later')"
        assert _send(rows).retry_in is None  # not due yet: nothing tried

        clock.shift(60)
        second = _send(rows)
        clock.shift(second.retry_in)
        third = _send(rows)

    rows[0].refresh_from_db()
    assert (second.retry_in, third.sent, len(mail.outbox)) == (120, 1, 1)
    assert (rows[0].state, rows[0].attempts, rows[0].last_error) == (DeliveryState.SENT, 3, "")


def test_send_instant_fails_after_the_last_attempt(refusing_smtp):
    refusing_smtp.refusals = 10
    with time_machine.travel(T0, tick=False) as clock:
        rows = _deliveries(2)
        results = []
        for _ in range(3):
            results.append(_send(rows))
            clock.shift(600)

    assert [r.retry_in for r in results] == [60, 120, None]
    assert list(EmailDelivery.objects.values_list("state", "attempts")) == [
        (DeliveryState.FAILED, 3),
        (DeliveryState.FAILED, 3),
    ]
    assert mail.outbox == []


def test_send_instant_keeps_later_changes_behind_an_earlier_one_waiting_for_a_retry(outbox):
    rows = _deliveries(2)
    EmailDelivery.objects.filter(pk=rows[0].pk).update(
        attempts=1, due_at=timezone.now() + timedelta(minutes=1)
    )

    result = _send(rows)

    assert (result.sent, outbox) == (0, [])  # never "approved" before "submitted"


def test_retry_delays_double_and_stay_below_the_visibility_timeout(settings):
    delays = [retry_delay(attempt) for attempt in range(1, settings.EMAIL_ATTEMPTS + 3)]

    assert delays == [60, 120, 240, 480, 960, 1200, 1200, 1200]
    assert max(delays) < settings.BROKER_VISIBILITY_TIMEOUT
