"""In-app notifications, email deliveries, preferences and the coordinators' matrix."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import OutboxEvent
from members.models import Institution
from notifications.enums import (
    CATEGORY_OF,
    Category,
    DeliveryState,
    Frequency,
    NotificationKind,
    RecipientRole,
)
from projects.models import Proposal


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_user(self, user) -> NotificationQuerySet:
        return self.filter(recipient=user) if user.is_authenticated else self.none()

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One person told of one event, in-app (always on); recorded with the event itself."""

    event = models.ForeignKey(
        OutboxEvent, on_delete=models.CASCADE, related_name="+", verbose_name=_("event")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind)
    role = models.CharField(_("role"), max_length=16, choices=RecipientRole)
    action_required = models.BooleanField(_("action required"), default=False)
    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposal"),
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("institution"),
    )
    # Where the item links to, fixed when it was written (the page where the action is done).
    url = models.CharField(_("link"), max_length=300)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient"], name="one_notification_per_event"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at=None),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"

    def get_absolute_url(self) -> str:
        return self.url

    @property
    def category(self) -> Category:
        return CATEGORY_OF[self.kind]

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class EmailDelivery(models.Model):
    """The email about one notification: one row per event × recipient, claimed before sending.

    Several rows for one person and one proposal that fall due together go out as one email
    (they then share ``message_id``); a digest takes every due row of its period.
    """

    notification = models.OneToOneField(
        Notification,
        on_delete=models.CASCADE,
        related_name="email",
        verbose_name=_("notification"),
    )
    frequency = models.CharField(_("frequency"), max_length=8, choices=Frequency)
    state = models.CharField(
        _("state"), max_length=8, choices=DeliveryState, default=DeliveryState.PENDING
    )
    due_at = models.DateTimeField(_("due"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=200, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("email delivery")
        verbose_name_plural = _("email deliveries")
        indexes = [models.Index(fields=["state", "due_at"])]

    def __str__(self) -> str:
        return f"{self.notification} ({self.get_state_display()})"


class Preference(models.Model):
    """A person's email frequency for one category; without a row the default applies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("person"),
    )
    category = models.CharField(_("category"), max_length=16, choices=Category)
    frequency = models.CharField(_("frequency"), max_length=8, choices=Frequency)

    class Meta:
        verbose_name = _("email preference")
        verbose_name_plural = _("email preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="one_preference_per_category")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_category_display()} {self.get_frequency_display()}"


class RoleSetting(models.Model):
    """The coordinators' switch for one notification kind and one recipient role."""

    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind)
    role = models.CharField(_("role"), max_length=16, choices=RecipientRole)
    enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification setting")
        verbose_name_plural = _("notification settings")
        constraints = [
            models.UniqueConstraint(fields=["kind", "role"], name="one_setting_per_cell")
        ]

    def __str__(self) -> str:
        state = _("on") if self.enabled else _("off")
        return f"{self.get_kind_display()} / {self.get_role_display()}: {state}"


class Reminder(models.Model):
    """A reminder sent: of one kind, about one waiting thing, at one threshold of one wait.

    The unique constraint lets each reminder out once, however often the beat task runs
    and if two runs overlap. ``since`` is when the wait began (for a review, its due date):
    a reviewer assigned again, or a proposal idle again after some activity, waits anew
    and is reminded anew.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind)
    # What waits: a participation, a review assignment or a proposal.
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", verbose_name=_("subject type")
    )
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    subject = GenericForeignKey("subject_type", "subject_id")
    since = models.DateTimeField(_("waiting since"))
    threshold = models.CharField(_("threshold"), max_length=16)
    event = models.ForeignKey(
        OutboxEvent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("event"),
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id", "since", "threshold"],
                name="one_reminder_per_threshold",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.threshold})"


class Digest(models.Model):
    """A digest email sent to a person; none goes out within 20 hours of the last one."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="email_digests",
        verbose_name=_("recipient"),
    )
    frequency = models.CharField(_("period"), max_length=8, choices=Frequency)
    items = models.PositiveIntegerField(_("items"))
    sent_at = models.DateTimeField(_("sent"))
    message_id = models.CharField(_("Message-ID"), max_length=200)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("email digest")
        verbose_name_plural = _("email digests")
        indexes = [models.Index(fields=["recipient", "-sent_at"])]

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} → {self.recipient} ({self.sent_at:%Y-%m-%d %H:%M})"
