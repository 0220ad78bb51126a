"""Reads across proposals, their consortium, reviews and history."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import timedelta

import rules
from django.db import connection
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, RowNumber
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from members.enums import MembershipStatus
from members.models import Institution, InstitutionCompetence, PersonCompetence, User
from members.rules import affiliations_of, is_coordinator
from projects.enums import (
    CONSORTIUM_STATUSES,
    UNDECIDED_STAGES,
    AssignmentStatus,
    ParticipationRole,
    ParticipationStatus,
    Stage,
)
from projects.models import (
    Criterion,
    Participation,
    Proposal,
    ProposalCompetence,
    Review,
    ReviewAssignment,
    Revision,
    Score,
    StageTransition,
)
from projects.rules import institutions_free_to_join, is_lead


def _count_of(rows: QuerySet, *, to: str = "proposal") -> Subquery:
    """How many of ``rows`` point at the outer row: a subquery run only for the rows shown.

    A joined ``Count`` groups every visible row before the page is cut, and the paginator's
    count goes through the same join; a correlated subquery is left out of the count and,
    under ORDER BY … LIMIT, evaluated for the rows of the page alone.
    """
    return Subquery(
        rows.filter(**{to: OuterRef("pk")})
        .order_by()
        .values(to)
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def _zero(count: Subquery) -> Coalesce:
    return Coalesce(count, 0)


def proposal_list(*, user, stages: list[str] | None = None) -> QuerySet[Proposal]:
    """Proposals the user may see, with what a list row shows, in a fixed number of queries."""
    qs = (
        Proposal.objects.visible_to(user)
        .select_related("lead", "lead_institution", "focus_area")
        .annotate(
            partner_count=_zero(
                _count_of(Participation.objects.filter(status=ParticipationStatus.CONFIRMED))
            )
        )
    )
    if stages:
        qs = qs.filter(stage__in=stages)
    return qs


def my_proposals(*, user: User) -> QuerySet[Proposal]:
    """Proposals the user leads or takes part in personally."""
    # Ids from the consortium rows rather than a join: no DISTINCT over whole rows.
    taking_part = Participation.objects.filter(person=user, status__in=CONSORTIUM_STATUSES).values(
        "proposal_id"
    )
    return proposal_list(user=user).filter(Q(lead=user) | Q(pk__in=taking_part))


def proposal_get(*, user, slug: str) -> Proposal:
    return get_object_or_404(
        Proposal.objects.visible_to(user).select_related("lead", "lead_institution", "focus_area"),
        slug=slug,
    )


def lead_institutions(*, user: User) -> QuerySet[Institution]:
    """Member institutions the user may lead a proposal for: where they are active."""
    return Institution.objects.members().filter(
        memberships__person=user, memberships__status=MembershipStatus.ACTIVE
    )


def proposal_competence_importances(*, proposal: Proposal) -> dict[int, int]:
    """The proposal's required competences: importance by competence id."""
    return dict(proposal.required_competences.values_list("competence_id", "importance"))


def proposal_consortium(*, proposal: Proposal) -> list[Participation]:
    """The consortium rows, kept on the proposal: the rules asked of it then need no query."""
    prefetch_related_objects(
        [proposal],
        Prefetch(
            "participations",
            queryset=Participation.objects.select_related("institution", "person").order_by(
                "role", "institution__name"
            ),
        ),
    )
    return list(proposal.participations.all())


def proposal_required_competences(*, proposal: Proposal) -> list[ProposalCompetence]:
    return list(proposal.required_competences.select_related("competence"))


def proposal_timeline(*, proposal: Proposal) -> list[StageTransition]:
    return list(proposal.transitions.select_related("actor"))


def proposal_revisions(*, proposal: Proposal) -> list[Revision]:
    return list(proposal.revisions.select_related("author"))


# Review ---------------------------------------------------------------------------------


def reviews_with_scores() -> QuerySet[Review]:
    return Review.objects.select_related("assignment__reviewer").prefetch_related(
        Prefetch("scores", queryset=Score.objects.select_related("criterion"))
    )


@dataclass(frozen=True)
class VisibleReviews:
    reviews: list[Review]
    show_names: bool
    own: Review | None
    own_assignment: ReviewAssignment | None
    hidden_until_own: bool


def reviews_visible_to(*, proposal: Proposal, user) -> VisibleReviews:
    """Coordinators see all; a reviewer sees others only after submitting; the lead never sees names."""
    if not user.is_authenticated:
        return VisibleReviews([], False, None, None, False)
    if is_coordinator(user):
        submitted = list(reviews_with_scores().filter(assignment__proposal=proposal))
        return VisibleReviews(submitted, True, None, None, False)
    if is_lead(user, proposal):
        # The lead is never a reviewer; after a decision they read the reviews, without names.
        if proposal.stage in UNDECIDED_STAGES:
            return VisibleReviews([], False, None, None, False)
        submitted = list(reviews_with_scores().filter(assignment__proposal=proposal))
        return VisibleReviews(submitted, False, None, None, False)
    assignment = (
        ReviewAssignment.objects.filter(proposal=proposal, reviewer=user)
        .exclude(status=AssignmentStatus.WITHDRAWN)
        .first()
    )
    if assignment is not None:
        if assignment.status != AssignmentStatus.SUBMITTED:
            return VisibleReviews([], False, None, assignment, True)
        submitted = list(reviews_with_scores().filter(assignment__proposal=proposal))
        own = next((r for r in submitted if r.assignment_id == assignment.pk), None)
        return VisibleReviews(submitted, False, own, assignment, False)
    return VisibleReviews([], False, None, None, False)


def review_queue(
    *, stage: str | None = None, focus_area: int | None = None, waiting_days: int | None = None
) -> QuerySet[Proposal]:
    """Coordinators' queue: proposals in review or awaiting action, oldest first."""
    stages = [stage] if stage else [Stage.REVIEW, Stage.CHANGES_REQUESTED, Stage.DEFINE]
    assignments = ReviewAssignment.objects.all()
    qs = (
        Proposal.objects.filter(stage__in=stages)
        .select_related("lead", "lead_institution", "focus_area")
        .annotate(
            reviewer_count=_zero(_count_of(assignments.exclude(status=AssignmentStatus.WITHDRAWN))),
            review_count=_zero(_count_of(assignments.filter(status=AssignmentStatus.SUBMITTED))),
        )
        .order_by("stage_changed_at")
    )
    if focus_area:
        qs = qs.filter(focus_area_id=focus_area)
    if waiting_days:
        qs = qs.filter(stage_changed_at__lte=timezone.now() - timedelta(days=waiting_days))
    return qs


REVIEWER_SEARCH_LIMIT = 20


@dataclass(frozen=True)
class ReviewerPage:
    """Who reviews the proposal now, and the first people who match the coordinator's search."""

    assignments: list[ReviewAssignment]
    matches: list[User]


def reviewer_page(*, proposal: Proposal, search: str) -> ReviewerPage:
    """Only people with an active affiliation can review, so only they are offered."""
    matches: list[User] = []
    if search:
        matches = list(
            User.objects.filter(is_active=True, memberships__status=MembershipStatus.ACTIVE)
            .filter(Q(display_name__icontains=search) | Q(email__icontains=search))
            .distinct()
            .order_by("display_name")[:REVIEWER_SEARCH_LIMIT]
        )
    assignments = list(
        proposal.review_assignments.select_related("reviewer").exclude(
            status=AssignmentStatus.WITHDRAWN
        )
    )
    return ReviewerPage(assignments=assignments, matches=matches)


def reviewer_inbox(*, user: User) -> QuerySet[ReviewAssignment]:
    return (
        ReviewAssignment.objects.filter(reviewer=user)
        .exclude(status=AssignmentStatus.WITHDRAWN)
        .select_related("proposal", "proposal__lead_institution", "proposal__focus_area")
        # Open reviews first, the soonest due at the top.
        .order_by("status", "due_at", "created_at")
    )


def active_criteria() -> list[Criterion]:
    return list(Criterion.objects.filter(active=True))


PIPELINE_COLUMN_SIZE = 12


@dataclass(frozen=True)
class PipelineColumn:
    stage: Stage
    count: int
    proposals: list[Proposal]

    @property
    def has_more(self) -> bool:
        return self.count > len(self.proposals)


def pipeline(*, user, size: int = PIPELINE_COLUMN_SIZE) -> list[PipelineColumn]:
    """The coordinators' board: per stage beyond draft, how many and the longest waiting."""
    visible = Proposal.objects.visible_to(user).exclude(stage=Stage.DRAFT)
    counts = dict(
        visible.order_by().values("stage").annotate(n=Count("pk")).values_list("stage", "n")
    )
    # The top of each column in one query, each part read from the (stage, stage_changed_at)
    # index; "show all" leads to the stage's list.
    ordered = visible.select_related("lead_institution").order_by("stage_changed_at", "pk")
    stages = [stage for stage in Stage if stage != Stage.DRAFT]
    if connection.features.supports_slicing_ordering_in_compound:
        first, *rest = [ordered.filter(stage=stage)[:size] for stage in stages]
        tops = first.union(*rest, all=True)
    else:  # SQLite: numbered within each stage instead (correct, not as fast)
        tops = ordered.annotate(
            place=Window(RowNumber(), partition_by="stage", order_by=["stage_changed_at", "pk"])
        ).filter(place__lte=size)
    columns: dict[str, list[Proposal]] = {stage.value: [] for stage in Stage}
    # A UNION keeps no order of its parts: longest waiting first, sorted here.
    for proposal in sorted(tops, key=lambda p: (p.stage_changed_at, p.pk)):
        columns[proposal.stage].append(proposal)
    return [
        PipelineColumn(stage=stage, count=counts.get(stage.value, 0), proposals=columns[stage])
        for stage in stages
    ]


# Revisions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldDiff:
    name: str
    label: str
    html: SafeString
    changed: bool


def _diff_html(old: str, new: str) -> SafeString:
    """Word-level diff as escaped HTML with <ins>/<del>."""
    # An empty text has no words (not one empty word, which would diff as an empty <del>).
    a, b = old.split(" ") if old else [], new.split(" ") if new else []
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape(" ".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(' '.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(' '.join(b[j1:j2]))}</ins>")
    return mark_safe(" ".join(out))  # every piece is escaped above


def revision_diff(*, old: Revision, new: Revision) -> list[FieldDiff]:
    labels = {field.name: str(field.verbose_name) for field in Revision._meta.fields}
    return [
        FieldDiff(
            name=name,
            label=labels[name],
            html=_diff_html(getattr(old, name), getattr(new, name)),
            changed=getattr(old, name) != getattr(new, name),
        )
        for name in Revision.TEXT_FIELDS
    ]


def diff_since_own_review(
    *, reviews: VisibleReviews, revisions: list[Revision]
) -> list[FieldDiff] | None:
    """What changed between the revision the reviewer reviewed and the latest one, if any."""
    own = reviews.own
    if own is None or not revisions or own.revision_number >= revisions[0].number:
        return None
    old = next((r for r in revisions if r.number == own.revision_number), None)
    return revision_diff(old=old, new=revisions[0]) if old is not None else None


# Joining --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParticipationActions:
    """The joining steps one participation row offers the user (the services decide again)."""

    accept: bool
    decline: bool
    confirm: bool
    withdraw: bool

    def __bool__(self) -> bool:
        return self.accept or self.decline or self.confirm or self.withdraw


def participation_actions(
    *, participations: list[Participation], user
) -> dict[int, ParticipationActions]:
    """Each row's actions for this user, by participation id; rows without any are left out.

    The rows must carry their proposal (as proposal_consortium and the inbox selectors
    load them): the rules read it and the user's affiliations, read once per request.
    """
    actions: dict[int, ParticipationActions] = {}
    if not user.is_authenticated:
        return actions
    for participation in participations:
        row = ParticipationActions(
            accept=rules.has_perm("projects.accept_participation", user, participation),
            decline=rules.has_perm("projects.decline_participation", user, participation),
            confirm=rules.has_perm("projects.confirm_participation", user, participation),
            withdraw=rules.has_perm("projects.withdraw_participation", user, participation),
        )
        if row:
            actions[participation.pk] = row
    return actions


def join_request_institutions(*, proposal: Proposal, user) -> QuerySet[Institution]:
    """Institutions the user could ask to join with: theirs, alliance members, not in it yet."""
    return Institution.objects.members().filter(pk__in=institutions_free_to_join(user, proposal))


def _participations() -> QuerySet[Participation]:
    return Participation.objects.select_related(
        "proposal", "proposal__lead", "proposal__lead_institution", "institution", "person"
    ).order_by("-updated_at")


@dataclass(frozen=True)
class PartneringInbox:
    invitations: list[Participation]
    requests: list[Participation]
    sent: list[Participation]


def partnering_inbox(*, user: User) -> PartneringInbox:
    represented = affiliations_of(user).represents
    return PartneringInbox(
        invitations=list(
            _participations().filter(
                Q(person=user) | Q(person__isnull=True, institution__in=represented),
                status=ParticipationStatus.INVITED,
            )
        ),
        requests=list(
            _participations().filter(proposal__lead=user, status=ParticipationStatus.REQUESTED)
        ),
        sent=list(
            _participations().filter(
                Q(proposal__lead=user, status=ParticipationStatus.INVITED)
                | Q(person=user, status=ParticipationStatus.REQUESTED)
            )
        ),
    )


def signoffs_for(*, user: User) -> list[Participation]:
    """Accepted participations awaiting the user's sign-off as representative."""
    represented = affiliations_of(user).represents
    return list(
        _participations().filter(institution__in=represented, status=ParticipationStatus.ACCEPTED)
    )


def coverage_matrix(
    *, required: list[ProposalCompetence], participations: list[Participation]
) -> list[tuple[ProposalCompetence, list[tuple[Participation, int | None]], bool]]:
    """Required competences × the consortium (lead and confirmed partners): levels, gaps marked.

    An institution's level is the best of its own profile and its active people's.
    """
    members = [
        p
        for p in participations
        if p.role == ParticipationRole.LEAD or p.status == ParticipationStatus.CONFIRMED
    ]
    ids = [p.institution_id for p in members]
    competence_ids = [r.competence_id for r in required]
    levels: dict[tuple[int, int], int] = {}
    by_institution = (
        InstitutionCompetence.objects.filter(
            institution_id__in=ids, competence_id__in=competence_ids
        )
        .values_list("institution_id", "competence_id", "level")
        .order_by()
    )
    by_people = (
        PersonCompetence.objects.filter(
            competence_id__in=competence_ids,
            person__memberships__institution_id__in=ids,
            person__memberships__status=MembershipStatus.ACTIVE,
        )
        .values_list("person__memberships__institution_id", "competence_id", "level")
        .order_by()
    )
    for institution_id, competence_id, level in by_institution.union(
        by_people, all=True
    ).order_by():
        key = (institution_id, competence_id)
        levels[key] = max(levels.get(key, 0), level)
    rows = []
    for item in required:
        cells = [(p, levels.get((p.institution_id, item.competence_id))) for p in members]
        rows.append((item, cells, any(level for _p, level in cells)))
    return rows
