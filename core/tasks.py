"""Tasks any app may start by name (``core.queue.enqueue``)."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.conf import settings

from core.mail import email_from_dict, retry_delay

# What a refused or unreachable SMTP server raises (smtplib's errors are OSErrors too).
SMTP_ERRORS = (smtplib.SMTPException, OSError)


@shared_task(bind=True, ignore_result=True, max_retries=None)
def task_send_email(self, *, message: dict) -> None:
    """Send a rendered email (``core.mail.email_as_dict``); retried while SMTP refuses it."""
    try:
        email_from_dict(message).send()
    except SMTP_ERRORS as error:
        attempt = self.request.retries + 1
        if attempt >= settings.EMAIL_ATTEMPTS:
            raise
        raise self.retry(exc=error, countdown=retry_delay(attempt)) from error
