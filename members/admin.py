from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ReadOnlyAdminMixin, ReadOnlyInline
from core.exceptions import DomainError
from members import services
from members.models import (
    Competence,
    FocusArea,
    Institution,
    InstitutionCompetence,
    InstitutionDomain,
    Membership,
    PersonCompetence,
    User,
)


class InstitutionDomainInline(admin.TabularInline):
    model = InstitutionDomain
    extra = 0


class InstitutionCompetenceInline(admin.TabularInline):
    model = InstitutionCompetence
    extra = 0
    autocomplete_fields = ["competence"]


# Affiliations change through the members services (approve, decline, end, set role), which
# record the events and refresh the matching profiles: shown here, never edited.
MEMBERSHIP_FIELDS = ["person", "institution", "role", "status", "source", "created_at"]


class MembershipInline(ReadOnlyInline):
    model = Membership
    fk_name = "institution"
    fields = MEMBERSHIP_FIELDS
    readonly_fields = fields


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "country", "status", "founding_member"]
    list_filter = ["status", "kind", "founding_member", "country"]
    search_fields = ["name", "short_name", "domains__domain"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [InstitutionDomainInline, InstitutionCompetenceInline, MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        # Suspending or admitting goes through the institution page's service, which records
        # the event and what follows from it; the profile itself may be corrected here.
        return ["status"] if obj is not None else []


class CompetenceInline(admin.TabularInline):
    model = Competence
    extra = 0
    prepopulated_fields = {"slug": ["name"]}


@admin.register(FocusArea)
class FocusAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "position"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CompetenceInline]


@admin.register(Competence)
class CompetenceAdmin(admin.ModelAdmin):
    list_display = ["name", "focus_area"]
    list_filter = ["focus_area"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class PersonCompetenceInline(admin.TabularInline):
    model = PersonCompetence
    extra = 0
    autocomplete_fields = ["competence"]


class PersonMembershipInline(ReadOnlyInline):
    model = Membership
    fk_name = "person"
    fields = MEMBERSHIP_FIELDS
    readonly_fields = fields


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active"]
    search_fields = ["email", "display_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name", "bio", "orcid", "language", "time_zone")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("email", "display_name", "password1", "password2")},
        ),
    )
    inlines = [PersonCompetenceInline, PersonMembershipInline]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only; its actions decide and end affiliations through the members services."""

    list_display = ["person", "institution", "role", "status", "source", "created_at"]
    list_filter = ["status", "role", "source"]
    list_select_related = ["person", "institution"]
    search_fields = ["person__email", "person__display_name", "institution__name"]
    actions = ["approve", "decline", "end"]

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("members.decide_membership")

    def has_end_permission(self, request) -> bool:
        return request.user.has_perm("members.end_membership")

    def _act(self, request, queryset, *, service, perm: str) -> int:
        """Call ``service`` for each selected row the user may change; how many it changed."""
        done = 0
        for membership in queryset.select_related("person", "institution"):
            where = f"{membership.person}, {membership.institution}"
            if not request.user.has_perm(perm, membership):
                self.message_user(
                    request,
                    _("%(where)s: you may not change this affiliation.") % {"where": where},
                    messages.ERROR,
                )
                continue
            try:
                service(membership=membership, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{where}: {error.message}", messages.ERROR)
            else:
                done += 1
        return done

    @admin.action(description=_("Approve the selected affiliations"), permissions=["decide"])
    def approve(self, request, queryset) -> None:
        done = self._act(
            request,
            queryset,
            service=services.membership_approve,
            perm="members.decide_membership",
        )
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d affiliation approved.", "%(count)d affiliations approved.", done
                )
                % {"count": done},
            )

    @admin.action(description=_("Decline the selected affiliations"), permissions=["decide"])
    def decline(self, request, queryset) -> None:
        done = self._act(
            request,
            queryset,
            service=services.membership_decline,
            perm="members.decide_membership",
        )
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d affiliation declined.", "%(count)d affiliations declined.", done
                )
                % {"count": done},
            )

    @admin.action(description=_("End the selected affiliations"), permissions=["end"])
    def end(self, request, queryset) -> None:
        done = self._act(
            request, queryset, service=services.membership_end, perm="members.end_membership"
        )
        if done:
            self.message_user(
                request,
                ngettext("%(count)d affiliation ended.", "%(count)d affiliations ended.", done)
                % {"count": done},
            )
