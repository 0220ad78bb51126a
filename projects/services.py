"""Every change to proposals goes through these functions.

``proposal_transition`` is the one door for stage changes: it checks the transition
table, locks the row, writes the audit row and the outbox event in the same transaction,
and schedules the notification task on commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from statistics import mean, median, pstdev

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.exceptions import DomainError
from members.enums import InstitutionKind, MembershipStatus
from members.models import (
    Competence,
    Institution,
    InstitutionCompetence,
    Membership,
    PersonCompetence,
    User,
)
from projects.enums import (
    EDITABLE_STAGES,
    OPEN_PARTICIPATION,
    AssignmentStatus,
    EventKind,
    MilestoneStatus,
    ParticipationRole,
    ParticipationStatus,
    Recommendation,
    Stage,
)
from projects.models import (
    ConsortiumRules,
    Criterion,
    Decision,
    Milestone,
    NotificationEvent,
    ProgressUpdate,
    Proposal,
    ProposalCompetence,
    Review,
    ReviewAssignment,
    Revision,
    Score,
    StageTransition,
)

logger = logging.getLogger(__name__)

PROPOSAL_FIELDS = (
    "title",
    "summary",
    "description",
    "focus_area",
    "goals",
    "expected_outcomes",
    "resources_offered",
    "licence",
    "duration_months",
    "visibility",
)


class TransitionRefused(DomainError):
    """The actor may not make this transition (views answer 404 or hide the action)."""


class ProposalMovedOn(DomainError):
    """Someone else changed the stage first."""


# Outbox ---------------------------------------------------------------------------------


def event_record(
    *, kind: EventKind, actor: User | None, proposal: Proposal | None = None, **payload
) -> NotificationEvent:
    """Write a domain event in the current transaction; dispatch it once that commits."""
    event = NotificationEvent.objects.create(
        kind=kind, proposal=proposal, actor=actor, payload=payload
    )
    transaction.on_commit(lambda: event_enqueue(event_id=event.pk))
    return event


def event_enqueue(*, event_id: int) -> None:
    """Hand the event to Celery; a broker outage only delays it (the sweeper retries)."""
    from projects.tasks import task_dispatch_event

    try:
        task_dispatch_event.delay(event_id=event_id)
    except Exception:
        logger.warning(
            "Could not enqueue event %s; the sweeper will retry", event_id, exc_info=True
        )


# Consortium rules -----------------------------------------------------------------------


@dataclass(frozen=True)
class RuleResult:
    rule: str
    ok: bool
    detail: str


def consortium_check(
    *, proposal: Proposal, rules: ConsortiumRules | None = None
) -> list[RuleResult]:
    """Evaluate the consortium rules on the confirmed partners (the lead institution counts)."""
    rules = rules or ConsortiumRules.current()
    confirmed = list(
        Institution.objects.filter(
            participations__proposal=proposal,
            participations__status=ParticipationStatus.CONFIRMED,
            participations__role=ParticipationRole.PARTNER,
        ).distinct()
    )
    consortium = [
        proposal.lead_institution,
        *[i for i in confirmed if i.pk != proposal.lead_institution_id],
    ]
    partners = len(consortium) - 1
    countries = {str(i.country) for i in consortium}
    kinds = {i.kind for i in consortium}
    results = [
        RuleResult(
            "min_partner_institutions",
            partners >= rules.min_partner_institutions,
            _("At least %(n)s confirmed partner institution(s); %(have)s so far.")
            % {"n": rules.min_partner_institutions, "have": partners},
        ),
        RuleResult(
            "max_partner_institutions",
            partners <= rules.max_partner_institutions,
            _("At most %(n)s partner institutions; %(have)s confirmed.")
            % {"n": rules.max_partner_institutions, "have": partners},
        ),
        RuleResult(
            "min_countries",
            len(countries) >= rules.min_countries,
            _("Institutions from at least %(n)s countries; %(have)s so far.")
            % {"n": rules.min_countries, "have": len(countries)},
        ),
        RuleResult(
            "min_kinds",
            len(kinds) >= rules.min_kinds,
            _("At least %(n)s kinds of institution; %(have)s so far.")
            % {"n": rules.min_kinds, "have": len(kinds)},
        ),
    ]
    if rules.company_required:
        results.append(
            RuleResult(
                "company_required",
                InstitutionKind.COMPANY in kinds,
                _("A company in the consortium."),
            )
        )
    if rules.require_competence_coverage:
        missing = competence_gaps(proposal=proposal, institutions=consortium)
        results.append(
            RuleResult(
                "competence_coverage",
                not missing,
                _("Every required competence covered; missing: %(missing)s.")
                % {"missing": ", ".join(c.name for c in missing)}
                if missing
                else _("Every required competence is covered."),
            )
        )
    return results


def competence_gaps(*, proposal: Proposal, institutions: list[Institution]) -> list[Competence]:
    """Required competences that no institution covers, through its profile or its people."""
    required = [rc.competence for rc in proposal.required_competences.select_related("competence")]
    ids = [i.pk for i in institutions]
    by_institution = InstitutionCompetence.objects.filter(
        competence=OuterRef("pk"), institution_id__in=ids
    )
    by_people = PersonCompetence.objects.filter(
        competence=OuterRef("pk"),
        person__memberships__institution_id__in=ids,
        person__memberships__status=MembershipStatus.ACTIVE,
    )
    covered = set(
        Competence.objects.filter(pk__in=[c.pk for c in required])
        .filter(Exists(by_institution) | Exists(by_people))
        .values_list("pk", flat=True)
    )
    return [c for c in required if c.pk not in covered]


def _consortium_rules_hold(proposal: Proposal) -> str | None:
    failed = [r for r in consortium_check(proposal=proposal) if not r.ok]
    if failed:
        return _("The consortium rules do not hold yet: %(rules)s") % {
            "rules": " ".join(r.detail for r in failed)
        }
    return None


# The transition table -------------------------------------------------------------------


def _lead(user: User, proposal: Proposal) -> bool:
    return proposal.lead_id == user.pk


def _coordinator(user: User, proposal: Proposal) -> bool:
    return user.is_coordinator


@dataclass(frozen=True)
class Transition:
    name: str
    label: object
    source: Stage
    target: Stage
    allowed: Callable[[User, Proposal], bool]
    preconditions: tuple[Callable[[Proposal], str | None], ...] = ()
    comment_required: bool = False
    # Decisions reach the table only through proposal_decide, which records the Decision.
    via_decision: bool = False
    style: str = "primary"
    extra: dict = field(default_factory=dict)


TRANSITIONS: dict[tuple[Stage, Stage], Transition] = {
    (t.source, t.target): t
    for t in [
        Transition("submit", gettext_lazy("Open for partners"), Stage.DRAFT, Stage.DEFINE, _lead),
        Transition(
            "to_review",
            gettext_lazy("Submit for review"),
            Stage.DEFINE,
            Stage.REVIEW,
            _lead,
            preconditions=(_consortium_rules_hold,),
        ),
        Transition(
            "approve",
            gettext_lazy("Approve"),
            Stage.REVIEW,
            Stage.APPROVED,
            _coordinator,
            comment_required=True,
            via_decision=True,
        ),
        Transition(
            "request_changes",
            gettext_lazy("Request changes"),
            Stage.REVIEW,
            Stage.CHANGES_REQUESTED,
            _coordinator,
            comment_required=True,
            via_decision=True,
        ),
        Transition(
            "decline",
            gettext_lazy("Decline"),
            Stage.REVIEW,
            Stage.DECLINED,
            _coordinator,
            comment_required=True,
            via_decision=True,
            style="danger",
        ),
        Transition(
            "resubmit",
            gettext_lazy("Reopen for definition"),
            Stage.CHANGES_REQUESTED,
            Stage.DEFINE,
            _lead,
        ),
        Transition("kick_off", gettext_lazy("Kick off"), Stage.APPROVED, Stage.DRIVE, _lead),
        Transition(
            "pause",
            gettext_lazy("Pause"),
            Stage.DRIVE,
            Stage.PAUSED,
            _coordinator,
            comment_required=True,
            style="danger",
        ),
        Transition("resume", gettext_lazy("Resume"), Stage.PAUSED, Stage.DRIVE, _coordinator),
        Transition(
            "complete",
            gettext_lazy("Complete with final report"),
            Stage.DRIVE,
            Stage.COMPLETED,
            _lead,
            comment_required=True,
        ),
        *[
            Transition(
                "withdraw",
                gettext_lazy("Withdraw"),
                source,
                Stage.WITHDRAWN,
                _lead,
                comment_required=source != Stage.DRAFT,
                style="danger",
            )
            for source in (Stage.DRAFT, Stage.DEFINE, Stage.CHANGES_REQUESTED)
        ],
    ]
}


def transitions_for(*, proposal: Proposal, user: User) -> list[Transition]:
    """The actions the table offers this user on this proposal now (preconditions aside)."""
    if not user.is_authenticated:
        return []
    return [
        t
        for (source, _target), t in TRANSITIONS.items()
        if source == proposal.stage and t.allowed(user, proposal)
    ]


def transition_blockers(*, proposal: Proposal, transition: Transition) -> list[str]:
    return [msg for check in transition.preconditions if (msg := check(proposal))]


@transaction.atomic
def proposal_transition(
    *,
    proposal: Proposal,
    to: Stage,
    actor: User,
    comment: str = "",
    expected: Stage | None = None,
    _decision: bool = False,
) -> Proposal:
    """Move the proposal to ``to`` if the table allows it; exactly one concurrent caller wins.

    ``expected`` is the stage the actor saw (default: the stage of ``proposal`` as loaded);
    when the row has moved on since, the change is refused.
    """
    expected = expected or proposal.stage
    locked = (
        Proposal.objects.select_for_update().select_related("lead_institution").get(pk=proposal.pk)
    )
    if locked.stage != expected:
        raise ProposalMovedOn(
            _("The proposal has moved on: it is now in %(stage)s. Reload to see the change.")
            % {"stage": locked.get_stage_display()}
        )
    transition = TRANSITIONS.get((Stage(locked.stage), Stage(to)))
    if transition is None:
        raise TransitionRefused(
            _("A proposal in %(source)s cannot move to %(target)s.")
            % {"source": locked.get_stage_display(), "target": Stage(to).label}
        )
    if not transition.allowed(actor, locked):
        raise TransitionRefused(_("You may not do this with this proposal."))
    if transition.via_decision and not _decision:
        raise TransitionRefused(_("Decisions are recorded through the decision form."))
    comment = comment.strip()
    if transition.comment_required and not comment:
        raise DomainError(_("Please give a reason."))
    blockers = transition_blockers(proposal=locked, transition=transition)
    if blockers:
        raise DomainError(" ".join(blockers))

    source = locked.stage
    locked.stage = to
    locked.stage_changed_at = timezone.now()
    locked.save(update_fields=["stage", "stage_changed_at", "updated_at"])
    StageTransition.objects.create(
        proposal=locked, from_stage=source, to_stage=to, actor=actor, comment=comment
    )
    if to == Stage.COMPLETED:
        ProgressUpdate.objects.create(
            proposal=locked, author=actor, body=comment, is_final_report=True
        )
    event_record(
        kind=EventKind.STAGE_CHANGED,
        actor=actor,
        proposal=locked,
        from_stage=source,
        to_stage=str(to),
        comment=comment,
    )
    proposal.stage = locked.stage
    proposal.stage_changed_at = locked.stage_changed_at
    return locked


# Proposals ------------------------------------------------------------------------------


def _unique_slug(title: str) -> str:
    base = slugify(title)[:200] or "proposal"
    slug, n = base, 2
    while Proposal.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _set_competences(*, proposal: Proposal, competences: Mapping[Competence, int]) -> None:
    proposal.required_competences.exclude(competence__in=list(competences)).delete()
    for competence, importance in competences.items():
        ProposalCompetence.objects.update_or_create(
            proposal=proposal, competence=competence, defaults={"importance": importance}
        )


def _snapshot(*, proposal: Proposal, author: User) -> Revision:
    last = proposal.revisions.order_by("-number").first()
    values = {name: getattr(proposal, name) for name in Revision.TEXT_FIELDS}
    if last is not None and all(getattr(last, k) == v for k, v in values.items()):
        return last
    return Revision.objects.create(
        proposal=proposal, number=(last.number + 1 if last else 1), author=author, **values
    )


@transaction.atomic
def proposal_create(
    *,
    lead: User,
    lead_institution: Institution,
    competences: Mapping[Competence, int] | None = None,
    **fields,
) -> Proposal:
    unknown = set(fields) - set(PROPOSAL_FIELDS)
    if unknown:
        raise TypeError(f"Unknown proposal fields: {sorted(unknown)}")
    if not Membership.objects.active().filter(person=lead, institution=lead_institution).exists():
        raise DomainError(
            _("You can only lead a proposal for an institution you are an active member of.")
        )
    proposal = Proposal(
        lead=lead, lead_institution=lead_institution, slug=_unique_slug(fields["title"]), **fields
    )
    proposal.full_clean()
    proposal.save()
    _set_competences(proposal=proposal, competences=competences or {})
    proposal.participations.create(
        institution=lead_institution,
        person=lead,
        role=ParticipationRole.LEAD,
        status=ParticipationStatus.CONFIRMED,
        created_by=lead,
        confirmed_by=lead,
    )
    _snapshot(proposal=proposal, author=lead)
    return proposal


@transaction.atomic
def proposal_update(
    *,
    proposal: Proposal,
    actor: User,
    competences: Mapping[Competence, int] | None = None,
    **fields,
) -> Proposal:
    unknown = set(fields) - set(PROPOSAL_FIELDS)
    if unknown:
        raise TypeError(f"Unknown proposal fields: {sorted(unknown)}")
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.lead_id != actor.pk:
        raise TransitionRefused(_("Only the lead edits the proposal."))
    if locked.stage not in EDITABLE_STAGES:
        raise DomainError(
            _("A proposal in %(stage)s can no longer be edited.")
            % {"stage": locked.get_stage_display()}
        )
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    if competences is not None:
        _set_competences(proposal=locked, competences=competences)
    _snapshot(proposal=locked, author=actor)
    return locked


# Alliance-wide settings -----------------------------------------------------------------

RULES_FIELDS = (
    "min_partner_institutions",
    "max_partner_institutions",
    "min_countries",
    "min_kinds",
    "company_required",
    "require_competence_coverage",
)
CRITERION_FIELDS = ("name", "description", "weight", "position", "active")


@transaction.atomic
def consortium_rules_update(*, actor: User, **fields) -> ConsortiumRules:
    if not actor.is_coordinator:
        raise TransitionRefused(_("Only coordinators change the consortium rules."))
    unknown = set(fields) - set(RULES_FIELDS)
    if unknown:
        raise TypeError(f"Unknown rule fields: {sorted(unknown)}")
    ConsortiumRules.current()
    rules = ConsortiumRules.objects.select_for_update().get(pk=1)
    for name, value in fields.items():
        setattr(rules, name, value)
    rules.full_clean()
    rules.save()
    return rules


@transaction.atomic
def criteria_save(*, actor: User, changes: list[tuple[Criterion | None, dict]]) -> list[Criterion]:
    """Create or change review criteria; existing scores keep pointing at their criterion."""
    if not actor.is_coordinator:
        raise TransitionRefused(_("Only coordinators change the review criteria."))
    saved = []
    for criterion, fields in changes:
        unknown = set(fields) - set(CRITERION_FIELDS)
        if unknown:
            raise TypeError(f"Unknown criterion fields: {sorted(unknown)}")
        criterion = criterion or Criterion()
        for name, value in fields.items():
            setattr(criterion, name, value)
        criterion.full_clean()
        criterion.save()
        saved.append(criterion)
    return saved


# Review ---------------------------------------------------------------------------------


def reviewer_conflict(*, proposal: Proposal, reviewer: User) -> str | None:
    """Why this person may not review this proposal, or None."""
    if reviewer.pk == proposal.lead_id:
        return _("leads the proposal")
    institutions = Institution.objects.filter(
        memberships__person=reviewer, memberships__status=MembershipStatus.ACTIVE
    )
    if proposal.lead_institution in institutions:
        return _("works at the lead institution (%(institution)s)") % {
            "institution": proposal.lead_institution
        }
    shared = (
        proposal.participations.filter(status__in=OPEN_PARTICIPATION, institution__in=institutions)
        .select_related("institution")
        .first()
    )
    if shared is not None:
        return _("works at a participating institution (%(institution)s)") % {
            "institution": shared.institution
        }
    if not institutions.exists():
        return _("has no active affiliation")
    return None


@transaction.atomic
def review_assign(*, proposal: Proposal, reviewer: User, actor: User) -> ReviewAssignment:
    if not actor.is_coordinator:
        raise TransitionRefused(_("Only coordinators assign reviewers."))
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
        proposal=locked, reviewer=reviewer, defaults={"assigned_by": actor}
    )
    if not created:
        if assignment.status != AssignmentStatus.WITHDRAWN:
            raise DomainError(_("%(person)s is already a reviewer.") % {"person": reviewer})
        assignment.status = AssignmentStatus.ASSIGNED
        assignment.assigned_by = actor
        assignment.save(update_fields=["status", "assigned_by"])
    event_record(
        kind=EventKind.REVIEW_ASSIGNED,
        actor=actor,
        proposal=locked,
        reviewer_id=reviewer.pk,
    )
    return assignment


@transaction.atomic
def review_withdraw_assignment(*, assignment: ReviewAssignment, actor: User) -> ReviewAssignment:
    if not actor.is_coordinator:
        raise TransitionRefused(_("Only coordinators manage reviewers."))
    assignment = ReviewAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status == AssignmentStatus.SUBMITTED:
        raise DomainError(_("A submitted review stays on record."))
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
) -> Review:
    assignment = (
        ReviewAssignment.objects.select_for_update()
        .select_related("proposal")
        .get(pk=assignment.pk)
    )
    if assignment.reviewer_id != actor.pk:
        raise TransitionRefused(_("This review is assigned to someone else."))
    if assignment.proposal.stage != Stage.REVIEW:
        raise DomainError(_("Reviews are accepted while the proposal is in Review."))
    if assignment.status == AssignmentStatus.WITHDRAWN:
        raise DomainError(_("This review assignment was withdrawn."))
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


def review_aggregate(*, reviews: list[Review], criteria: list[Criterion]) -> Aggregate:
    """Weighted score per review (1–5), then mean, median and spread across reviews."""
    weights = {c.pk: float(c.weight) for c in criteria}
    totals = []
    for review in reviews:
        scored = [(weights.get(s.criterion_id, 0.0), s.value) for s in review.scores.all()]
        weight = sum(w for w, _v in scored)
        if weight:
            totals.append(sum(w * v for w, v in scored) / weight)
    recommendations = {r.value: 0 for r in Recommendation}
    for review in reviews:
        recommendations[review.recommendation] += 1
    return Aggregate(
        count=len(totals),
        mean=round(mean(totals), 2) if totals else None,
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


# Drive ----------------------------------------------------------------------------------


def _require_drive_member(*, proposal: Proposal, actor: User) -> None:
    from projects.rules import is_consortium_member

    if proposal.stage != Stage.DRIVE:
        raise DomainError(_("Milestones and updates belong to the Drive stage."))
    if not is_consortium_member(actor, proposal):
        raise TransitionRefused(_("Only consortium members plan and report."))


@transaction.atomic
def milestone_create(
    *, proposal: Proposal, actor: User, title: str, due_date, description: str = ""
) -> Milestone:
    _require_drive_member(proposal=proposal, actor=actor)
    milestone = Milestone(
        proposal=proposal,
        title=title.strip(),
        due_date=due_date,
        description=description.strip(),
        created_by=actor,
    )
    milestone.full_clean()
    milestone.save()
    event_record(
        kind=EventKind.MILESTONE, actor=actor, proposal=proposal, milestone_id=milestone.pk
    )
    return milestone


@transaction.atomic
def milestone_set_status(
    *, milestone: Milestone, actor: User, status: MilestoneStatus
) -> Milestone:
    _require_drive_member(proposal=milestone.proposal, actor=actor)
    milestone.status = status
    milestone.save(update_fields=["status"])
    event_record(
        kind=EventKind.MILESTONE,
        actor=actor,
        proposal=milestone.proposal,
        milestone_id=milestone.pk,
        status=str(status),
    )
    return milestone


@transaction.atomic
def progress_update_post(*, proposal: Proposal, actor: User, body: str) -> ProgressUpdate:
    _require_drive_member(proposal=proposal, actor=actor)
    if not body.strip():
        raise DomainError(_("An update needs some text."))
    update = ProgressUpdate.objects.create(proposal=proposal, author=actor, body=body.strip())
    event_record(
        kind=EventKind.PROGRESS_UPDATE, actor=actor, proposal=proposal, update_id=update.pk
    )
    return update
