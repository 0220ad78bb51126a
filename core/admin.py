from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.models import EventState, OutboxEvent


class ReadOnlyAdminMixin:
    """Shown, never added, changed or deleted in the admin.

    For rows that change only through a service, which checks the rules and writes the
    audit row and the outbox event that an edit here would skip.
    """

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    """The outbox, read-only: an event whose recording kept failing shows here, with its error."""

    list_display = ["kind", "subject_type", "subject_id", "state", "attempts", "created_at"]
    list_filter = ["state", "kind"]
    readonly_fields = [
        "kind",
        "subject_type",
        "subject_id",
        "actor",
        "payload",
        "state",
        "attempts",
        "last_error",
        "created_at",
        "dispatched_at",
    ]
    actions = ["retry"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Try the failed events again"), permissions=["change"])
    def retry(self, request, queryset) -> None:
        # The sweeper takes pending events on its next run, with a fresh count of attempts.
        count = queryset.filter(state=EventState.FAILED).update(
            state=EventState.PENDING, attempts=0
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d event will be tried again.",
                "%(count)d events will be tried again.",
                count,
            )
            % {"count": count},
        )
