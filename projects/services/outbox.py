"""The outbox: domain events written with the change, dispatched once it commits."""

import logging

from django.db import transaction

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

logger = logging.getLogger(__name__)


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
    from projects.tasks import task_dispatch_event

    try:
        task_dispatch_event.delay(event_id=event_id)
    except Exception:
        logger.warning(
            "Could not enqueue event %s; the sweeper will retry", event_id, exc_info=True
        )
