from django.contrib import admin

from projects.models import (
    ConsortiumRules,
    Criterion,
    Decision,
    Milestone,
    Participation,
    ProgressUpdate,
    Proposal,
    ProposalCompetence,
    ReviewAssignment,
    Revision,
    StageTransition,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class StageTransitionInline(ReadOnlyInline):
    model = StageTransition
    fields = ["created_at", "from_stage", "to_stage", "actor", "comment"]
    readonly_fields = fields


class ProposalCompetenceInline(admin.TabularInline):
    model = ProposalCompetence
    extra = 0
    autocomplete_fields = ["competence"]


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 0
    autocomplete_fields = ["institution", "person"]
    readonly_fields = ["created_by", "confirmed_by", "created_at"]


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """Stages change only through the lifecycle service, so the stage is read-only here."""

    list_display = ["title", "stage", "visibility", "lead_institution", "stage_changed_at"]
    list_filter = ["stage", "visibility", "focus_area"]
    search_fields = ["title", "slug", "lead__display_name", "lead_institution__name"]
    readonly_fields = ["stage", "stage_changed_at", "created_at", "updated_at"]
    autocomplete_fields = ["lead", "lead_institution"]
    inlines = [ProposalCompetenceInline, ParticipationInline, StageTransitionInline]


@admin.register(StageTransition)
class StageTransitionAdmin(admin.ModelAdmin):
    """The audit trail is append-only: nobody edits or deletes it here."""

    list_display = ["proposal", "from_stage", "to_stage", "actor", "created_at"]
    list_filter = ["to_stage"]
    search_fields = ["proposal__title"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["name", "weight", "position", "active"]
    list_editable = ["weight", "position", "active"]


@admin.register(ConsortiumRules)
class ConsortiumRulesAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return not ConsortiumRules.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(admin.ModelAdmin):
    list_display = ["proposal", "reviewer", "status", "created_at", "due_at"]
    list_filter = ["status"]
    autocomplete_fields = ["proposal", "reviewer", "assigned_by"]


admin.site.register([Revision, Decision, Milestone, ProgressUpdate])
