"""Proposal pages: permission → form → service → response; hidden proposals answer 404."""

from projects.views.drive import milestone_create, milestone_set_status, progress_update_create
from projects.views.export import proposal_list_export, review_queue_export
from projects.views.institutions import institution_dashboard
from projects.views.joining import (
    participation_act,
    participation_invite,
    participation_request,
    participation_withdraw,
    partnering_inbox,
    signoffs,
)
from projects.views.matching import (
    consortium_builder,
    consortium_invite,
    find_partners,
    proposals_for_me,
)
from projects.views.proposals import (
    my_proposals,
    proposal_competence_suggestions,
    proposal_create,
    proposal_detail,
    proposal_edit,
    proposal_list,
    proposal_transition,
    revision_list,
)
from projects.views.review import (
    alliance_rules,
    pipeline,
    proposal_decide,
    review_queue,
    review_submit,
    reviewer_assign,
    reviewer_inbox,
    reviewer_withdraw,
)

__all__ = [
    "alliance_rules",
    "consortium_builder",
    "consortium_invite",
    "find_partners",
    "institution_dashboard",
    "milestone_create",
    "milestone_set_status",
    "my_proposals",
    "participation_act",
    "participation_invite",
    "participation_request",
    "participation_withdraw",
    "partnering_inbox",
    "pipeline",
    "progress_update_create",
    "proposal_competence_suggestions",
    "proposal_create",
    "proposal_decide",
    "proposal_detail",
    "proposal_edit",
    "proposal_list",
    "proposal_list_export",
    "proposal_transition",
    "proposals_for_me",
    "review_queue",
    "review_queue_export",
    "review_submit",
    "reviewer_assign",
    "reviewer_inbox",
    "reviewer_withdraw",
    "revision_list",
    "signoffs",
]
