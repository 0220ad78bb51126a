"""The outbox in the admin: failed events are seen, with their error, and can be tried again."""

import pytest
from django.urls import reverse

from core.models import EventState, OutboxEvent
from members.tests.factories import UserFactory
from projects.enums import EventKind
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


def _event(proposal, state: EventState) -> OutboxEvent:
    return OutboxEvent.objects.create(
        kind=EventKind.STAGE_CHANGED,
        subject=proposal,
        actor=None,
        state=state,
        attempts=5,
        last_error="RuntimeError: broken",
    )


def test_outbox_admin_puts_failed_events_back_for_the_sweeper(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    proposal = ProposalFactory()
    failed, dispatched = (
        _event(proposal, EventState.FAILED),
        _event(proposal, EventState.DISPATCHED),
    )
    url = reverse("admin:core_outboxevent_changelist")

    listed = client.get(url, {"state__exact": "failed"})
    client.post(
        url, {"action": "retry", "_selected_action": [failed.pk, dispatched.pk]}, follow=True
    )

    assert list(listed.context["cl"].result_list) == [failed]
    assert list(OutboxEvent.objects.order_by("pk").values_list("state", "attempts")) == [
        (EventState.PENDING, 0),
        (EventState.DISPATCHED, 5),
    ]


def test_outbox_admin_shows_an_event_with_its_error(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    event = _event(ProposalFactory(), EventState.FAILED)

    page = client.get(reverse("admin:core_outboxevent_change", args=[event.pk]))

    assert "RuntimeError: broken" in page.content.decode()
