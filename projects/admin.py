from django.contrib import admin

from core.admin import ReadOnlyAdminMixin, ReadOnlyInline
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


class StageTransitionInline(ReadOnlyInline):
    model = StageTransition
    fields = ["created_at", "from_stage", "to_stage", "actor", "comment"]
    readonly_fields = fields


class ProposalCompetenceInline(ReadOnlyInline):
    model = ProposalCompetence
    fields = ["competence", "importance"]
    readonly_fields = fields


class ParticipationInline(ReadOnlyInline):
    """Joining changes through the joining services, which keep its audit trail and events."""

    model = Participation
    fields = ["institution", "person", "role", "status", "created_by", "confirmed_by", "created_at"]
    readonly_fields = fields


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Shown, not edited: the lead's edits keep a revision that reviewers compare, and stages
    change only through the lifecycle service; an edit here would skip both."""

    list_display = ["title", "stage", "visibility", "lead_institution", "stage_changed_at"]
    list_filter = ["stage", "visibility", "focus_area"]
    search_fields = ["title", "slug", "lead__display_name", "lead_institution__name"]
    readonly_fields = ["stage", "stage_changed_at", "created_at", "updated_at"]
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


# The review, the decisions and the Drive stage change only through their services, which
# check the rules and record the outbox events; the admin shows them.


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["proposal", "reviewer", "status", "created_at", "due_at"]
    list_filter = ["status"]
    list_select_related = ["proposal", "reviewer"]
    search_fields = ["proposal__title", "reviewer__display_name", "reviewer__email"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["proposal", "outcome", "decided_by", "created_at"]
    list_filter = ["outcome"]
    list_select_related = ["proposal", "decided_by"]
    search_fields = ["proposal__title"]


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["proposal", "number", "author", "created_at"]
    list_select_related = ["proposal", "author"]
    search_fields = ["proposal__title"]


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "proposal", "due_date", "status"]
    list_filter = ["status"]
    list_select_related = ["proposal"]
    search_fields = ["title", "proposal__title"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["proposal", "author", "is_final_report", "created_at"]
    list_filter = ["is_final_report"]
    list_select_related = ["proposal", "author"]
    search_fields = ["proposal__title", "body"]
