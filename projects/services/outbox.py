"""The outbox: domain events written with the change, dispatched once it commits."""

from django.db import transaction

from core.queue import enqueue
from members.models import (
    User,
)
from projects.enums import (
    EventKind,
)
from projects.models import (
    NotificationEvent,
    Proposal,
)

# Outbox ---------------------------------------------------------------------------------


def event_record(
    *, kind: EventKind, actor: User | None, proposal: Proposal | None = None, **payload
) -> NotificationEvent:
    """Write a domain event in the current transaction; dispatch it once that commits."""
    event = NotificationEvent.objects.create(
        kind=kind, proposal=proposal, actor=actor, payload=payload
    )
    transaction.on_commit(lambda: event_enqueue(event_id=event.pk))
    return event


def event_enqueue(*, event_id: int) -> None:
    """Hand the event to Celery; a broker outage only delays it (the sweeper retries)."""
    # By name: the task module sits above the services that record events.
    enqueue("projects.tasks.task_dispatch_event", event_id=event_id)
