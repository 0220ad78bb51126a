"""Every change to proposals goes through these functions.

Beside them sit the checks the changes make (the transition table, the consortium rules,
reviewer conflicts) and the review aggregate, which pages call too, so that a page offers
exactly what the change will accept. The reads that gather a page's rows live in selectors.
"""

from projects.services.alliance_rules import alliance_rules_update
from projects.services.consortium import (
    ConsortiumRulesValues,
    RuleResult,
    competence_gaps,
    consortium_check,
    consortium_rules_update,
)
from projects.services.drive import milestone_create, milestone_set_status, progress_update_post
from projects.services.errors import PreconditionsFail, ProposalMovedOn
from projects.services.joining import (
    ConsortiumInvitations,
    consortium_invite,
    participation_accept,
    participation_confirm,
    participation_decline,
    participation_invite,
    participation_request,
    participation_withdraw,
)
from projects.services.lifecycle import (
    TRANSITIONS,
    Transition,
    proposal_create,
    proposal_transition,
    proposal_update,
    transition_blockers,
    transitions_for,
)
from projects.services.outbox import event_record
from projects.services.review import (
    Aggregate,
    CriterionValues,
    criteria_save,
    proposal_decide,
    review_aggregate,
    review_assign,
    review_submit,
    review_withdraw_assignment,
    reviewer_conflict,
)

__all__ = [
    "TRANSITIONS",
    "Aggregate",
    "ConsortiumInvitations",
    "ConsortiumRulesValues",
    "CriterionValues",
    "PreconditionsFail",
    "ProposalMovedOn",
    "RuleResult",
    "Transition",
    "alliance_rules_update",
    "competence_gaps",
    "consortium_check",
    "consortium_invite",
    "consortium_rules_update",
    "criteria_save",
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
