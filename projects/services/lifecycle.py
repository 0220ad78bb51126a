"""The lifecycle: one transition table and the one service that performs every stage change.

``proposal_transition`` checks the table, locks the row, writes the audit row and the
outbox event in the same transaction, and schedules the notification task on commit.
"""

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rules import Predicate

from core.exceptions import DomainError, NotPermitted
from core.idempotency import save_once
from members.models import (
    Competence,
    FocusArea,
    Institution,
    Membership,
    User,
)
from members.rules import is_coordinator
from projects.enums import (
    EDITABLE_STAGES,
    EventKind,
    Licence,
    ParticipationRole,
    ParticipationStatus,
    Stage,
    Visibility,
)
from projects.matching.cache import invalidate as matching_invalidate
from projects.models import (
    ProgressUpdate,
    Proposal,
    ProposalCompetence,
    Revision,
    StageTransition,
)
from projects.rules import is_lead
from projects.services.consortium import (
    RuleResult,
    consortium_refusal,
    consortium_rules_failing,
)
from projects.services.errors import PreconditionsFail, ProposalMovedOn
from projects.services.outbox import event_record

# The transition table -------------------------------------------------------------------


# Who may take each step is a predicate of the rules modules; asked with ``.test``, which
# passes each predicate the arguments it takes.
_lead = is_lead
_coordinator = is_coordinator


@dataclass(frozen=True)
class Precondition:
    failing: Callable[[Proposal], list[RuleResult]]
    refusal: Callable[[list[RuleResult]], str]


CONSORTIUM_RULES = Precondition(failing=consortium_rules_failing, refusal=consortium_refusal)


@dataclass(frozen=True)
class Transition:
    name: str
    label: object
    source: Stage
    target: Stage
    allowed: Predicate
    # Each names the rules that block the step (none when it may go ahead) and how to say so.
    preconditions: tuple[Precondition, ...] = ()
    comment_required: bool = False
    # Decisions reach the table only through proposal_decide, which records the Decision.
    via_decision: bool = False
    style: str = "primary"  # or "secondary", "danger": how the page shows the action


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
            preconditions=(CONSORTIUM_RULES,),
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
            # The end, not the next step: milestones and updates come first in Drive.
            style="secondary",
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
        if source == proposal.stage and t.allowed.test(user, proposal)
    ]


def transition_blockers(*, proposal: Proposal, transition: Transition) -> list[RuleResult]:
    """The rules that block this step now, each once (empty when it may go ahead)."""
    return [rule for check in transition.preconditions for rule in check.failing(proposal)]


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
    expected = expected or Stage(proposal.stage)
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
        raise NotPermitted(
            _("A proposal in %(source)s cannot move to %(target)s.")
            % {"source": locked.get_stage_display(), "target": Stage(to).label}
        )
    if not transition.allowed.test(actor, locked):
        raise NotPermitted(_("You may not do this with this proposal."))
    if transition.via_decision and not _decision:
        raise NotPermitted(_("Decisions are recorded through the decision form."))
    comment = comment.strip()
    if transition.comment_required and not comment:
        raise DomainError(_("Please give a reason."))
    for check in transition.preconditions:
        if failing := check.failing(locked):
            raise PreconditionsFail(check.refusal(failing), blockers=failing)

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
    matching_invalidate()  # stages decide which texts and loads the index counts
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


# How often a new proposal chooses its slug again when another took it at the same moment.
SLUG_ATTEMPTS = 5


def _save_new(proposal: Proposal, *, earlier) -> tuple[Proposal, bool]:
    """Save a new proposal under a free slug, or find the one its request token made."""
    for _attempt in range(SLUG_ATTEMPTS):
        try:
            return save_once(proposal, earlier=earlier)
        except IntegrityError:
            if not Proposal.objects.filter(slug=proposal.slug).exists():
                raise
            # Taken by a proposal committed since the slug was chosen: choose again.
            proposal.slug = _unique_slug(proposal.title)
    # Still racing after that many: a random suffix leaves nothing to race for.
    proposal.slug = f"{_unique_slug(proposal.title)[:210]}-{secrets.token_hex(4)}"
    return save_once(proposal, earlier=earlier)


def _set_competences(*, proposal: Proposal, competences: Mapping[Competence, int]) -> None:
    proposal.required_competences.exclude(competence__in=list(competences)).delete()
    for competence, importance in competences.items():
        ProposalCompetence.objects.update_or_create(
            proposal=proposal, competence=competence, defaults={"importance": importance}
        )


def _current_competences(proposal: Proposal) -> dict[Competence, int]:
    return {
        required.competence: required.importance
        for required in proposal.required_competences.select_related("competence")
    }


def _revision_values(
    *, proposal: Proposal, competences: Mapping[Competence, int]
) -> dict[str, object]:
    """What a revision of the proposal as it stands holds: its text and every other field."""
    return {
        **{name: getattr(proposal, name) for name in Revision.TEXT_FIELDS},
        "details": Revision.snapshot_details(proposal=proposal, competences=competences),
    }


def _record_revision(
    *, proposal: Proposal, author: User, values: Mapping[str, object], after: Revision | None
) -> Revision:
    number = after.number + 1 if after is not None else 1
    return Revision.objects.create(proposal=proposal, number=number, author=author, **values)


@transaction.atomic
def proposal_create(
    *,
    lead: User,
    lead_institution: Institution,
    title: str,
    summary: str,
    description: str,
    focus_area: FocusArea,
    goals: str = "",
    expected_outcomes: str = "",
    resources_offered: str = "",
    licence: Licence | None = None,
    duration_months: int | None = None,
    visibility: Visibility | None = None,
    competences: Mapping[Competence, int] | None = None,
    request_token: UUID | None = None,
) -> Proposal:
    """Create the lead's draft; a setting left at ``None`` takes the model's default.

    The same ``request_token`` again answers the draft it made, and creates nothing.
    """
    if not Membership.objects.active().filter(person=lead, institution=lead_institution).exists():
        raise DomainError(
            _("You can only lead a proposal for an institution you are an active member of.")
        )
    earlier = (
        Proposal.objects.filter(lead=lead, request_token=request_token)
        if request_token
        else Proposal.objects.none()
    )
    optional = {"licence": licence, "duration_months": duration_months, "visibility": visibility}
    proposal = Proposal(
        lead=lead,
        lead_institution=lead_institution,
        slug=_unique_slug(title),
        title=title,
        summary=summary,
        description=description,
        focus_area=focus_area,
        goals=goals,
        expected_outcomes=expected_outcomes,
        resources_offered=resources_offered,
        request_token=request_token,
        **{field: value for field, value in optional.items() if value is not None},
    )
    # The slug and the token are unique in the database; _save_new handles their races.
    proposal.full_clean(validate_unique=False, validate_constraints=False)
    proposal, created = _save_new(proposal, earlier=earlier)
    if not created:
        return proposal
    competences = competences or {}
    _set_competences(proposal=proposal, competences=competences)
    proposal.participations.create(
        institution=lead_institution,
        person=lead,
        role=ParticipationRole.LEAD,
        status=ParticipationStatus.CONFIRMED,
        created_by=lead,
        confirmed_by=lead,
    )
    _record_revision(
        proposal=proposal,
        author=lead,
        values=_revision_values(proposal=proposal, competences=competences),
        after=None,
    )
    matching_invalidate()
    return proposal


@transaction.atomic
def proposal_update(
    *,
    proposal: Proposal,
    actor: User,
    title: str | None = None,
    summary: str | None = None,
    description: str | None = None,
    focus_area: FocusArea | None = None,
    goals: str | None = None,
    expected_outcomes: str | None = None,
    resources_offered: str | None = None,
    licence: Licence | None = None,
    duration_months: int | None = None,
    visibility: Visibility | None = None,
    competences: Mapping[Competence, int] | None = None,
) -> Proposal:
    """Change what is given (``None`` keeps a field as it is) and keep a revision of it all.

    When nothing differs from the proposal as it is, nothing is saved and no revision is
    added: the proposal comes back with its ``updated_at`` unchanged.
    """
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if not is_lead.test(actor, locked):
        raise NotPermitted(_("Only the lead edits the proposal."))
    if locked.stage not in EDITABLE_STAGES:
        raise DomainError(
            _("A proposal in %(stage)s can no longer be edited.")
            % {"stage": locked.get_stage_display()}
        )
    fields = {
        "title": title,
        "summary": summary,
        "description": description,
        "focus_area": focus_area,
        "goals": goals,
        "expected_outcomes": expected_outcomes,
        "resources_offered": resources_offered,
        "licence": licence,
        "duration_months": duration_months,
        "visibility": visibility,
    }
    given = {name: value for name, value in fields.items() if value is not None}
    current = _current_competences(locked)
    before = _revision_values(proposal=locked, competences=current)
    for name, value in given.items():
        setattr(locked, name, value)
    locked.full_clean()
    if competences is None:
        competences = current
    values = _revision_values(proposal=locked, competences=competences)
    if values == before:
        return locked
    locked.save()
    _set_competences(proposal=locked, competences=competences)
    last = locked.revisions.order_by("-number").first()
    # Unless an edit made outside the form (the admin) is being undone, this differs.
    if last is None or not last.records(values):
        _record_revision(proposal=locked, author=actor, values=values, after=last)
    matching_invalidate()
    return locked
