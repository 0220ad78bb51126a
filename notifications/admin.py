from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.delivery import deliveries_resend
from notifications.models import Digest, EmailDelivery


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    """Staff find failed emails here (filter by state) and send them again.

    Rows change only through sending, so everything is read-only.
    """

    list_display = [
        "pk",
        "recipient",
        "kind",
        "proposal",
        "frequency",
        "state",
        "attempts",
        "due_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["state", "frequency"]
    search_fields = ["notification__recipient__email", "notification__proposal__title"]
    list_select_related = ["notification__recipient", "notification__proposal"]
    readonly_fields = [field.name for field in EmailDelivery._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("recipient"), ordering="notification__recipient__email")
    def recipient(self, delivery: EmailDelivery) -> str:
        return delivery.notification.recipient.email

    @admin.display(description=_("kind"))
    def kind(self, delivery: EmailDelivery) -> str:
        return delivery.notification.get_kind_display()

    @admin.display(description=_("proposal"))
    def proposal(self, delivery: EmailDelivery) -> str:
        return str(delivery.notification.proposal or "")

    @admin.action(description=_("Re-send the selected failed emails"))
    def resend(self, request: HttpRequest, queryset: QuerySet[EmailDelivery]) -> None:
        count = deliveries_resend(deliveries=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d failed email is sent again.",
                "%(count)d failed emails are sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ["recipient", "frequency", "items", "sent_at", "message_id"]
    list_filter = ["frequency"]
    search_fields = ["recipient__email"]
    list_select_related = ["recipient"]
    readonly_fields = ["recipient", "frequency", "items", "sent_at", "message_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
