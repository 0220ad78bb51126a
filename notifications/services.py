"""Every change to notifications and email preferences goes through these functions.

An event is dispatched in the transaction that writes it: ``core.outbox.event_record`` sends
``event_recorded``, whose receiver calls ``event_dispatch``, which records the event's
notifications and email deliveries (``notifications_record``) and marks the event dispatched,
all before the change commits. So the people told are those who could see the proposal when
it happened, and a broker outage loses nothing: once the change is committed its deliveries
are in the database, and the instant ones are sent by a task enqueued on commit (or, when
the broker refused it, by the deliveries' sweeper). Should recording fail, the change still
commits: the event stays pending with the error and ``outbox_sweep`` tries again on beat,
up to ``settings.OUTBOX_MAX_ATTEMPTS`` times, then marks it failed.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time, timedelta

import rules
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import DomainError, NotPermitted
from core.models import EventState, OutboxEvent
from core.queue import enqueue
from members.enums import DEFAULT_TIME_ZONE
from members.models import User
from notifications.audience import MATRIX_CELLS, audience_resolve
from notifications.enums import CATEGORY_OF, DEFAULT_FREQUENCY, Category, Frequency
from notifications.models import EmailDelivery, Notification, Preference, RoleSetting
from notifications.selectors import UNREAD_CACHE
from projects.models import Proposal

logger = logging.getLogger(__name__)

# Digests arrive at this hour in the recipient's time zone; weekly ones on Mondays.
DIGEST_TIME = time(7, 0)
SEND_INSTANT_TASK = "notifications.tasks.task_send_instant"
# Events taken per query while sweeping; the sweep goes on until the backlog is through.
SWEEP_BATCH = 500


# Delivery times --------------------------------------------------------------------------


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(DEFAULT_TIME_ZONE)


def delivery_due_at(*, frequency: str, time_zone: str, now: datetime) -> datetime | None:
    """When the email about a notification falls due (UTC); None when the person wants none.

    Instant: after the merge delay, so that changes in a row make one email. Daily: the next
    07:00 in the person's time zone; weekly: the next Monday 07:00 there ("next" is strictly
    after ``now``; a zone's clock change is the zone's business, so 07:00 stays 07:00).
    """
    if frequency == Frequency.OFF:
        return None
    if frequency == Frequency.INSTANT:
        return now + timedelta(seconds=settings.NOTIFICATIONS_MERGE_DELAY)
    zone = _zone(time_zone)
    day = now.astimezone(zone).date()
    step = timedelta(days=1)
    if frequency == Frequency.WEEKLY:
        day += timedelta(days=-day.weekday() % 7)  # Monday: today; else the coming one
        step = timedelta(days=7)
    due = datetime.combine(day, DIGEST_TIME, tzinfo=zone)
    if due <= now:
        due = datetime.combine(day + step, DIGEST_TIME, tzinfo=zone)
    return due.astimezone(UTC)


# Recording -------------------------------------------------------------------------------


def notifications_record(*, event: OutboxEvent) -> list[EmailDelivery]:
    """Record the event's in-app notifications and their email deliveries; idempotent.

    Each person's email frequency is their preference for the kind's category, else the
    default; "off" makes no delivery. Recording an event again adds only what is missing
    (one notification per event and person, one delivery per notification).
    """
    entries = audience_resolve(event=event)
    if not entries:
        return []
    Notification.objects.bulk_create(
        [
            Notification(
                event=event,
                recipient=entry.user,
                kind=entry.kind,
                role=entry.role,
                action_required=entry.action_required,
                proposal_id=entry.proposal_id,
                institution_id=entry.institution_id,
                url=entry.url,
            )
            for entry in entries
        ],
        ignore_conflicts=True,
    )
    people = {entry.user.pk: entry.user for entry in entries}
    chosen = {
        (user_id, category): frequency
        for user_id, category, frequency in Preference.objects.filter(
            user_id__in=list(people)
        ).values_list("user_id", "category", "frequency")
    }
    now = timezone.now()
    deliveries = []
    for notification in Notification.objects.filter(event=event, email__isnull=True):
        person = people.get(notification.recipient_id)
        if person is None:  # told by an earlier recording, no longer in the audience
            continue
        category = CATEGORY_OF[notification.kind]
        frequency = chosen.get((person.pk, category), DEFAULT_FREQUENCY[category])
        due_at = delivery_due_at(frequency=frequency, time_zone=person.time_zone, now=now)
        if due_at is not None:
            deliveries.append(
                EmailDelivery(notification=notification, frequency=frequency, due_at=due_at)
            )
    EmailDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    return deliveries


def event_dispatch(*, event: OutboxEvent) -> bool:
    """Record who hears of a pending event and mark it dispatched; False when that failed.

    Runs inside the caller's transaction (the change's own, or the sweeper's), in a savepoint:
    a failure is logged and counted on the event, never raised, so that the change it reports
    still commits. Once committed, the instant emails are enqueued, one task per person and
    proposal, to run when the merge delay is over.
    """
    try:
        with transaction.atomic():
            deliveries = notifications_record(event=event)
            OutboxEvent.objects.filter(pk=event.pk).update(
                state=EventState.DISPATCHED,
                dispatched_at=timezone.now(),
                attempts=event.attempts + 1,
                last_error="",
            )
    except Exception as error:
        logger.exception("Could not record the notifications of outbox event %s", event.pk)
        attempts = event.attempts + 1
        failed = attempts >= settings.OUTBOX_MAX_ATTEMPTS
        OutboxEvent.objects.filter(pk=event.pk).update(
            attempts=attempts,
            last_error=f"{type(error).__name__}: {error}",
            state=EventState.FAILED if failed else EventState.PENDING,
        )
        return False
    instant = sorted(
        {
            (delivery.notification.recipient_id, delivery.notification.proposal_id)
            for delivery in deliveries
            if delivery.frequency == Frequency.INSTANT
        },
        key=lambda pair: (pair[0], pair[1] or 0),
    )
    if instant:
        delay = settings.NOTIFICATIONS_MERGE_DELAY
        transaction.on_commit(lambda: _send_instant(instant, countdown=delay))
    return True


def _send_instant(pairs: Iterable[tuple[int, int | None]], *, countdown: float) -> None:
    for recipient_id, proposal_id in pairs:
        enqueue(
            SEND_INSTANT_TASK,
            countdown=countdown,
            recipient_id=recipient_id,
            proposal_id=proposal_id,
        )


def outbox_sweep(*, before: datetime) -> int:
    """Dispatch every event written before ``before`` and still pending; the number dispatched.

    The whole backlog, a batch at a time in the order the events were written, each in its
    own transaction and skipped when another sweep holds it. One attempt per event per sweep.
    """
    dispatched, last_pk = 0, 0
    while True:
        batch = list(
            OutboxEvent.objects.pending()
            .filter(created_at__lt=before, pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        if not batch:
            return dispatched
        for pk in batch:
            with transaction.atomic():
                event = (
                    OutboxEvent.objects.select_for_update(skip_locked=True)
                    .filter(pk=pk, state=EventState.PENDING)
                    .first()
                )
                if event is not None and event_dispatch(event=event):
                    dispatched += 1
        last_pk = batch[-1]


# Read state -------------------------------------------------------------------------------


def _forget_unread_count(user) -> None:
    # The count kept for this request is stale now; the bell in the response must be right.
    user.__dict__.pop(UNREAD_CACHE, None)


def notification_mark_read(*, notification: Notification, user) -> bool:
    """Mark one of the user's notifications read; True when it was unread until now."""
    if not rules.has_perm("notifications.read_notification", user, notification):
        raise NotPermitted(_("This is somebody else's notification."))
    now = timezone.now()
    # Conditional, so that two tabs marking at once keep the first time it was read.
    changed = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=now
    )
    if changed:
        notification.read_at = now
        _forget_unread_count(user)
    return bool(changed)


def notifications_mark_all_read(
    *, user, proposal: Proposal | None = None, kind: str | None = None
) -> int:
    """Mark the user's unread notifications read: all, or those about a proposal, of a kind."""
    unread = Notification.objects.for_user(user).unread()
    if proposal is not None:
        unread = unread.filter(proposal=proposal)
    if kind:
        unread = unread.filter(kind=kind)
    changed = unread.update(read_at=timezone.now())
    _forget_unread_count(user)
    return changed


# Email preferences ------------------------------------------------------------------------


def preferences_update(*, user: User, choices: Mapping[str, str]) -> None:
    """Set the user's email frequency per category.

    Only categories whose frequency changes get a row, so that a category the person never
    touched keeps following the default.
    """
    unknown = set(choices) - set(Category.values)
    if unknown:
        raise DomainError(_("Unknown category: %(name)s.") % {"name": ", ".join(sorted(unknown))})
    if any(frequency not in Frequency.values for frequency in choices.values()):
        raise DomainError(_("Choose at once, a daily or weekly digest, or off."))
    with transaction.atomic():
        chosen = dict(
            Preference.objects.select_for_update()
            .filter(user=user)
            .values_list("category", "frequency")
        )
        for category, frequency in choices.items():
            if frequency == chosen.get(category, DEFAULT_FREQUENCY[category]):
                continue
            Preference.objects.update_or_create(
                user=user, category=category, defaults={"frequency": frequency}
            )


# The coordinators' matrix ----------------------------------------------------------------


@transaction.atomic
def role_settings_update(*, actor: User, enabled_cells: Iterable[tuple[str, str]]) -> None:
    """Switch every cell of the matrix on when it is in ``enabled_cells``, off otherwise."""
    if not rules.has_perm("notifications.manage_matrix", actor):
        raise NotPermitted(_("Only coordinators change who is told of what."))
    enabled = {(str(kind), str(role)) for kind, role in enabled_cells}
    unknown = enabled - MATRIX_CELLS
    if unknown:
        raise DomainError(
            _("Nobody can be told of these: %(cells)s.")
            % {"cells": ", ".join(f"{kind} / {role}" for kind, role in sorted(unknown))}
        )
    RoleSetting.objects.bulk_create(
        [
            RoleSetting(kind=kind, role=role, enabled=(kind, role) in enabled)
            for kind, role in sorted(MATRIX_CELLS)
        ],
        update_conflicts=True,
        unique_fields=["kind", "role"],
        update_fields=["enabled", "updated_at"],
    )
