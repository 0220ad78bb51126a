"""Reminders of what has waited too long, each sent once per threshold (run on beat).

What waits is read with the same rules as the dashboard's "Waiting for you"
(``notifications.selectors``), so a reminder is never about something already done:

- a review still open past its due date → its reviewer;
- an invitation unanswered → the invited person, or the representatives of the invited
  institution;
- a join request unanswered → the lead;
- an accepted partner not signed off → the partner institution's representatives;
- a proposal idle in Define (nothing changed on it or its consortium) → the lead.

The thresholds are days after the wait began (for a review: after its due date), one list
per kind in ``settings.REMINDER_DAYS`` (defaults: reviews 0 and 7 days past due; invitations,
join requests and sign-offs 7 days; idle proposals 30 days). A run sends, for each waiting
thing, the highest threshold it has passed unless that one was sent already, and records
it (``Reminder``) in the transaction that writes the outbox event; so a daily or hourly run
reminds once per threshold, and a late run does not send the lower thresholds it skipped.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from core.outbox import event_record
from members.models import Membership
from notifications.enums import REMINDER_EVENT, NotificationKind
from notifications.models import Reminder
from notifications.selectors import (
    invitations_open,
    join_requests_open,
    proposals_idle_in_define,
    reviews_open,
    signoffs_open,
)
from projects.models import Proposal

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Waiting:
    """One thing that waits, with whom to remind of it."""

    subject: models.Model  # the participation, review assignment or proposal that waits
    proposal: Proposal
    since: datetime
    recipient_ids: list[int]
    payload: dict


def _representatives(institution_ids: Iterable[int]) -> dict[int, list[int]]:
    """The active representatives of each institution, in one query."""
    people: dict[int, list[int]] = defaultdict(list)
    rows = (
        Membership.objects.representatives()
        .filter(institution_id__in=set(institution_ids))
        .order_by("person_id")
        .values_list("institution_id", "person_id")
    )
    for institution_id, person_id in rows:
        people[institution_id].append(person_id)
    return people


def _overdue_reviews(before: datetime) -> list[Waiting]:
    assignments = reviews_open().filter(due_at__lte=before).select_related("proposal")
    return [
        Waiting(a, a.proposal, a.due_at, [a.reviewer_id], {"assignment_id": a.pk})
        for a in assignments
    ]


def _invitations(before: datetime) -> list[Waiting]:
    """The invited person, or for an institution's invitation its representatives."""
    rows = list(invitations_open().filter(created_at__lte=before).select_related("proposal"))
    representatives = _representatives(p.institution_id for p in rows if p.person_id is None)
    return [
        Waiting(
            p,
            p.proposal,
            p.created_at,
            [p.person_id] if p.person_id else representatives.get(p.institution_id, []),
            {"participation_id": p.pk},
        )
        for p in rows
    ]


def _signoffs(before: datetime) -> list[Waiting]:
    rows = list(signoffs_open().filter(updated_at__lte=before).select_related("proposal"))
    # Whoever accepted waits for their representatives, not for themselves.
    representatives = _representatives(p.institution_id for p in rows)
    return [
        Waiting(
            p,
            p.proposal,
            p.updated_at,  # when it was accepted
            representatives.get(p.institution_id, []),
            {"participation_id": p.pk},
        )
        for p in rows
    ]


def _join_requests(before: datetime) -> list[Waiting]:
    rows = join_requests_open().filter(created_at__lte=before).select_related("proposal")
    return [
        Waiting(p, p.proposal, p.created_at, [p.proposal.lead_id], {"participation_id": p.pk})
        for p in rows
    ]


def _idle_proposals(before: datetime) -> list[Waiting]:
    return [
        Waiting(p, p, p.last_activity, [p.lead_id], {})
        for p in proposals_idle_in_define(before=before)
    ]


K = NotificationKind
# Each reminder kind and what waits for it, read from ``before`` on (the lowest threshold).
WAITING: dict[str, Callable[[datetime], list[Waiting]]] = {
    K.REMINDER_REVIEW_DUE: _overdue_reviews,
    K.REMINDER_INVITATION: _invitations,
    K.REMINDER_JOIN_REQUEST: _join_requests,
    K.REMINDER_SIGNOFF: _signoffs,
    K.REMINDER_IDLE_DEFINE: _idle_proposals,
}


def _threshold(days: int) -> str:
    return f"{days}d"


def _send(*, kind: str, waiting: Waiting, threshold: str) -> bool:
    """Record the reminder and its event together; False when another run was first."""
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                kind=kind, subject=waiting.subject, since=waiting.since, threshold=threshold
            )
            reminder.event = event_record(
                kind=REMINDER_EVENT,
                subject=waiting.proposal,
                actor=None,
                payload={
                    "notification_kind": str(kind),
                    "recipient_ids": waiting.recipient_ids,
                    "threshold": threshold,
                    **waiting.payload,
                },
            )
            reminder.save(update_fields=["event"])
    except IntegrityError:
        return False
    return True


def reminders_send_kind(*, kind: str, now: datetime) -> int:
    """Send the reminders of one kind that are due at ``now``; returns how many were sent."""
    days = sorted(set(settings.REMINDER_DAYS.get(str(kind), [])))
    if not days:
        return 0
    waiting = [w for w in WAITING[kind](now - timedelta(days=days[0])) if w.recipient_ids]
    if not waiting:
        return 0
    sent_before = {
        (subject_id, since, threshold)
        for subject_id, since, threshold in Reminder.objects.filter(
            kind=kind,
            subject_type=ContentType.objects.get_for_model(waiting[0].subject),
            subject_id__in=[w.subject.pk for w in waiting],
        ).values_list("subject_id", "since", "threshold")
    }
    sent = 0
    for item in waiting:
        passed = max(d for d in days if item.since + timedelta(days=d) <= now)
        threshold = _threshold(passed)
        if (item.subject.pk, item.since, threshold) in sent_before:
            continue
        if _send(kind=kind, waiting=item, threshold=threshold):
            sent += 1
    return sent


def reminders_send(*, now: datetime | None = None) -> dict[str, int]:
    """Send every reminder due at ``now`` (default: now); returns how many per kind."""
    now = now or timezone.now()
    counts = {str(kind): reminders_send_kind(kind=kind, now=now) for kind in WAITING}
    if any(counts.values()):
        logger.info("Reminders sent: %s", counts)
    return counts
