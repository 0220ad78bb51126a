"""The backend reads with the user what every signed-in page asks: coordinator and unread count."""

import pytest
from django.utils import timezone

from alliance.auth import SiteBackend
from members.tests.factories import CoordinatorFactory, UserFactory
from notifications.selectors import unread_count
from notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def test_backend_reads_the_unread_count_and_the_coordinator_check_with_the_user(
    django_assert_num_queries,
):
    person, coordinator = UserFactory(), CoordinatorFactory()
    NotificationFactory.create_batch(3, recipient=person)
    NotificationFactory(recipient=person, read_at=timezone.now())
    NotificationFactory(recipient=coordinator)

    with django_assert_num_queries(2):
        loaded = SiteBackend().get_user(person.pk)
        loaded_coordinator = SiteBackend().get_user(coordinator.pk)
        answers = (
            unread_count(user=loaded),
            loaded.is_coordinator,
            unread_count(user=loaded_coordinator),
            loaded_coordinator.is_coordinator,
        )

    assert answers == (3, False, 1, True)


def test_backend_refuses_an_inactive_user():
    person = UserFactory(is_active=False)

    assert SiteBackend().get_user(person.pk) is None
