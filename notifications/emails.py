"""Write notification emails: in the recipient's language, with links, headers and a way out."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import rules
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.mail import ReadableEmail
from notifications.enums import Frequency
from notifications.models import Notification
from notifications.unsubscribe import unsubscribe_url
from projects.enums import is_decision_step
from projects.models import Proposal

# Digests and dates are written in this zone until the profile has a time zone of its own.
DEFAULT_ZONE = "Europe/Berlin"


@dataclass(frozen=True)
class Item:
    """One notification as an email tells it."""

    label: str
    actor: str
    when: datetime
    comment: str
    action_required: bool
    url: str


@dataclass(frozen=True)
class Section:
    """The items about one proposal (or about no proposal), in the order of their events."""

    heading: str
    url: str
    items: list[Item]


def absolute_url(path: str) -> str:
    return path if urlsplit(path).scheme else settings.SITE_URL + path


def message_id(*, prefix: str, delivery_ids: Iterable[int]) -> str:
    """The same Message-ID for the same deliveries: a resent email is recognisably the same."""
    ids = ",".join(str(pk) for pk in sorted(delivery_ids))
    digest = hashlib.sha256(ids.encode()).hexdigest()[:32]
    return f"<{prefix}.{digest}@{urlsplit(settings.SITE_URL).hostname}>"


def _zone(recipient) -> str:
    # The profile's time zone field comes with the digests' 07:00; until then, the default.
    return getattr(recipient, "time_zone", "") or DEFAULT_ZONE


def _heading(proposal: Proposal | None, notifications: Sequence[Notification]) -> str:
    if proposal is not None:
        return _("%(title)s (%(stage)s)") % {
            "title": proposal.title,
            "stage": proposal.get_stage_display(),
        }
    institutions = {n.institution for n in notifications if n.institution is not None}
    return str(institutions.pop()) if len(institutions) == 1 else ""


def _comment(notification: Notification) -> str:
    """The event's comment, unless it is a decision's reason the recipient may not read."""
    payload = notification.event.payload if isinstance(notification.event.payload, dict) else {}
    comment = payload.get("comment") or ""
    if (
        comment
        and is_decision_step(
            from_stage=payload.get("from_stage", ""), to_stage=payload.get("to_stage", "")
        )
        and not rules.has_perm(
            "projects.view_decision_reason", notification.recipient, notification.proposal
        )
    ):
        return ""
    return comment


def _item(notification: Notification) -> Item:
    event = notification.event
    return Item(
        label=notification.get_kind_display(),
        actor=str(event.actor) if event.actor else "",
        when=timezone.localtime(event.created_at),
        comment=_comment(notification),
        action_required=notification.action_required,
        url=absolute_url(notification.url),
    )


def _sections(notifications: Sequence[Notification]) -> list[Section]:
    """Group by proposal, in the order each proposal first appears; items in event order."""
    groups: dict[int | None, list[Notification]] = {}
    for notification in notifications:
        groups.setdefault(notification.proposal_id, []).append(notification)
    sections = []
    for members in groups.values():
        proposal = members[0].proposal
        sections.append(
            Section(
                heading=_heading(proposal, members),
                url=absolute_url(proposal.get_absolute_url()) if proposal else "",
                items=[_item(n) for n in members],
            )
        )
    return sections


def _instant_subject(proposal: Proposal | None, sections: list[Section], items: list[Item]) -> str:
    if len(items) == 1:
        what = items[0].label
    else:
        what = ngettext("%(count)d update", "%(count)d updates", len(items)) % {"count": len(items)}
    heading = sections[0].heading
    subject = _("%(heading)s: %(what)s") % {"heading": heading, "what": what} if heading else what
    return _action_prefix(subject, items)


def _digest_subject(frequency: str, items: list[Item]) -> str:
    if frequency == Frequency.WEEKLY:
        text = ngettext(
            "Your weekly digest: %(count)d update",
            "Your weekly digest: %(count)d updates",
            len(items),
        )
    else:
        text = ngettext(
            "Your daily digest: %(count)d update",
            "Your daily digest: %(count)d updates",
            len(items),
        )
    return _action_prefix(text % {"count": len(items)}, items)


def _action_prefix(subject: str, items: list[Item]) -> str:
    if any(item.action_required for item in items):
        return _("Action required: %(subject)s") % {"subject": subject}
    return subject


def render_email(
    *,
    recipient,
    notifications: Sequence[Notification],
    delivery_ids: Iterable[int],
    digest: str | None = None,
):
    """The email telling ``recipient`` of ``notifications`` (event order), instant or a digest.

    ``digest`` is the digest's period (daily, weekly); without it the notifications are about
    one proposal and go out together as one instant email.
    """
    categories = sorted({n.category for n in notifications})
    with translation.override(recipient.language), timezone.override(_zone(recipient)):
        sections = _sections(notifications)
        items = [item for section in sections for item in section.items]
        if digest is None:
            subject = _instant_subject(notifications[0].proposal, sections, items)
        else:
            subject = _digest_subject(digest, items)
        one_click = unsubscribe_url(user=recipient, categories=categories)
        context = {
            "recipient": recipient,
            "sections": sections,
            "digest": digest,
            "action_required": any(item.action_required for item in items),
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "preferences_url": absolute_url(reverse("notifications:preferences")),
            "unsubscribe_url": one_click,
            "unsubscribe_links": [
                (category.label, unsubscribe_url(user=recipient, categories=[category]))
                for category in categories
            ],
        }
        text = render_to_string("notifications/email/message.txt", context)
        html = render_to_string("notifications/email/message.html", context)
    message = ReadableEmail(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={
            "Message-ID": message_id(
                prefix="digest" if digest else "notification", delivery_ids=delivery_ids
            ),
            "List-Unsubscribe": f"<{one_click}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",  # RFC 3834: no out-of-office replies, please
        },
    )
    message.attach_alternative(html, "text/html")
    return message
