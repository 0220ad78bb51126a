"""Query budgets: every notifications list costs the same for 1 and 50 rows.

The expected counts are exact; each test's docstring lists the queries.
"""

import pytest
from django.urls import reverse

from members.tests.factories import UserFactory
from notifications.enums import NotificationKind
from notifications.models import Notification
from notifications.tests.factories import EmailDeliveryFactory, NotificationFactory
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db

ROWS = [1, 50]
HTMX = {"HX-Request": "true"}


def _notifications(user, rows: int) -> None:
    """Notifications about a few proposals, each from a different actor, some read."""
    proposals = [ProposalFactory() for _ in range(min(rows, 3))]
    kinds = list(NotificationKind)
    for n in range(rows):
        NotificationFactory(
            recipient=user, proposal=proposals[n % len(proposals)], kind=kinds[n % len(kinds)]
        )


@pytest.mark.parametrize("rows", ROWS)
@pytest.mark.parametrize("params", [{}, {"kind": NotificationKind.AFFILIATION_REQUESTED}])
def test_notification_list_queries(client, django_assert_num_queries, rows, params):
    """Session, user (with the coordinator check and the unread count, see alliance.auth),
    proposals and kinds to filter by, count, page."""
    user = UserFactory()
    _notifications(user, rows)
    client.force_login(user)

    with django_assert_num_queries(7):
        response = client.get(reverse("notifications:list"), params)

    expected = Notification.objects.filter(recipient=user, **params).count()
    assert len(response.context["page_obj"]) == min(expected, 25)


@pytest.mark.parametrize("rows", ROWS)
def test_notification_list_htmx_queries(client, django_assert_num_queries, rows):
    """The same without the header's navigation check."""
    user = UserFactory()
    _notifications(user, rows)
    client.force_login(user)

    with django_assert_num_queries(7):
        client.get(
            reverse("notifications:list"),
            {"kind": NotificationKind.AFFILIATION_REQUESTED},
            headers=HTMX,
        )


@pytest.mark.parametrize("rows", ROWS)
def test_mark_all_read_htmx_queries(client, django_assert_num_queries, rows):
    """Session, user, the update, then the list again (without navigation) and the bell."""
    user = UserFactory()
    _notifications(user, rows)
    client.force_login(user)

    with django_assert_num_queries(8):
        client.post(reverse("notifications:mark_all_read"), headers=HTMX)


def test_badge_queries(client, django_assert_num_queries):
    """Session, user, the unread count."""
    user = UserFactory()
    _notifications(user, 5)
    client.force_login(user)

    with django_assert_num_queries(3):
        client.get(reverse("notifications:badge"), headers=HTMX)


@pytest.mark.parametrize("rows", ROWS)
def test_mail_log_queries(client, django_assert_num_queries, rows):
    """Session, user (with the coordinator check and the bell's count), proposal, count, page."""
    proposal = ProposalFactory(stage="define")
    for _ in range(rows):
        EmailDeliveryFactory(notification=NotificationFactory(proposal=proposal))
    client.force_login(proposal.lead)

    with django_assert_num_queries(6):
        response = client.get(reverse("notifications:mail_log", args=[proposal.slug]))

    assert len(response.context["page_obj"]) == min(rows, 25)
