"""With the real parts: a Celery worker on Redis sends to an SMTP server on loopback."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import resolve

from members.tests.factories import UserFactory
from notifications.enums import Category, DeliveryState, NotificationKind
from notifications.models import EmailDelivery
from notifications.tasks import task_send_instant
from notifications.tests.factories import EmailDeliveryFactory
from notifications.unsubscribe import unsubscribe_read
from projects.enums import Stage
from projects.tests.factories import ProposalFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.usefixtures("celery_worker")]


def _wait_for(read: Callable[[], Any], *, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := read()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


@pytest.fixture
def quick_retries(settings):
    """Seconds instead of minutes between tries, so a test sees the whole round."""
    settings.EMAIL_ATTEMPTS = 3
    settings.EMAIL_RETRY_DELAY = 0.5
    settings.EMAIL_RETRY_MAX_DELAY = 1


def _send(delivery: EmailDelivery) -> None:
    task_send_instant.delay(
        recipient_id=delivery.notification.recipient_id,
        proposal_id=delivery.notification.proposal_id,
    )


def _state(delivery: EmailDelivery, state: str) -> EmailDelivery | None:
    delivery.refresh_from_db()
    return delivery if delivery.state == state else None


def test_delivery_arrives_by_smtp_in_the_readers_language_with_unsubscribe_headers(
    smtp_server, settings
):
    settings.SITE_URL = "https://hub.alliance.example"
    reader = UserFactory(email="lena.maier@tum.de", display_name="Lena Maier", language="de")
    proposal = ProposalFactory(title="Open robot model", stage=Stage.REVIEW)
    delivery = EmailDeliveryFactory(
        notification__recipient=reader,
        notification__proposal=proposal,
        notification__kind=NotificationKind.REVIEWER_ASSIGNED,
        notification__action_required=True,
    )

    _send(delivery)

    [message] = smtp_server.wait_for(1)
    assert smtp_server.envelopes == [("hub@alliance.example", ["lena.maier@tum.de"])]
    assert message["To"] == "lena.maier@tum.de"
    assert message["Subject"].startswith("Handlung erforderlich: Open robot model (")
    text = message.get_body(("plain",)).get_content()
    assert text.splitlines()[0] == "Hallo Lena Maier,"
    unsubscribe = message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = urlsplit(unsubscribe.strip("<>"))
    assert (url.scheme, url.netloc) == ("https", "hub.alliance.example")
    assert unsubscribe_read(resolve(url.path).kwargs["token"]) == (reader, [Category.REVIEWING])
    sent = _wait_for(lambda: _state(delivery, DeliveryState.SENT))
    assert sent is not None, "the delivery was not marked sent"
    assert (sent.attempts, sent.message_id) == (1, message["Message-ID"])


def test_delivery_is_retried_while_smtp_refuses_then_delivered_once(smtp_server, quick_retries):
    smtp_server.refusals = 2
    delivery = EmailDeliveryFactory()

    _send(delivery)

    sent = _wait_for(lambda: _state(delivery, DeliveryState.SENT))
    assert sent is not None, "the delivery was not sent after the refusals"
    assert (smtp_server.refused, len(smtp_server.received), sent.attempts) == (2, 1, 3)


def test_delivery_refused_past_the_last_try_fails_and_says_why(smtp_server, quick_retries):
    smtp_server.refusals = 100
    delivery = EmailDeliveryFactory()

    _send(delivery)

    failed = _wait_for(lambda: _state(delivery, DeliveryState.FAILED))
    assert failed is not None, "the delivery did not fail after its last try"
    assert (smtp_server.refused, smtp_server.received, failed.attempts) == (3, [], 3)
    assert failed.last_error == "SMTPDataError: (451, b'4.3.0 Try again later')"
