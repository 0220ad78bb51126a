"""Who may do what with proposals (``rules`` predicates); lookups go through visible_to."""

from __future__ import annotations

import rules

from members.enums import MembershipStatus
from members.rules import is_coordinator, is_researcher
from projects.enums import EDITABLE_STAGES, AssignmentStatus, Stage
from projects.models import CONSORTIUM_STATUSES


@rules.predicate
def is_lead(user, proposal) -> bool:
    return proposal is not None and user.is_authenticated and proposal.lead_id == user.pk


@rules.predicate
def is_consortium_member(user, proposal) -> bool:
    """An active member of the lead institution or of a partner that has joined."""
    if proposal is None or not user.is_authenticated:
        return False
    cache = user.__dict__.setdefault("_consortium_cache", {})
    if proposal.pk not in cache:
        institutions = user.memberships.filter(status=MembershipStatus.ACTIVE).values("institution")
        cache[proposal.pk] = (
            proposal.lead_id == user.pk
            or proposal.participations.filter(
                status__in=CONSORTIUM_STATUSES, institution__in=institutions
            ).exists()
        )
    return cache[proposal.pk]


@rules.predicate
def is_assigned_reviewer(user, proposal) -> bool:
    if proposal is None or not user.is_authenticated:
        return False
    return (
        proposal.review_assignments.filter(reviewer=user)
        .exclude(status=AssignmentStatus.WITHDRAWN)
        .exists()
    )


@rules.predicate
def is_editable(user, proposal) -> bool:
    return proposal is not None and proposal.stage in EDITABLE_STAGES


@rules.predicate
def is_in_drive(user, proposal) -> bool:
    return proposal is not None and proposal.stage == Stage.DRIVE


rules.add_perm("projects.create_proposal", is_researcher)
rules.add_perm("projects.edit_proposal", is_lead & is_editable)
rules.add_perm("projects.view_review_queue", is_coordinator)
rules.add_perm("projects.assign_reviewers", is_coordinator)
rules.add_perm("projects.decide_proposal", is_coordinator)
rules.add_perm("projects.view_reviews", is_coordinator)
rules.add_perm("projects.edit_alliance_rules", is_coordinator)
rules.add_perm("projects.manage_milestones", is_consortium_member & is_in_drive)
rules.add_perm("projects.post_update", is_consortium_member & is_in_drive)
