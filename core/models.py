"""The outbox: domain events written in the transaction of the change they report."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DISPATCHED = "dispatched", _("Dispatched")
    FAILED = "failed", _("Failed")


class OutboxEventQuerySet(models.QuerySet["OutboxEvent"]):
    def about(self, subject: models.Model) -> OutboxEventQuerySet:
        """Events whose subject is ``subject`` (a proposal, a membership …)."""
        return self.filter(
            subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
        )

    def pending(self) -> OutboxEventQuerySet:
        return self.filter(state=EventState.PENDING)


class OutboxEvent(models.Model):
    """A domain event: what happened, to which object, by whom; written with the change.

    The apps that change things write events (``core.outbox.event_record``); the
    notifications app reads them, decides who hears of them and delivers. ``kind`` is one
    of the writing app's event kinds (their ``EventKind`` enums); the payload holds ids and
    values, never objects, so that an event still reads after its objects have changed.
    """

    kind = models.CharField(_("kind"), max_length=40)
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", verbose_name=_("subject type")
    )
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    subject = GenericForeignKey("subject_type", "subject_id")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    state = models.CharField(
        _("state"), max_length=12, choices=EventState, default=EventState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)

    objects = OutboxEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "created_at"]),
            models.Index(
                fields=["created_at"],
                condition=models.Q(state="pending"),
                name="outbox_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.created_at:%Y-%m-%d %H:%M})"
