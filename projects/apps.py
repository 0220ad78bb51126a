from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        # Here, not at the top: modules with models load only once the app registry is ready.
        from core import search
        from members.signals import profiles_changed
        from projects.matching import cache as matching
        from projects.models import Proposal
        from projects.selectors import PROPOSAL_SEARCH_FIELDS

        # Profiles, institutions and affiliations feed the matching index; members cannot
        # import projects, so it announces changes. Proposal services invalidate directly.
        profiles_changed.connect(matching.on_profiles_changed, dispatch_uid="matching-profiles")
        # On SQLite a migration that rebuilds the proposal table drops the index's triggers.
        search.fts_keep(self, indexes=[(Proposal._meta.db_table, PROPOSAL_SEARCH_FIELDS)])
