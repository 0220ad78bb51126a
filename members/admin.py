from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

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


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "institution"
    extra = 0
    autocomplete_fields = ["person"]
    readonly_fields = ["created_at", "decided_at", "decided_by"]


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "country", "status", "founding_member"]
    list_filter = ["status", "kind", "founding_member", "country"]
    search_fields = ["name", "short_name", "domains__domain"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [InstitutionDomainInline, InstitutionCompetenceInline, MembershipInline]


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


class PersonMembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "person"
    extra = 0
    autocomplete_fields = ["institution"]
    readonly_fields = ["created_at", "decided_at", "decided_by"]


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
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["person", "institution", "role", "status", "source", "created_at"]
    list_filter = ["status", "role", "source"]
    search_fields = ["person__email", "person__display_name", "institution__name"]
    autocomplete_fields = ["person", "institution"]
    readonly_fields = ["created_at", "decided_at", "decided_by"]
