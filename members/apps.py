from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Institutions and people")

    def ready(self) -> None:
        # Here, not at the top: modules with models load only once the app registry is ready.
        from core import search
        from members.models import Institution, User
        from members.selectors import INSTITUTION_SEARCH_FIELDS, PERSON_SEARCH_FIELDS

        # On SQLite a migration that rebuilds one of these tables drops its index's triggers.
        search.fts_keep(
            self,
            indexes=[
                (Institution._meta.db_table, INSTITUTION_SEARCH_FIELDS),
                (User._meta.db_table, PERSON_SEARCH_FIELDS),
            ],
        )
