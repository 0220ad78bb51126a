from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Here, not at the top: receivers need the models, which load after the app registry.
        from core.outbox import event_recorded
        from notifications import receivers

        event_recorded.connect(receivers.on_event_recorded, dispatch_uid="notifications-audience")
