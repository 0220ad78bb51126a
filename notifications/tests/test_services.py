from datetime import timedelta

import pytest
from django.utils import timezone

from core.exceptions import DomainError, NotPermitted
from members.tests.factories import UserFactory
from notifications.enums import Category, Frequency, NotificationKind
from notifications.models import Notification, Preference
from notifications.selectors import preferences_of, unread_count
from notifications.services import (
    notification_mark_read,
    notifications_mark_all_read,
    preferences_update,
)
from notifications.tests.factories import NotificationFactory
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


def test_notification_mark_read_sets_the_time_once():
    notification = NotificationFactory()
    earlier = timezone.now() - timedelta(hours=1)

    first = notification_mark_read(notification=notification, user=notification.recipient)
    Notification.objects.filter(pk=notification.pk).update(read_at=earlier)
    second = notification_mark_read(notification=notification, user=notification.recipient)

    notification.refresh_from_db()
    assert (first, second, notification.read_at) == (True, False, earlier)


def test_notification_mark_read_refuses_someone_elses():
    notification = NotificationFactory()

    with pytest.raises(NotPermitted):
        notification_mark_read(notification=notification, user=UserFactory())

    notification.refresh_from_db()
    assert notification.read_at is None


def test_notification_mark_read_forgets_the_count_kept_for_the_request():
    notification = NotificationFactory()
    user = notification.recipient
    assert unread_count(user=user) == 1

    notification_mark_read(notification=notification, user=user)

    assert unread_count(user=user) == 0


def test_notifications_mark_all_read_marks_only_the_users_own():
    user, other = UserFactory(), UserFactory()
    mine = NotificationFactory.create_batch(3, recipient=user)
    theirs = NotificationFactory(recipient=other)

    changed = notifications_mark_all_read(user=user)

    assert changed == 3
    assert Notification.objects.filter(pk__in=[n.pk for n in mine], read_at=None).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notifications_mark_all_read_about_one_proposal_and_kind():
    user = UserFactory()
    proposal, other_proposal = ProposalFactory(), ProposalFactory()
    NotificationFactory(recipient=user, proposal=proposal)
    NotificationFactory(recipient=user, proposal=proposal, kind=NotificationKind.MILESTONE_ADDED)
    elsewhere = NotificationFactory(recipient=user, proposal=other_proposal)

    by_kind = notifications_mark_all_read(
        user=user, proposal=proposal, kind=NotificationKind.MILESTONE_ADDED
    )
    by_proposal = notifications_mark_all_read(user=user, proposal=proposal)

    unread = set(Notification.objects.filter(recipient=user, read_at=None))
    assert (by_kind, by_proposal, unread) == (1, 1, {elsewhere})


def test_preferences_update_writes_only_what_differs_from_the_default():
    user = UserFactory()

    preferences_update(
        user=user,
        choices={
            Category.MY_PROPOSALS: Frequency.INSTANT,  # the default: no row
            Category.PARTNERING: Frequency.DAILY,
            Category.REMINDERS: Frequency.OFF,
        },
    )

    rows = set(Preference.objects.filter(user=user).values_list("category", "frequency"))
    assert rows == {(Category.PARTNERING, Frequency.DAILY), (Category.REMINDERS, Frequency.OFF)}


def test_preferences_update_keeps_a_chosen_row_when_set_back_to_the_default():
    user = UserFactory()
    Preference.objects.create(user=user, category=Category.REVIEWING, frequency=Frequency.WEEKLY)

    preferences_update(user=user, choices={Category.REVIEWING: Frequency.INSTANT})

    assert list(Preference.objects.filter(user=user).values_list("category", "frequency")) == [
        (Category.REVIEWING, Frequency.INSTANT)
    ]


@pytest.mark.parametrize(
    "choices",
    [{"gossip": Frequency.DAILY}, {Category.REVIEWING: "hourly"}],
    ids=["unknown category", "unknown frequency"],
)
def test_preferences_update_refuses_unknown_values_and_changes_nothing(choices):
    user = UserFactory()

    with pytest.raises(DomainError):
        preferences_update(user=user, choices=choices)

    assert Preference.objects.filter(user=user).count() == 0


def test_preferences_of_shows_the_default_where_the_user_chose_none():
    user = UserFactory()
    Preference.objects.create(user=user, category=Category.PARTNERING, frequency=Frequency.WEEKLY)

    rows = {p.category: (p.frequency, p.is_default) for p in preferences_of(user=user)}

    assert rows == {
        Category.MY_PROPOSALS: (Frequency.INSTANT, True),
        Category.PARTNERING: (Frequency.WEEKLY, False),
        Category.REVIEWING: (Frequency.INSTANT, True),
        Category.COORDINATION: (Frequency.INSTANT, True),
        Category.REMINDERS: (Frequency.INSTANT, True),
    }
