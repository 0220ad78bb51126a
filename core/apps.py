from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Shared foundations")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from core import pagecache
        from core.outbox import event_recorded

        event_recorded.connect(pagecache.on_event_recorded, dispatch_uid="pagecache-events")
        connection_created.connect(pagecache.on_connection_created, dispatch_uid="pagecache-writes")
