"""Emails that read well on the console, and sending them through the worker."""

from __future__ import annotations

import email.policy
import logging

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from core.queue import enqueue

logger = logging.getLogger(__name__)

# RFC 5322 allows lines of 998 characters. Python's default (78) makes every body with a
# longer line quoted-printable, which breaks a link across lines with "=": the link a person
# copies from the console then answers 404. Up to 998, bodies stay 7bit (ASCII) or 8bit.
LINE_LIMIT = 998


class ReadableEmail(EmailMultiAlternatives):
    """An email whose text parts are not re-encoded unless a line passes the RFC's limit."""

    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(max_line_length=LINE_LIMIT))


def email_as_dict(message: EmailMultiAlternatives) -> dict:
    """What a task needs to send ``message`` again (JSON: no objects)."""
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {name: str(value) for name, value in message.extra_headers.items()},
        "alternatives": [
            [str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
    }


def email_from_dict(data: dict) -> ReadableEmail:
    message = ReadableEmail(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data.get("cc", []),
        bcc=data.get("bcc", []),
        reply_to=data.get("reply_to", []),
        headers=data.get("headers", {}),
    )
    for content, mimetype in data.get("alternatives", []):
        message.attach_alternative(content, mimetype)
    return message


def email_send_later(*, message: EmailMultiAlternatives) -> None:
    """Hand ``message`` to the worker; send it here and now when the broker is unreachable.

    An account email (verification, password reset) has no row to be swept up later: rather
    than lose it, the request pays for the SMTP round trip while the broker is down.
    """
    data = email_as_dict(message)
    if enqueue("core.tasks.task_send_email", message=data):
        return
    if current_app.conf.task_always_eager:
        return  # the task ran here already and failed; it logged why
    logger.warning("Sending %r in the request: the broker is unreachable", data["subject"])
    email_from_dict(data).send()


def retry_delay(attempt: int) -> float:
    """Seconds to wait after the ``attempt``-th refused try: doubling, capped below the
    broker's visibility timeout (a delayed message is held unacknowledged until it runs)."""
    return min(
        settings.EMAIL_RETRY_DELAY * 2 ** max(attempt - 1, 0), settings.EMAIL_RETRY_MAX_DELAY
    )
