"""Email deliveries from claim to SMTP: instant emails, digests, retries, sweeping, re-sending.

Every send claims its rows first (state "sending", committed) and only then talks to SMTP,
so a task that runs twice, or two workers at once, send an email once. What can still go
twice is the SMTP-ack window: a worker that dies after the server accepted the email and
before it marked the rows sent leaves them "sending"; after NOTIFICATIONS_SENDING_LEASE the
sweeper gives them back and they are sent again.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from core.mail import retry_delay
from core.queue import enqueue
from notifications.emails import render_email
from notifications.enums import DeliveryState, Frequency
from notifications.models import Digest, EmailDelivery

logger = logging.getLogger(__name__)

# What a refused or unreachable SMTP server raises (smtplib's errors are OSErrors too).
SMTP_ERRORS = (smtplib.SMTPException, OSError)

SEND_INSTANT = "notifications.tasks.task_send_instant"
SEND_DIGEST = "notifications.tasks.task_send_digest"

DIGEST_FREQUENCIES = (Frequency.DAILY, Frequency.WEEKLY)
# However due items fall (a time zone changed, a digest re-sent), a person gets no more.
DIGEST_GAP = timedelta(hours=20)
# A pending delivery this far past due was not picked up by its own task (the broker lost
# it, or it was never published): the sweeper sends it on its way again.
OVERDUE_AFTER = timedelta(minutes=1)
# The sweeper does not enqueue the same person and proposal again within this time, so a
# worker that is merely slow does not get a growing pile of duplicate tasks.
REENQUEUE_AFTER = 5 * 60
SWEEP_BATCH = 1000

EVENT_ORDER = ("notification__event__created_at", "notification__event_id", "pk")


@dataclass(frozen=True)
class SendResult:
    """What a send did: emails sent, and when to try again if SMTP refused."""

    sent: int = 0
    retry_in: float | None = None


def _open_rows(recipient_id: int, proposal_id: int | None):
    return EmailDelivery.objects.filter(
        notification__recipient_id=recipient_id,
        notification__proposal_id=proposal_id,
        frequency=Frequency.INSTANT,
        state__in=[DeliveryState.PENDING, DeliveryState.SENDING],
    )


def _needless(row: EmailDelivery) -> bool:
    """Read in-app already, or nobody to send it to any more."""
    recipient = row.notification.recipient
    return row.notification.read_at is not None or not (recipient.is_active and recipient.email)


def _claim(rows: list[EmailDelivery], now: datetime) -> list[EmailDelivery]:
    """Mark ``rows`` taken (needless ones skipped); return those to send. Inside the lock."""
    skipped = [row.pk for row in rows if _needless(row)]
    claimed = [row for row in rows if not _needless(row)]
    EmailDelivery.objects.filter(pk__in=skipped).update(state=DeliveryState.SKIPPED)
    for row in claimed:
        row.state, row.claimed_at, row.attempts = DeliveryState.SENDING, now, row.attempts + 1
    EmailDelivery.objects.bulk_update(claimed, ["state", "claimed_at", "attempts"])
    return claimed


def _claim_instant(recipient_id: int, proposal_id: int | None) -> list[EmailDelivery] | None:
    """Take the instant deliveries of one person about one proposal that are to go now.

    The first pending row (in event order) decides: once it is due, every pending row of
    the group goes with it, so the changes made while it waited make one email. Nothing is
    taken while another worker holds rows of the group (locked or "sending"): emails about
    a proposal leave in the order of its events; that worker takes what is due after it.
    Returns None when another worker has the group.
    """
    now = timezone.now()
    lease = now - timedelta(seconds=settings.NOTIFICATIONS_SENDING_LEASE)
    with transaction.atomic():
        rows = list(
            _open_rows(recipient_id, proposal_id)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("notification__recipient")
            .order_by(*EVENT_ORDER)
        )
        if len(rows) < _open_rows(recipient_id, proposal_id).count():
            return None  # someone else is claiming this group right now
        if any(r.state == DeliveryState.SENDING and r.claimed_at > lease for r in rows):
            return None
        if not rows or rows[0].due_at > now:
            return []
        return _claim(rows, now)


def _load(rows: list[EmailDelivery]) -> list:
    """The claimed rows' notifications with what the email shows, in event order."""
    return [
        row.notification
        for row in EmailDelivery.objects.filter(pk__in=[r.pk for r in rows])
        .select_related(
            "notification__event__actor",
            "notification__proposal",
            "notification__institution",
            "notification__recipient",
        )
        .order_by(*EVENT_ORDER)
    ]


def _send(rows: list[EmailDelivery], *, digest: str | None = None) -> tuple[bool, float | None]:
    """Render and send claimed ``rows`` as one email; on refusal give them back or fail them.

    Returns (sent, seconds until the next try or None).
    """
    notifications = _load(rows)
    recipient = notifications[0].recipient
    message = render_email(
        recipient=recipient,
        notifications=notifications,
        delivery_ids=[r.pk for r in rows],
        digest=digest,
    )
    message_id = message.extra_headers["Message-ID"]
    try:
        message.send()
    except SMTP_ERRORS as error:
        return False, _release(rows, error)
    now = timezone.now()
    with transaction.atomic():
        EmailDelivery.objects.filter(
            pk__in=[r.pk for r in rows], state=DeliveryState.SENDING
        ).update(state=DeliveryState.SENT, sent_at=now, message_id=message_id, last_error="")
        if digest is not None:
            Digest.objects.create(
                recipient=recipient,
                frequency=digest,
                items=len(rows),
                sent_at=now,
                message_id=message_id,
            )
    return True, None


def _release(rows: list[EmailDelivery], error: Exception) -> float | None:
    """Rows SMTP refused: back to pending, due after the backoff; failed after the last try."""
    now = timezone.now()
    error_text = f"{type(error).__name__}: {error}"[:2000]
    spent = [r.pk for r in rows if r.attempts >= settings.EMAIL_ATTEMPTS]
    again = [r for r in rows if r.attempts < settings.EMAIL_ATTEMPTS]
    EmailDelivery.objects.filter(pk__in=spent).update(
        state=DeliveryState.FAILED, last_error=error_text
    )
    if spent:
        logger.error("Email deliveries %s failed after the last try: %s", spent, error_text)
    if not again:
        return None
    delay = retry_delay(max(r.attempts for r in again))
    EmailDelivery.objects.filter(pk__in=[r.pk for r in again]).update(
        state=DeliveryState.PENDING, last_error=error_text, due_at=now + timedelta(seconds=delay)
    )
    logger.warning("SMTP refused deliveries %s; next try in %.0f s", [r.pk for r in again], delay)
    return delay


def deliveries_send_instant(*, recipient_id: int, proposal_id: int | None) -> SendResult:
    """Send what is due of one person's instant emails about one proposal, one email per batch.

    Goes on while more falls due (what another worker found busy is left to this one).
    """
    sent = 0
    while True:
        rows = _claim_instant(recipient_id, proposal_id)
        if not rows:
            return SendResult(sent=sent)
        delivered, retry_in = _send(rows)
        if not delivered:
            return SendResult(sent=sent, retry_in=retry_in)
        sent += 1


# Digests ---------------------------------------------------------------------------------


def _due_digest_rows(now: datetime):
    return EmailDelivery.objects.filter(
        frequency__in=DIGEST_FREQUENCIES, state=DeliveryState.PENDING, due_at__lte=now
    )


def _recent_digest(now: datetime):
    return Digest.objects.filter(
        recipient_id=OuterRef("notification__recipient_id"), sent_at__gt=now - DIGEST_GAP
    )


def digests_due(*, now: datetime | None = None) -> list[int]:
    """The people whose digest is due: due items, and no digest in the last 20 hours."""
    now = now or timezone.now()
    return list(
        _due_digest_rows(now)
        .filter(~Exists(_recent_digest(now)))
        .order_by("notification__recipient_id")
        .values_list("notification__recipient_id", flat=True)
        .distinct()
    )


def digest_send(*, recipient_id: int) -> SendResult:
    """Send ``recipient_id`` one digest of every due daily and weekly item, grouped by proposal.

    Never empty (read in-app: skipped), never within 20 hours of the last one. Items are
    taken before the send; refused, they wait for the next beat after the backoff.
    """
    now = timezone.now()
    with transaction.atomic():
        if Digest.objects.filter(recipient_id=recipient_id, sent_at__gt=now - DIGEST_GAP).exists():
            return SendResult()
        rows = list(
            _due_digest_rows(now)
            .filter(notification__recipient_id=recipient_id)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("notification__recipient")
            .order_by("notification__proposal_id", *EVENT_ORDER)
        )
        rows = _claim(rows, now)
    if not rows:
        return SendResult()
    # A daily digest on a Monday also carries the weekly items that fell due with it.
    period = (
        Frequency.WEEKLY if all(r.frequency == Frequency.WEEKLY for r in rows) else Frequency.DAILY
    )
    delivered, retry_in = _send(rows, digest=period)
    return SendResult(sent=int(delivered), retry_in=retry_in)


def digests_enqueue(*, now: datetime | None = None) -> int:
    """Start one digest task per person whose digest is due; return how many."""
    people = digests_due(now=now)
    for recipient_id in people:
        enqueue(SEND_DIGEST, recipient_id=recipient_id)
    return len(people)


# Sweeping and re-sending -----------------------------------------------------------------


def _give_back_abandoned(now: datetime) -> int:
    """Rows a dead worker left "sending" past the lease: pending again (or failed if spent)."""
    abandoned = EmailDelivery.objects.filter(
        state=DeliveryState.SENDING,
        claimed_at__lt=now - timedelta(seconds=settings.NOTIFICATIONS_SENDING_LEASE),
    )
    note = "The worker sending it stopped before it finished."
    failed = abandoned.filter(attempts__gte=settings.EMAIL_ATTEMPTS).update(
        state=DeliveryState.FAILED, last_error=note
    )
    returned = abandoned.update(state=DeliveryState.PENDING, last_error=note)
    return failed + returned


def deliveries_sweep(*, now: datetime | None = None) -> int:
    """Give back abandoned rows and re-enqueue every overdue instant group; return how many.

    The whole backlog, in batches of rows by id; each person and proposal once per sweep,
    and not again for REENQUEUE_AFTER seconds (a duplicate task would only find nothing).
    Digest rows need no task: the digest beat takes whatever is due.
    """
    now = now or timezone.now()
    _give_back_abandoned(now)
    overdue = EmailDelivery.objects.filter(
        frequency=Frequency.INSTANT,
        state=DeliveryState.PENDING,
        due_at__lt=now - OVERDUE_AFTER,
    ).order_by("pk")
    groups: set[tuple[int, int | None]] = set()
    last_pk = 0
    while True:
        batch = list(
            overdue.filter(pk__gt=last_pk).values_list(
                "pk", "notification__recipient_id", "notification__proposal_id"
            )[:SWEEP_BATCH]
        )
        if not batch:
            break
        last_pk = batch[-1][0]
        groups.update((recipient_id, proposal_id) for _, recipient_id, proposal_id in batch)
    enqueued = 0
    for recipient_id, proposal_id in sorted(groups, key=lambda g: (g[0], g[1] or 0)):
        # Fails open while the cache is down: then every sweep enqueues again, harmlessly.
        if cache.add(f"notifications:swept:{recipient_id}:{proposal_id}", 1, REENQUEUE_AFTER):
            enqueue(SEND_INSTANT, recipient_id=recipient_id, proposal_id=proposal_id)
            enqueued += 1
    return enqueued


def deliveries_resend(*, deliveries) -> int:
    """Give failed ``deliveries`` another full round of tries, now (staff, from the admin)."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            deliveries.filter(state=DeliveryState.FAILED)
            .select_for_update(of=("self",))
            .values_list(
                "pk", "frequency", "notification__recipient_id", "notification__proposal_id"
            )
        )
        EmailDelivery.objects.filter(pk__in=[row[0] for row in rows]).update(
            state=DeliveryState.PENDING, attempts=0, due_at=now, claimed_at=None
        )
        instant = {(row[2], row[3]) for row in rows if row[1] == Frequency.INSTANT}
        digests = {row[2] for row in rows if row[1] in DIGEST_FREQUENCIES}
        transaction.on_commit(lambda: _enqueue_sends(instant, digests))
    return len(rows)


def _enqueue_sends(instant: set[tuple[int, int | None]], digests: set[int]) -> None:
    for recipient_id, proposal_id in sorted(instant, key=lambda g: (g[0], g[1] or 0)):
        enqueue(SEND_INSTANT, recipient_id=recipient_id, proposal_id=proposal_id)
    for recipient_id in sorted(digests):
        enqueue(SEND_DIGEST, recipient_id=recipient_id)
