"""One-click unsubscribe: a signed link; POST switches off at once, GET asks first."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from members.tests.factories import UserFactory
from notifications.enums import Category, DeliveryState, Frequency, NotificationKind
from notifications.models import EmailDelivery, Preference
from notifications.tests.factories import EmailDeliveryFactory
from notifications.unsubscribe import (
    UnsubscribeLinkExpired,
    UnsubscribeLinkInvalid,
    unsubscribe_read,
    unsubscribe_token,
)

pytestmark = pytest.mark.django_db


def _url(token: str) -> str:
    return reverse("notifications:unsubscribe", kwargs={"token": token})


def _preferences(user) -> dict[str, str]:
    return dict(Preference.objects.filter(user=user).values_list("category", "frequency"))


@pytest.fixture
def mail_client():
    """A mail client: no session, no CSRF cookie, and CSRF checks on as in production."""
    return Client(enforce_csrf_checks=True)


def test_unsubscribe_token_names_the_person_and_categories():
    person = UserFactory()

    token = unsubscribe_token(user=person, categories=[Category.REVIEWING])

    assert unsubscribe_read(token) == (person, [Category.REVIEWING])


def test_unsubscribe_token_refuses_a_forged_token():
    person = UserFactory()
    token = unsubscribe_token(user=person, categories=[Category.REVIEWING])
    forged = signing.dumps({"u": person.pk, "c": ["reviewing"]}, salt="another-salt")

    with pytest.raises(UnsubscribeLinkInvalid):
        unsubscribe_read(forged)
    with pytest.raises(UnsubscribeLinkInvalid):
        unsubscribe_read(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))


def test_unsubscribe_token_expires_after_the_max_age(settings):
    person = UserFactory()
    token = unsubscribe_token(user=person, categories=[Category.REVIEWING])

    with (
        time_machine.travel(
            timezone.now() + timedelta(seconds=settings.NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE + 1)
        ),
        pytest.raises(UnsubscribeLinkExpired),
    ):
        unsubscribe_read(token)


def test_unsubscribe_post_switches_the_category_off_at_once_without_login(mail_client):
    reviewing = EmailDeliveryFactory(notification__kind=NotificationKind.REVIEWER_ASSIGNED)
    person = reviewing.notification.recipient
    partnering = EmailDeliveryFactory(
        notification__recipient=person, notification__kind=NotificationKind.INVITATION_SENT
    )
    token = unsubscribe_token(user=person, categories=[Category.REVIEWING])

    response = mail_client.post(_url(token), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert response.context["done"] is True
    assert _preferences(person) == {Category.REVIEWING: Frequency.OFF}
    states = dict(EmailDelivery.objects.values_list("pk", "state"))
    assert states == {reviewing.pk: DeliveryState.SKIPPED, partnering.pk: DeliveryState.PENDING}


def test_unsubscribe_get_asks_to_confirm_and_changes_nothing(client):
    person = UserFactory()
    token = unsubscribe_token(user=person, categories=[Category.PARTNERING, Category.REVIEWING])

    response = client.get(_url(token))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Stop emails about: Partnering, Reviewing?" in page
    assert f'<form method="post" action="{_url(token)}">' in page
    assert _preferences(person) == {}


def test_unsubscribe_page_is_in_the_persons_language(client):
    person = UserFactory(language="de")
    token = unsubscribe_token(user=person, categories=[Category.REVIEWING])

    response = client.post(_url(token))

    assert "Sie erhalten keine E-Mails mehr zu:" in response.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_unsubscribe_with_a_forged_token_says_so_and_changes_nothing(mail_client, method):
    person = UserFactory()
    forged = signing.dumps({"u": person.pk, "c": ["reviewing"]}, salt="not-ours")

    response = getattr(mail_client, method)(_url(forged))

    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in response.content.decode()
    assert _preferences(person) == {}


def test_unsubscribe_with_an_expired_token_says_so_and_changes_nothing(mail_client, settings):
    person = UserFactory()
    token = unsubscribe_token(user=person, categories=[Category.REVIEWING])

    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE + 1)
    ):
        response = mail_client.post(_url(token))

    assert response.status_code == 400
    assert "This unsubscribe link has expired. Nothing was changed." in response.content.decode()
    assert _preferences(person) == {}


def test_unsubscribe_answers_only_get_and_post(mail_client):
    person = UserFactory()
    token = unsubscribe_token(user=person, categories=[Category.REVIEWING])

    response = mail_client.put(_url(token))

    assert (response.status_code, _preferences(person)) == (405, {})
