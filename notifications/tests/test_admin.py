"""Staff see failed emails in the admin and send them again."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from members.tests.factories import UserFactory
from notifications.enums import DeliveryState
from notifications.models import EmailDelivery
from notifications.tests.factories import EmailDeliveryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

CHANGELIST = reverse("admin:notifications_emaildelivery_changelist")


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _failed(**kwargs) -> EmailDelivery:
    return EmailDeliveryFactory(
        state=DeliveryState.FAILED,
        attempts=6,
        last_error="SMTPDataError: (451, b'Try again later')",
        **kwargs,
    )


def test_admin_lists_failed_deliveries_by_state(staff):
    failed = _failed()
    sent = EmailDeliveryFactory(state=DeliveryState.SENT)

    response = staff.get(CHANGELIST, {"state__exact": DeliveryState.FAILED})

    shown = list(response.context["cl"].result_list)
    assert shown == [failed]
    assert sent not in shown
    page = response.content.decode()
    assert failed.notification.recipient.email in page
    assert "SMTPDataError: (451, b&#x27;Try again later&#x27;)" in page


@pytest.mark.parametrize("rows", [1, 20])
def test_admin_delivery_list_queries_do_not_grow_with_rows(staff, django_assert_num_queries, rows):
    for _ in range(rows):
        _failed()

    # Session, user, count, filtered count, the page with its recipients and proposals.
    with django_assert_num_queries(6):
        staff.get(CHANGELIST)


def test_admin_resend_sends_failed_deliveries_again(staff, django_capture_on_commit_callbacks):
    mail.outbox = []
    failed = _failed()
    sent = EmailDeliveryFactory(state=DeliveryState.SENT, attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            CHANGELIST, {"action": "resend", "_selected_action": [failed.pk, sent.pk]}
        )

    failed.refresh_from_db()
    sent.refresh_from_db()
    assert response["Location"] == CHANGELIST
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "1 failed email is sent again."
    ]
    assert (failed.state, failed.attempts, failed.last_error) == (DeliveryState.SENT, 1, "")
    assert (sent.state, sent.attempts) == (DeliveryState.SENT, 1)
    assert [m.to for m in mail.outbox] == [[failed.notification.recipient.email]]
