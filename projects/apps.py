from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        # Here, not at the top: modules with models load only once the app registry is ready.
        from members.signals import profiles_changed
        from projects.matching import cache as matching

        # Profiles, institutions and affiliations feed the matching index; members cannot
        # import projects, so it announces changes. Proposal services invalidate directly.
        profiles_changed.connect(matching.on_profiles_changed, dispatch_uid="matching-profiles")
