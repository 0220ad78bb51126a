"""From a page to the rows that tell people: the whole path in one request."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from core.models import EventState, OutboxEvent
from members.tests.factories import InstitutionFactory, MembershipFactory
from notifications.enums import DeliveryState, Frequency, NotificationKind, RecipientRole
from notifications.models import EmailDelivery, Notification
from projects.enums import Stage
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
def test_invitation_made_on_the_page_tells_the_invitee_in_app_and_by_email(
    client, django_capture_on_commit_callbacks, settings
):
    settings.NOTIFICATIONS_MERGE_DELAY = 120
    proposal = ProposalFactory(stage=Stage.DEFINE)
    partner_institution = InstitutionFactory(name="ETH Zürich")
    invitee = MembershipFactory(institution=partner_institution).person
    client.force_login(proposal.lead)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("projects:participation_invite", args=[proposal.slug]),
            {
                "institution": partner_institution.pk,
                "person": invitee.pk,
                "message": "Your robots would help.",
            },
        )

    assert response.url == proposal.get_absolute_url() + "#consortium"
    event = OutboxEvent.objects.about(proposal).get()
    assert event.state == EventState.DISPATCHED
    notification = Notification.objects.get()
    assert (
        notification.event,
        notification.recipient,
        notification.kind,
        notification.role,
        notification.action_required,
        notification.proposal,
        notification.institution,
        notification.url,
        notification.read_at,
    ) == (
        event,
        invitee,
        NotificationKind.INVITATION_SENT,
        RecipientRole.INVITEE,
        True,
        proposal,
        partner_institution,
        "/partnering/",
        None,
    )
    delivery = EmailDelivery.objects.get()
    assert (delivery.notification, delivery.frequency, delivery.state, delivery.due_at) == (
        notification,
        Frequency.INSTANT,
        DeliveryState.PENDING,
        NOW + timedelta(seconds=120),
    )
