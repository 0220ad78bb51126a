"""Reviewers, reviews, criteria and coordinators' decisions."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from statistics import median, pstdev
from typing import TypedDict
from uuid import UUID

import rules
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import DomainError, NotPermitted
from members.enums import MembershipStatus
from members.models import Membership, User
from projects.enums import (
    AssignmentStatus,
    EventKind,
    Recommendation,
    Stage,
)
from projects.models import (
    Criterion,
    Decision,
    Proposal,
    Review,
    ReviewAssignment,
    Score,
    mean_review_score,
    review_due_at,
    review_scores,
)
from projects.rules import review_conflicts
from projects.services.lifecycle import proposal_transition
from projects.services.outbox import event_record

# Review ---------------------------------------------------------------------------------


def reviewer_conflict(*, proposal: Proposal, reviewer: User) -> str | None:
    """Why this person may not review this proposal, or None (the rule: review_conflicts)."""
    affiliations = set(
        Membership.objects.filter(person=reviewer, status=MembershipStatus.ACTIVE).values_list(
            "institution_id", flat=True
        )
    )
    return review_conflicts(proposal).reason(person_id=reviewer.pk, affiliations=affiliations)


@transaction.atomic
def review_assign(
    *, proposal: Proposal, reviewer: User, actor: User, due_at: datetime | None = None
) -> ReviewAssignment:
    """Assign a reviewer, due ``due_at`` (default: settings.REVIEW_DUE_DAYS from now)."""
    if not rules.has_perm("projects.assign_reviewers", actor):
        raise NotPermitted(_("Only coordinators assign reviewers."))
    if due_at is None:
        due_at = review_due_at()
    elif due_at <= timezone.now():
        raise DomainError(_("Choose a due date in the future."))
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.stage != Stage.REVIEW:
        raise DomainError(_("Reviewers are assigned while the proposal is in Review."))
    conflict = reviewer_conflict(proposal=locked, reviewer=reviewer)
    if conflict:
        raise DomainError(
            _("%(person)s cannot review this proposal: %(reason)s.")
            % {"person": reviewer, "reason": conflict}
        )
    assignment, created = ReviewAssignment.objects.get_or_create(
        proposal=locked, reviewer=reviewer, defaults={"assigned_by": actor, "due_at": due_at}
    )
    if not created:
        if assignment.status != AssignmentStatus.WITHDRAWN:
            raise DomainError(_("%(person)s is already a reviewer.") % {"person": reviewer})
        # Assigned again: a new wait with its own due date.
        assignment.status = AssignmentStatus.ASSIGNED
        assignment.assigned_by = actor
        assignment.due_at = due_at
        assignment.save(update_fields=["status", "assigned_by", "due_at"])
    event_record(
        kind=EventKind.REVIEW_ASSIGNED,
        actor=actor,
        proposal=locked,
        reviewer_id=reviewer.pk,
        due_at=due_at.isoformat(),
    )
    return assignment


@transaction.atomic
def review_withdraw_assignment(*, assignment: ReviewAssignment, actor: User) -> ReviewAssignment:
    if not rules.has_perm("projects.assign_reviewers", actor):
        raise NotPermitted(_("Only coordinators manage reviewers."))
    assignment = (
        ReviewAssignment.objects.select_for_update(of=("self",))
        .select_related("proposal")
        .get(pk=assignment.pk)
    )
    if assignment.status == AssignmentStatus.SUBMITTED:
        raise DomainError(_("A submitted review stays on record."))
    if assignment.status == AssignmentStatus.WITHDRAWN:
        return assignment
    # Recorded before the status flips: who hears of an event is resolved as things stand
    # when it is recorded, and the reviewer, who could see the proposal until now, is told.
    event_record(
        kind=EventKind.REVIEW_WITHDRAWN,
        actor=actor,
        proposal=assignment.proposal,
        reviewer_id=assignment.reviewer_id,
    )
    assignment.status = AssignmentStatus.WITHDRAWN
    assignment.save(update_fields=["status"])
    return assignment


def current_revision_number(proposal: Proposal) -> int:
    return proposal.revisions.order_by("-number").values_list("number", flat=True).first() or 0


@transaction.atomic
def review_submit(
    *,
    assignment: ReviewAssignment,
    actor: User,
    scores: Mapping[Criterion, int],
    recommendation: Recommendation,
    comment: str,
    request_token: UUID | None = None,
) -> Review:
    """Record the reviewer's scores; a resubmission replaces the review it follows.

    The same ``request_token`` again (a double click) answers the review it made.
    """
    assignment = (
        ReviewAssignment.objects.select_for_update()
        .select_related("proposal")
        .get(pk=assignment.pk)
    )
    if not rules.has_perm("projects.write_review", actor, assignment):
        raise NotPermitted(_("This review is assigned to someone else."))
    if assignment.proposal.stage != Stage.REVIEW:
        raise DomainError(_("Reviews are accepted while the proposal is in Review."))
    if assignment.status == AssignmentStatus.WITHDRAWN:
        raise DomainError(_("This review assignment was withdrawn."))
    # The assignment is locked: a second post of the same form waits here, then finds it.
    earlier = (
        Review.objects.filter(assignment=assignment, request_token=request_token).first()
        if request_token
        else None
    )
    if earlier is not None:
        return earlier
    criteria = list(Criterion.objects.filter(active=True))
    missing = [c.name for c in criteria if c not in scores]
    if missing:
        raise DomainError(_("Score every criterion; missing: %(m)s.") % {"m": ", ".join(missing)})
    if any(not 1 <= int(v) <= 5 for v in scores.values()):
        raise DomainError(_("Scores run from 1 to 5."))
    if not comment.strip():
        raise DomainError(_("Please explain your recommendation in a comment."))
    Review.objects.filter(assignment=assignment).delete()  # a resubmission replaces the old
    review = Review.objects.create(
        assignment=assignment,
        recommendation=recommendation,
        comment=comment.strip(),
        revision_number=current_revision_number(assignment.proposal),
        request_token=request_token,
    )
    Score.objects.bulk_create(
        Score(review=review, criterion=c, value=int(scores[c])) for c in criteria
    )
    assignment.status = AssignmentStatus.SUBMITTED
    assignment.save(update_fields=["status"])
    event_record(
        kind=EventKind.REVIEW_SUBMITTED,
        actor=actor,
        proposal=assignment.proposal,
        assignment_id=assignment.pk,
    )
    return review


@dataclass(frozen=True)
class Aggregate:
    count: int
    mean: float | None
    median: float | None
    spread: float | None
    recommendations: dict[str, int]


def review_aggregate(*, reviews: list[Review]) -> Aggregate:
    """Weighted score per review (1–5), then mean, median and spread across reviews.

    Weights come from each score's criterion (load scores with their criterion).
    """
    totals = review_scores(reviews)
    recommendations = {r.value: 0 for r in Recommendation}
    for review in reviews:
        recommendations[review.recommendation] += 1
    return Aggregate(
        count=len(totals),
        mean=mean_review_score(totals),
        median=round(median(totals), 2) if totals else None,
        spread=round(pstdev(totals), 2) if len(totals) > 1 else (0.0 if totals else None),
        recommendations=recommendations,
    )


DECISION_TARGETS = {
    Decision.Outcome.APPROVE: Stage.APPROVED,
    Decision.Outcome.REQUEST_CHANGES: Stage.CHANGES_REQUESTED,
    Decision.Outcome.DECLINE: Stage.DECLINED,
}


@transaction.atomic
def proposal_decide(
    *,
    proposal: Proposal,
    actor: User,
    outcome: Decision.Outcome,
    reason: str,
    expected: Stage | None = None,
) -> Decision:
    """Record a coordinator's decision and move the proposal; the loser of a race is told."""
    moved = proposal_transition(
        proposal=proposal,
        to=DECISION_TARGETS[Decision.Outcome(outcome)],
        actor=actor,
        comment=reason,
        expected=expected,
        _decision=True,
    )
    decision = Decision.objects.create(
        proposal=moved, outcome=outcome, reason=reason.strip(), decided_by=actor
    )
    event_record(
        kind=EventKind.DECISION,
        actor=actor,
        proposal=moved,
        outcome=str(outcome),
        decision_id=decision.pk,
    )
    return decision


class CriterionValues(TypedDict):
    """Every field of a criterion a coordinator edits."""

    name: str
    description: str
    weight: Decimal
    position: int
    active: bool


@transaction.atomic
def criteria_save(
    *, actor: User, changes: Sequence[tuple[Criterion | None, CriterionValues]]
) -> list[Criterion]:
    """Create (``None``) or change review criteria; existing scores keep their criterion."""
    if not rules.has_perm("projects.edit_alliance_rules", actor):
        raise NotPermitted(_("Only coordinators change the review criteria."))
    saved = []
    for criterion, values in changes:
        criterion = criterion or Criterion()
        criterion.name = values["name"]
        criterion.description = values["description"]
        criterion.weight = values["weight"]
        criterion.position = values["position"]
        criterion.active = values["active"]
        criterion.full_clean()
        criterion.save()
        saved.append(criterion)
    return saved
