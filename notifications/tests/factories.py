from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from core.models import OutboxEvent
from members.tests.factories import UserFactory
from notifications.enums import Frequency, NotificationKind, RecipientRole
from notifications.models import EmailDelivery, Notification
from projects.enums import EventKind
from projects.tests.factories import ProposalFactory


class OutboxEventFactory(factory.django.DjangoModelFactory):
    """An event written directly (no receiver runs: tests make the notifications themselves)."""

    class Meta:
        model = OutboxEvent

    kind = EventKind.STAGE_CHANGED
    subject = factory.SubFactory(ProposalFactory)
    actor = factory.SubFactory(UserFactory)
    payload = factory.LazyFunction(dict)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    proposal = factory.SubFactory(ProposalFactory)
    event = factory.SubFactory(OutboxEventFactory, subject=factory.SelfAttribute("..proposal"))
    recipient = factory.SubFactory(UserFactory)
    kind = NotificationKind.PROPOSAL_SUBMITTED
    role = RecipientRole.PARTNER
    url = factory.LazyAttribute(lambda o: o.proposal.get_absolute_url() if o.proposal else "/")


class EmailDeliveryFactory(factory.django.DjangoModelFactory):
    """An instant email that is due now."""

    class Meta:
        model = EmailDelivery

    notification = factory.SubFactory(NotificationFactory)
    frequency = Frequency.INSTANT
    due_at = factory.LazyFunction(lambda: timezone.now() - timedelta(seconds=1))
