"""Every change to proposals goes through these functions (reads live in selectors)."""

from projects.services.consortium import (
    RULES_FIELDS,
    RuleResult,
    competence_gaps,
    consortium_check,
    consortium_rules_hold,
    consortium_rules_update,
)
from projects.services.drive import milestone_create, milestone_set_status, progress_update_post
from projects.services.errors import ProposalMovedOn
from projects.services.joining import (
    participation_accept,
    participation_confirm,
    participation_decline,
    participation_invite,
    participation_request,
    participation_withdraw,
)
from projects.services.lifecycle import (
    PROPOSAL_FIELDS,
    TRANSITIONS,
    Transition,
    proposal_create,
    proposal_transition,
    proposal_update,
    transition_blockers,
    transitions_for,
)
from projects.services.outbox import event_enqueue, event_record
from projects.services.review import (
    CRITERION_FIELDS,
    DECISION_TARGETS,
    Aggregate,
    criteria_save,
    current_revision_number,
    proposal_decide,
    review_aggregate,
    review_assign,
    review_submit,
    review_withdraw_assignment,
    reviewer_conflict,
)

__all__ = [
    "CRITERION_FIELDS",
    "DECISION_TARGETS",
    "PROPOSAL_FIELDS",
    "RULES_FIELDS",
    "TRANSITIONS",
    "Aggregate",
    "ProposalMovedOn",
    "RuleResult",
    "Transition",
    "competence_gaps",
    "consortium_check",
    "consortium_rules_hold",
    "consortium_rules_update",
    "criteria_save",
    "current_revision_number",
    "event_enqueue",
    "event_record",
    "milestone_create",
    "milestone_set_status",
    "participation_accept",
    "participation_confirm",
    "participation_decline",
    "participation_invite",
    "participation_request",
    "participation_withdraw",
    "progress_update_post",
    "proposal_create",
    "proposal_decide",
    "proposal_transition",
    "proposal_update",
    "review_aggregate",
    "review_assign",
    "review_submit",
    "review_withdraw_assignment",
    "reviewer_conflict",
    "transition_blockers",
    "transitions_for",
]
