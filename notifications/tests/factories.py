from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from core.models import OutboxEvent
from members.tests.factories import UserFactory
from notifications.enums import DeliveryState, Frequency, NotificationKind, RecipientRole
from notifications.models import EmailDelivery, Notification
from projects.enums import EventKind
from projects.tests.factories import ProposalFactory


class OutboxEventFactory(factory.django.DjangoModelFactory):
    """A stage change of a proposal, written directly: no receiver runs, tests make the
    notifications themselves."""

    class Meta:
        model = OutboxEvent

    kind = EventKind.STAGE_CHANGED
    subject = factory.SubFactory(ProposalFactory)
    actor = factory.SubFactory(UserFactory)
    payload = factory.Dict({"from_stage": "review", "to_stage": "approved"})


class NotificationFactory(factory.django.DjangoModelFactory):
    """A person told of an event about a proposal; pass ``proposal`` to share one."""

    class Meta:
        model = Notification

    proposal = factory.SubFactory(ProposalFactory)
    event = factory.SubFactory(OutboxEventFactory, subject=factory.SelfAttribute("..proposal"))
    recipient = factory.SubFactory(UserFactory)
    kind = NotificationKind.PROPOSAL_APPROVED
    role = RecipientRole.LEAD
    url = factory.LazyAttribute(lambda o: o.proposal.get_absolute_url() if o.proposal else "/")


class EmailDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailDelivery

    notification = factory.SubFactory(NotificationFactory)
    frequency = Frequency.INSTANT
    state = DeliveryState.PENDING
    due_at = factory.LazyFunction(lambda: timezone.now() - timedelta(seconds=1))
