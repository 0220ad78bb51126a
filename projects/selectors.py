"""Reads across proposals, their consortium, reviews and history."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import batched
from statistics import median
from typing import TYPE_CHECKING, Any, cast

import rules
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Count,
    Exists,
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
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

from core import search
from core.pagecache import VERSION_KEY
from members.enums import MembershipStatus
from members.models import (
    Competence,
    FocusArea,
    Institution,
    InstitutionCompetence,
    Membership,
    PersonCompetence,
    User,
)
from members.rules import affiliations_of, is_coordinator
from members.selectors import institution_pending, institution_people
from projects import matching
from projects.enums import (
    CONSORTIUM_STATUSES,
    MEMBER_STAGES,
    OPEN_PARTICIPATION,
    PUBLIC_STAGES,
    UNDECIDED_STAGES,
    AssignmentStatus,
    Importance,
    MilestoneStatus,
    ParticipationRole,
    ParticipationStatus,
    Stage,
    Visibility,
)
from projects.models import (
    Criterion,
    Decision,
    Milestone,
    Participation,
    ParticipationTransition,
    ProgressUpdate,
    Proposal,
    ProposalCompetence,
    ProposalQuerySet,
    Review,
    ReviewAssignment,
    Revision,
    Score,
    StageTransition,
    mean_review_score,
    weighted_scores,
)
from projects.rules import institutions_free_to_join, is_lead, review_conflicts

if TYPE_CHECKING:
    from projects.matching.consortium import ConsortiumOption, ConsortiumResult


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
        .with_partner_count()
    )
    if stages:
        qs = qs.filter(stage__in=stages)
    return qs


def stages_visible_to(*, user) -> list[Stage]:
    """The stages the list's filter offers: those the user can see proposals in."""
    if not user.is_authenticated:
        return [stage for stage in Stage if stage in PUBLIC_STAGES]
    if user.is_coordinator:
        return list(Stage)
    # Public projects and open calls to everyone signed in; beyond them, what they take part in.
    seen = set(
        Proposal.objects.visible_to(user)
        .exclude(stage__in=MEMBER_STAGES)
        .order_by()
        .values_list("stage", flat=True)
        .distinct()
    )
    return [stage for stage in Stage if stage in MEMBER_STAGES | seen]


def focus_area_or_none(*, slug: str) -> FocusArea | None:
    """The focus area a list is filtered by, if the slug names one."""
    return FocusArea.objects.filter(slug=slug).first() if slug else None


def _public_since() -> Subquery:
    """When a proposal first entered a public stage (its approval)."""
    first = (
        StageTransition.objects.filter(proposal=OuterRef("pk"), to_stage__in=PUBLIC_STAGES)
        .order_by("created_at", "pk")
        .values("created_at")[:1]
    )
    return Subquery(first)


def public_proposals_feed(*, user) -> QuerySet[Proposal]:
    """Public proposals newest-public first, annotated ``public_at``, with an entry's rows."""
    return (
        Proposal.objects.visible_to(user)
        .in_stage(*PUBLIC_STAGES)
        .select_related("lead_institution", "focus_area")
        .annotate(public_at=Coalesce(_public_since(), "stage_changed_at"))
        .order_by("-public_at", "-pk")
    )


def reached_milestones_feed(*, user) -> QuerySet[Milestone]:
    """Milestones done on public proposals, newest first, annotated ``reached_at``."""
    public = Proposal.objects.visible_to(user).in_stage(*PUBLIC_STAGES)
    return (
        Milestone.objects.filter(status=MilestoneStatus.DONE, proposal__in=public)
        .select_related("proposal__lead_institution", "proposal__focus_area")
        .annotate(reached_at=Coalesce("done_at", "created_at"))
        .order_by("-reached_at", "-pk")
    )


# The progress updates a project's page shows (and the API with it): the newest ones.
UPDATES_SHOWN = 20


def project_catalogue(
    *,
    user,
    focus_area: str = "",
    stage: str = "",
    country: str = "",
    institution: str = "",
    licence: str = "",
) -> QuerySet[Proposal]:
    """The public projects the user may see, filtered, with a list row's, in a stable order.

    ``country`` and ``institution`` (a slug) match a project whose lead institution or one
    of whose confirmed partners is there or is it; ``focus_area`` is a slug.
    """
    projects = (
        Proposal.objects.visible_to(user)
        .in_stage(*PUBLIC_STAGES)
        .select_related("lead_institution", "focus_area")
        .with_partner_count()
    )
    if focus_area:
        projects = projects.filter(focus_area__slug=focus_area)
    if stage:
        projects = projects.filter(stage=stage)
    if licence:
        projects = projects.filter(licence=licence)
    partners = Participation.objects.confirmed_partners()
    if country:
        projects = projects.filter(
            Q(lead_institution__country=country)
            | Q(pk__in=partners.filter(institution__country=country).values("proposal_id"))
        )
    if institution:
        projects = projects.filter(
            Q(lead_institution__slug=institution)
            | Q(pk__in=partners.filter(institution__slug=institution).values("proposal_id"))
        )
    # The project list's order; the id decides between projects moved at the same moment.
    return projects.order_by("-stage_changed_at", "-pk")


def public_project(*, user, slug: str) -> Proposal:
    """The public project ``slug`` with what its page shows a visitor; 404 when not public.

    Its lists are loaded beside it: ``consortium_rows`` (as the page lists the consortium),
    ``competence_rows``, ``milestone_rows`` and ``update_rows`` (the newest
    ``UPDATES_SHOWN``). Nothing of its review or decisions is read.
    """
    proposal = get_object_or_404(
        Proposal.objects.visible_to(user)
        .in_stage(*PUBLIC_STAGES)
        .select_related("lead_institution", "focus_area")
        .with_partner_count(),
        slug=slug,
    )
    prefetch_related_objects(
        [proposal],
        Prefetch("participations", queryset=_consortium_rows(), to_attr="consortium_rows"),
        Prefetch(
            "required_competences",
            queryset=ProposalCompetence.objects.select_related("competence"),
            to_attr="competence_rows",
        ),
        Prefetch("milestones", to_attr="milestone_rows"),
        Prefetch(
            "progress_updates",
            queryset=ProgressUpdate.objects.select_related("author")[:UPDATES_SHOWN],
            to_attr="update_rows",
        ),
    )
    return proposal


def focus_area_catalogue(*, user) -> QuerySet[FocusArea]:
    """Every focus area, annotated ``project_count``: the public projects the user may see in it."""
    public = Proposal.objects.visible_to(user).in_stage(*PUBLIC_STAGES)
    return FocusArea.objects.annotate(
        project_count=_zero(_count_of(public, to="focus_area"))
    ).order_by("position", "name")


def focus_area_with_competences(*, user, slug: str) -> FocusArea:
    """One focus area of the catalogue with its competences, by name; 404 when unknown."""
    return get_object_or_404(
        focus_area_catalogue(user=user).prefetch_related(
            Prefetch("competences", queryset=Competence.objects.order_by("name"))
        ),
        slug=slug,
    )


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


def _consortium_rows() -> QuerySet[Participation]:
    """Every participation row as the proposal page lists the consortium."""
    return Participation.objects.select_related("institution", "person").order_by(
        "role", "institution__name"
    )


def proposal_consortium(*, proposal: Proposal) -> list[Participation]:
    """The consortium rows, kept on the proposal: the rules asked of it then need no query."""
    prefetch_related_objects([proposal], Prefetch("participations", queryset=_consortium_rows()))
    return list(proposal.participations.all())


def proposal_required_competences(*, proposal: Proposal) -> list[ProposalCompetence]:
    return list(proposal.required_competences.select_related("competence"))


@dataclass(frozen=True)
class TimelineStep:
    transition: StageTransition
    comment: str  # empty where the reader may not read it


def proposal_timeline(*, proposal: Proposal, user) -> list[TimelineStep]:
    """The stage changes; a decision's comment (its reason) only for those who may read it."""
    may_read_reason = rules.has_perm("projects.view_decision_reason", user, proposal)
    return [
        TimelineStep(
            transition=step,
            comment=step.comment if may_read_reason or not step.is_decision else "",
        )
        for step in proposal.transitions.select_related("actor")
    ]


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the proposal's timeline: a stage change, or a confirmed partner leaving."""

    title: str
    created_at: datetime
    actor: User
    comment: str


def proposal_history(*, proposal: Proposal, user) -> list[TimelineEntry]:
    """The stage changes and the withdrawals of confirmed partners, oldest first.

    Why a partner was withdrawn is shown to those the rules allow; others see that it was.
    The proposal's consortium should be loaded (``proposal_consortium``) for the rule.
    """
    entries = [
        TimelineEntry(
            title=str(step.transition.get_to_stage_display()),
            created_at=step.transition.created_at,
            actor=step.transition.actor,
            comment=step.comment,
        )
        for step in proposal_timeline(proposal=proposal, user=user)
    ]
    # The consortium rows are loaded: without a withdrawn one, there is nothing to ask.
    if not any(p.status == ParticipationStatus.WITHDRAWN for p in proposal.participations.all()):
        return entries
    reasons = rules.has_perm("projects.view_withdrawal_reasons", user, proposal)
    withdrawals = ParticipationTransition.objects.filter(
        participation__proposal=proposal,
        from_status=ParticipationStatus.CONFIRMED,
        to_status=ParticipationStatus.WITHDRAWN,
    ).select_related("actor", "participation__institution")
    entries += [
        TimelineEntry(
            title=_("%(institution)s withdrawn from the consortium")
            % {"institution": withdrawal.participation.institution.display_short_name},
            created_at=withdrawal.created_at,
            actor=withdrawal.actor,
            comment=withdrawal.comment if reasons else "",
        )
        for withdrawal in withdrawals
    ]
    return sorted(entries, key=lambda entry: entry.created_at)


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
REVIEWER_SUGGESTIONS = 10


@dataclass(frozen=True)
class ReviewerCandidate:
    """One person the coordinator may pick, with what the choice turns on."""

    person: User
    institutions: list[Institution]  # where the person is active
    competences: list[PersonCompetence]  # the proposal's required ones, most important first
    open_reviews: int  # assigned and not yet submitted, on proposals in Review
    conflict: str | None
    assigned: bool  # reviews this proposal already (assigned or submitted)
    # Suggested for texts close in meaning to the proposal, without a required competence.
    close_in_meaning: bool = False


@dataclass(frozen=True)
class ReviewerPage:
    """Who reviews the proposal now, and whom to add: suggested, or found by the search."""

    assignments: list[ReviewAssignment]
    candidates: list[ReviewerCandidate]
    required: list[ProposalCompetence]
    more: bool  # the search found more people than it lists


def _reviewers() -> QuerySet[User]:
    """People who can review (active, with an active affiliation), with their review load."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Exists(Membership.objects.filter(person=OuterRef("pk"), status=MembershipStatus.ACTIVE))
        )
        .annotate(
            open_reviews=Count(
                "review_assignments",
                filter=Q(
                    review_assignments__status=AssignmentStatus.ASSIGNED,
                    review_assignments__proposal__stage=Stage.REVIEW,
                ),
            )
        )
    )


def reviewer_page(*, proposal: Proposal, search: str) -> ReviewerPage:
    """Suggestions ranked by the required competences, without conflicts; or the search's matches.

    Below those with a required competence come those whose texts are close in meaning to
    the proposal without one (``rank_reviewers``). Only people with an active affiliation can review, so only they are offered. The search
    shows conflicted people too, with the reason, so that the coordinator learns why someone
    they looked for cannot review. A fixed number of queries, however many are listed.
    """
    conflicts = review_conflicts(proposal)
    required = list(
        proposal.required_competences.select_related("competence").order_by(
            "-importance", "competence__name"
        )
    )
    assignments = list(
        proposal.review_assignments.select_related("reviewer").exclude(
            status=AssignmentStatus.WITHDRAWN
        )
    )
    more = False
    covers: set[int] = set()
    if search:
        people = list(
            _reviewers()
            .filter(Q(display_name__icontains=search) | Q(email__icontains=search))
            .order_by("display_name", "pk")[: REVIEWER_SEARCH_LIMIT + 1]
        )
        more, people = len(people) > REVIEWER_SEARCH_LIMIT, people[:REVIEWER_SEARCH_LIMIT]
    else:
        # A few more than shown, for those the live check below leaves out.
        ranked = matching.rank_reviewers(
            proposal=proposal,
            required=required,
            exclude_people={proposal.lead_id},
            exclude_institutions=conflicts.institution_ids,
            limit=3 * REVIEWER_SUGGESTIONS,
        )
        found = _reviewers().in_bulk([r.person_id for r in ranked])
        people = [found[r.person_id] for r in ranked if r.person_id in found]
        covers = {r.person_id for r in ranked if r.covers}

    ids = [person.pk for person in people]
    institutions: dict[int, list[Institution]] = {pk: [] for pk in ids}
    for membership in (
        Membership.objects.filter(person_id__in=ids, status=MembershipStatus.ACTIVE)
        .select_related("institution")
        .order_by("institution__name")
    ):
        institutions[membership.person_id].append(membership.institution)
    importance = {r.competence_id: r.importance for r in required}
    competences: dict[int, list[PersonCompetence]] = {pk: [] for pk in ids}
    for competence in PersonCompetence.objects.filter(
        person_id__in=ids, competence_id__in=importance
    ).select_related("competence"):
        competences[competence.person_id].append(competence)
    reviewing = {a.reviewer_id for a in assignments}

    candidates = []
    for person in people:
        held = competences[person.pk]
        held.sort(key=lambda c: (-importance[c.competence_id], -c.level, c.competence.name))
        candidates.append(
            ReviewerCandidate(
                person=person,
                institutions=institutions[person.pk],
                competences=held,
                open_reviews=person.open_reviews,  # type: ignore[attr-defined]  # annotated
                conflict=conflicts.reason(
                    person_id=person.pk,
                    affiliations={i.pk for i in institutions[person.pk]},
                ),
                assigned=person.pk in reviewing,
                close_in_meaning=not search and person.pk not in covers,
            )
        )
    if not search:
        # Checked live: the index may be behind a new conflict or a competence dropped since
        # (someone suggested for their text alone needs none).
        candidates = [
            c for c in candidates if c.conflict is None and (c.competences or c.close_in_meaning)
        ]
        candidates = candidates[:REVIEWER_SUGGESTIONS]
    return ReviewerPage(
        assignments=assignments,
        candidates=candidates,
        required=required,
        more=more,
    )


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


class RevisionDiff(list[FieldDiff]):
    """Every compared field of two revisions, in the order the proposal shows them."""

    # Set when either revision predates the recording of the non-text fields.
    text_only: bool = False

    @property
    def has_changes(self) -> bool:
        return any(field.changed for field in self)


def _value_html(old: object, new: object) -> SafeString:
    if old == new:
        return escape(new)
    return format_html("<del>{}</del> <ins>{}</ins>", old, new)


def _detail_label(name: str, value: object) -> str:
    """A recorded value as the proposal page shows it."""
    if name == "visibility" and value in Visibility.values:
        return str(Visibility(value).label)
    if name == "duration_months" and isinstance(value, int):
        return ngettext("%(count)d month", "%(count)d months", value) % {"count": value}
    return str(value)


def _importance_label(value: int) -> str:
    return str(Importance(value).label) if value in Importance.values else str(value)


def _competences_html(old: list, new: list) -> SafeString:
    """One line per required competence that was added, dropped or given another importance."""
    before = {slug: (name, importance) for slug, name, importance in old}
    after = {slug: (name, importance) for slug, name, importance in new}
    lines = []
    for slug in sorted(before.keys() | after.keys(), key=lambda s: (before | after)[s][0]):
        if slug not in before:
            name, importance = after[slug]
            lines.append(format_html("<ins>{} ({})</ins>", name, _importance_label(importance)))
        elif slug not in after:
            name, importance = before[slug]
            lines.append(format_html("<del>{} ({})</del>", name, _importance_label(importance)))
        elif before[slug][1] != after[slug][1]:
            lines.append(
                format_html(
                    "{}: <del>{}</del> <ins>{}</ins>",
                    after[slug][0],
                    _importance_label(before[slug][1]),
                    _importance_label(after[slug][1]),
                )
            )
    if not lines:
        return escape(", ".join(name for _slug, name, _importance in new))
    return format_html_join("", '<span class="diff__line">{}</span>', ((line,) for line in lines))


def revision_diff(*, old: Revision, new: Revision) -> RevisionDiff:
    """The text fields word by word, then the other fields where both revisions record them."""
    labels = {field.name: str(field.verbose_name) for field in Revision._meta.fields}
    diff = RevisionDiff(
        FieldDiff(
            name=name,
            label=labels[name],
            html=_diff_html(getattr(old, name), getattr(new, name)),
            changed=getattr(old, name) != getattr(new, name),
        )
        for name in Revision.TEXT_FIELDS
    )
    if not (old.details and new.details):
        diff.text_only = True
        return diff
    detail_labels = {
        "focus_area": str(Proposal._meta.get_field("focus_area").verbose_name),
        "licence": str(Proposal._meta.get_field("licence").verbose_name),
        "duration_months": _("duration"),
        "visibility": str(Proposal._meta.get_field("visibility").verbose_name),
        "competences": _("required competences"),
    }
    for name in Revision.DETAIL_FIELDS:
        before, after = old.details.get(name), new.details.get(name)
        if name == "competences":
            html = _competences_html(before or [], after or [])
        else:
            html = _value_html(_detail_label(name, before), _detail_label(name, after))
        diff.append(
            FieldDiff(name=name, label=detail_labels[name], html=html, changed=before != after)
        )
    return diff


def diff_since_own_review(
    *, reviews: VisibleReviews, revisions: list[Revision]
) -> RevisionDiff | None:
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


# Whole consortia -------------------------------------------------------------------------


def open_participations(*, proposal: Proposal) -> dict[int, Participation]:
    """The proposal's participations still in play (invited, asking, in), by institution id."""
    return {
        p.institution_id: p
        for p in Participation.objects.filter(proposal=proposal, status__in=OPEN_PARTICIPATION)
    }


@dataclass(frozen=True)
class OptionMember:
    institution: Institution
    participation: Participation | None  # its open participation, if it has one
    is_lead: bool
    score: float | None  # its match, for a proposed partner
    brings: list[str]  # the required competences it adds, for a proposed partner

    @property
    def to_invite(self) -> bool:
        return self.score is not None and self.participation is None and not self.is_lead


@dataclass(frozen=True)
class ConsortiumChoice:
    """One suggested consortium as the builder page shows it: who is in, whom to invite."""

    option: ConsortiumOption
    members: list[OptionMember]

    @property
    def to_invite(self) -> list[Institution]:
        return [m.institution for m in self.members if m.to_invite]


def consortium_choices(*, proposal: Proposal, result: ConsortiumResult) -> list[ConsortiumChoice]:
    """Each option's institutions with where they stand, in one query for all options."""
    current = open_participations(proposal=proposal) if result.options else {}
    return [
        ConsortiumChoice(
            option=option,
            members=[
                OptionMember(
                    institution=institution,
                    participation=current.get(institution.pk),
                    is_lead=institution.pk == proposal.lead_institution_id,
                    score=option.scores.get(institution.pk),
                    brings=option.brings.get(institution.pk, []),
                )
                for institution in option.institutions
            ],
        )
        for option in result.options
    ]


@dataclass(frozen=True)
class InvitePreview:
    to_invite: list[Institution]
    already: list[tuple[Institution, Participation | None]]  # None for the lead's own


def consortium_invite_preview(
    *, proposal: Proposal, institutions: list[Institution]
) -> InvitePreview:
    """Of these institutions, who would be invited and who is already invited or in."""
    current = open_participations(proposal=proposal) if institutions else {}
    taken = set(current) | {proposal.lead_institution_id}
    return InvitePreview(
        to_invite=[i for i in institutions if i.pk not in taken],
        already=[(i, current.get(i.pk)) for i in institutions if i.pk in taken],
    )


# Export ---------------------------------------------------------------------------------

EXPORT_CHUNK_SIZE = 500


def export_columns() -> list[str]:
    """The export's header, in the order of ``proposal_export_rows``' cells."""
    return [
        _("Title"),
        _("URL"),
        _("Stage"),
        _("Visibility"),
        _("Focus area"),
        _("Lead"),
        _("Lead institution"),
        _("Confirmed partners"),
        _("Partner count"),
        _("Countries"),
        _("Reviews submitted"),
        _("Reviewers assigned"),
        _("Mean review score"),
        _("Decision"),
        _("Days in stage"),
        _("Created"),
    ]


def proposal_export_rows(*, proposals: QuerySet[Proposal]) -> Iterator[list[str]]:
    """One row of cells per proposal of a list's queryset, read in chunks as plain values.

    ``proposals`` is what the page lists (its selector and filters); the rows keep its order.
    The rows with their counts through one cursor, then two queries per chunk of
    ``EXPORT_CHUNK_SIZE``, however many proposals: the confirmed partners and the submitted
    reviews' scores. No model instances: building them was most of an export's time.
    """
    assignments = ReviewAssignment.objects.all()
    latest_decision = Decision.objects.filter(proposal=OuterRef("pk")).order_by("-created_at")
    if "partner_count" not in proposals.query.annotations:
        proposals = cast(ProposalQuerySet, proposals).with_partner_count()
    counts = {
        "reviewer_count": _zero(_count_of(assignments.exclude(status=AssignmentStatus.WITHDRAWN))),
        "review_count": _zero(_count_of(assignments.filter(status=AssignmentStatus.SUBMITTED))),
        "decision": Subquery(latest_decision.values("outcome")[:1]),
    }
    # The list's selectors annotate some of these already; the same name twice is an error.
    missing = {k: v for k, v in counts.items() if k not in proposals.query.annotations}
    # Typed loosely: the annotations above are names the plugin cannot see on the model.
    annotated: QuerySet[Any] = proposals.annotate(**missing)
    rows = annotated.values_list(
        "pk",
        "title",
        "slug",
        "stage",
        "visibility",
        "focus_area__name",
        "lead__display_name",
        "lead__email",
        "lead_institution__name",
        "lead_institution__country",
        "partner_count",
        "review_count",
        "reviewer_count",
        "decision",
        "stage_changed_at",
        "created_at",
    )
    now = timezone.now()
    # Each label translated once per export rather than once per row.
    stages = {value: str(label) for value, label in Stage.choices}
    visibilities = {value: str(label) for value, label in Visibility.choices}
    outcomes = {value: str(label) for value, label in Decision.Outcome.choices}
    country_names: dict[str, str] = {}

    def country_name(code: str) -> str:
        if code not in country_names:
            country_names[code] = countries.name(code)
        return country_names[code]

    # The proposal's address with its slug put in (one reverse per export, not per row).
    url_before, url_after = (settings.SITE_URL + _proposal_url("-slug-")).split("-slug-")
    for chunk in batched(rows.iterator(chunk_size=EXPORT_CHUNK_SIZE), EXPORT_CHUNK_SIZE):
        ids = [row[0] for row in chunk]
        partners: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for proposal_id, name, country in (
            Participation.objects.confirmed_partners()
            .filter(proposal_id__in=ids)
            .order_by("institution__name", "institution_id")
            .values_list("proposal_id", "institution__name", "institution__country")
        ):
            partners[proposal_id].append((name, country))
        # The review summary's reviews (every submitted one), scored as it scores them.
        reviews: dict[int, dict[int, list[tuple[Decimal, int]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for proposal_id, review_id, weight, value in (
            Score.objects.filter(review__assignment__proposal_id__in=ids)
            .order_by("review_id", "pk")
            .values_list(
                "review__assignment__proposal_id", "review_id", "criterion__weight", "value"
            )
        ):
            reviews[proposal_id][review_id].append((weight, value))
        for (
            pk,
            title,
            slug,
            stage,
            visibility,
            focus_area,
            lead_name,
            lead_email,
            lead_institution,
            lead_country,
            partner_count,
            review_count,
            reviewer_count,
            decision,
            stage_changed_at,
            created_at,
        ) in chunk:
            names = [name for name, _country in partners[pk]]
            codes = {lead_country, *(country for _name, country in partners[pk])}
            score = mean_review_score(weighted_scores(reviews[pk].values()))
            yield [
                title,
                url_before + slug + url_after,
                stages[stage],
                visibilities[visibility],
                focus_area,
                lead_name or lead_email,
                lead_institution,
                "; ".join(names),
                str(partner_count),
                "; ".join(sorted(country_name(code) for code in codes)),
                str(review_count),
                str(reviewer_count),
                "" if score is None else f"{score:.2f}",
                outcomes[decision] if decision else "",
                str((now - stage_changed_at).days),
                timezone.localdate(created_at).isoformat(),
            ]


def _proposal_url(slug: str) -> str:
    return reverse("projects:proposal_detail", kwargs={"slug": slug})


@dataclass(frozen=True)
class AllianceOverview:
    """The public projects in figures: each a list of (label, value) in display order."""

    stages: list[tuple[str, int]]
    focus_areas: list[tuple[str, int]]
    countries: list[tuple[str, int]]
    median_days: list[tuple[str, float]]
    months: list[tuple[str, int]]


def _months_back(now: datetime, n: int) -> list[tuple[int, int]]:
    year, month = now.year, now.month
    months = []
    for _i in range(n):
        months.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def alliance_overview(*, now: datetime | None = None) -> AllianceOverview:
    """Figures about the public projects only (Approved and later), the same for everyone."""

    public = Proposal.objects.visible_to(AnonymousUser()).in_stage(*PUBLIC_STAGES).order_by()
    by_stage = dict(public.values_list("stage").annotate(n=Count("pk")))
    stages = [
        (str(stage.label), by_stage.get(stage, 0)) for stage in Stage if stage in PUBLIC_STAGES
    ]
    focus_areas = list(
        public.values_list("focus_area__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "focus_area__name")
    )
    # The lead institution's country: one country per project, so the bars add up.
    by_country = public.values_list("lead_institution__country").annotate(n=Count("pk"))
    country_rows = sorted(
        ((str(countries.name(code)), n) for code, n in by_country),
        key=lambda row: (-row[1], row[0]),
    )
    # Time in a stage runs from entering it (or the proposal's creation) to the next move;
    # the stage a project is in now has no end yet and is left out.
    durations: dict[str, list[float]] = {}
    last: dict[int, datetime] = {}
    transitions = (
        StageTransition.objects.filter(proposal__in=public)
        .order_by("proposal_id", "created_at", "pk")
        .values_list("proposal_id", "from_stage", "created_at", "proposal__created_at")
    )
    for proposal_id, from_stage, at, created in transitions:
        since = last.get(proposal_id, created)
        durations.setdefault(from_stage, []).append((at - since).total_seconds() / 86400)
        last[proposal_id] = at
    median_days = [
        (str(stage.label), round(median(durations[stage]), 1))
        for stage in Stage
        if stage in durations
    ]
    now = timezone.localtime(now or timezone.now())
    months = _months_back(now, 12)
    per_month = dict.fromkeys(months, 0)
    for public_at in public.annotate(
        public_at=Coalesce(_public_since(), "stage_changed_at")
    ).values_list("public_at", flat=True):
        local = timezone.localtime(public_at)
        if (local.year, local.month) in per_month:
            per_month[(local.year, local.month)] += 1
    month_rows = [
        (date_format(datetime(year, month, 1), "YEAR_MONTH_FORMAT"), n)
        for (year, month), n in per_month.items()
    ]
    return AllianceOverview(
        stages=stages,
        focus_areas=focus_areas,
        countries=country_rows,
        median_days=median_days,
        months=month_rows,
    )


# Figures at most this old: the month bars move on with the calendar, not with an event.
ALLIANCE_OVERVIEW_TIMEOUT = 10 * 60


def alliance_overview_cached() -> AllianceOverview:
    """``alliance_overview`` from the cache, as fresh as the cached public pages."""
    # Every change a visitor could see bumps the public version (core.pagecache), so the
    # figures are keyed by it; the labels are translated, so by the language as well.
    version = cache.get(VERSION_KEY)
    if version is None:
        return alliance_overview()
    key = f"projects:alliance-overview:{version}:{translation.get_language()}"
    figures = cache.get(key)
    if figures is None:
        figures = alliance_overview()
        cache.set(key, figures, ALLIANCE_OVERVIEW_TIMEOUT)
    return figures


# Collaboration network ------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkInstitution:
    pk: int
    name: str
    short_name: str
    url: str
    country: str  # the ISO code
    country_name: str
    projects: int  # the public projects it leads or is a confirmed partner in
    partners: int  # the other institutions in those projects


@dataclass(frozen=True)
class CollaborationNetwork:
    """Institutions and the public projects they share: nodes, and pairs with their count."""

    institutions: list[NetworkInstitution]  # by name
    joint_projects: dict[tuple[int, int], int]  # (smaller pk, larger pk) → shared projects


def collaboration_network(*, focus_area: str = "", country: str = "") -> CollaborationNetwork:
    """Who works with whom on the public projects (Approved and later), the same for everyone.

    A project's consortium is its lead institution and its confirmed partners (the one
    definition in ``ParticipationQuerySet.confirmed_partners``); only institutions a visitor
    may see are drawn. ``focus_area`` (a slug) keeps that area's projects; ``country`` keeps
    the projects in which an institution of that country takes part, with all their members.
    """
    public = Proposal.objects.visible_to(AnonymousUser()).in_stage(*PUBLIC_STAGES)
    if focus_area:
        public = public.filter(focus_area__slug=focus_area)
    members = (
        public.order_by()
        .values_list("pk", "lead_institution_id")
        .union(
            Participation.objects.confirmed_partners()
            .filter(proposal__in=public.values("pk"))
            .order_by()
            .values_list("proposal_id", "institution_id")
        )
        .order_by()
    )
    consortia: dict[int, set[int]] = {}
    for proposal_id, institution_id in members:
        consortia.setdefault(proposal_id, set()).add(institution_id)
    involved = {pk for consortium in consortia.values() for pk in consortium}
    shown = {
        institution.pk: institution
        for institution in Institution.objects.visible_to(AnonymousUser())
        .filter(pk__in=involved)
        .only("name", "short_name", "slug", "country")
    }
    projects: dict[int, int] = {}
    partners: dict[int, set[int]] = {}
    joint: dict[tuple[int, int], int] = {}
    for consortium in consortia.values():
        ids = sorted(pk for pk in consortium if pk in shown)
        if country and not any(shown[pk].country == country for pk in ids):
            continue
        for index, pk in enumerate(ids):
            projects[pk] = projects.get(pk, 0) + 1
            partners.setdefault(pk, set()).update(ids[:index] + ids[index + 1 :])
            for other in ids[index + 1 :]:
                joint[(pk, other)] = joint.get((pk, other), 0) + 1
    # A few dozen countries among hundreds of institutions: each name translated once.
    country_names = {
        code: str(countries.name(code)) for code in {str(i.country) for i in shown.values()}
    }
    institutions = sorted(
        (
            NetworkInstitution(
                pk=pk,
                name=shown[pk].name,
                short_name=shown[pk].display_short_name,
                url=shown[pk].get_absolute_url(),
                country=str(shown[pk].country),
                country_name=country_names[str(shown[pk].country)],
                projects=count,
                partners=len(partners[pk]),
            )
            for pk, count in projects.items()
        ),
        key=lambda institution: institution.name.casefold(),
    )
    return CollaborationNetwork(institutions=institutions, joint_projects=joint)


# Institution dashboard ------------------------------------------------------------------

INSTITUTION_DASHBOARD_PEOPLE = 10


@dataclass(frozen=True)
class StageCount:
    stage: Stage
    count: int


@dataclass(frozen=True)
class Collaborator:
    institution: Institution
    joint_projects: int


@dataclass(frozen=True)
class InstitutionDashboard:
    people: list[Membership]  # the first few active members, representatives first
    people_count: int
    pending_affiliations: int
    projects: list[Proposal]
    stage_counts: list[StageCount]
    signoffs: list[Participation]
    collaborators: list[Collaborator]


def institution_dashboard(*, user: User, institution: Institution) -> InstitutionDashboard:
    """An institution's people, projects by stage, pending sign-offs and collaborators.

    Its projects are those it leads or has confirmed as a partner (the one definition in
    ``ParticipationQuerySet.confirmed_partners``), and only those the user may see.
    """
    people = institution_people(user=user, institution=institution)
    visible = Proposal.objects.visible_to(user)
    partner_in = (
        Participation.objects.confirmed_partners()
        .filter(institution=institution)
        .values("proposal_id")
    )
    stage_order: dict[str, int] = {stage: index for index, stage in enumerate(Stage)}
    projects = sorted(
        visible.filter(Q(lead_institution=institution) | Q(pk__in=partner_in)).select_related(
            "lead_institution"
        ),
        key=lambda p: (stage_order[p.stage], p.title.casefold()),
    )
    by_stage: dict[str, int] = {}
    for project in projects:
        by_stage[project.stage] = by_stage.get(project.stage, 0) + 1
    # Each project's consortium, the institution aside: its lead and its confirmed partners.
    joint: dict[int, set[int]] = {}
    others: dict[int, Institution] = {}
    for project in projects:
        if project.lead_institution_id != institution.pk:
            joint.setdefault(project.lead_institution_id, set()).add(project.pk)
            others[project.lead_institution_id] = project.lead_institution
    partners = (
        Participation.objects.confirmed_partners()
        .filter(proposal__in=[p.pk for p in projects])
        .exclude(institution=institution)
        .select_related("institution")
    )
    for participation in partners:
        joint.setdefault(participation.institution_id, set()).add(participation.proposal_id)
        others[participation.institution_id] = participation.institution
    collaborators = sorted(
        (
            Collaborator(institution=others[pk], joint_projects=len(ids))
            for pk, ids in joint.items()
        ),
        key=lambda c: (-c.joint_projects, c.institution.name),
    )
    signoffs = list(
        _participations()
        .filter(
            institution=institution,
            status=ParticipationStatus.ACCEPTED,
            proposal__in=visible.values("pk"),
        )
        .order_by("created_at")
    )
    return InstitutionDashboard(
        people=list(people[:INSTITUTION_DASHBOARD_PEOPLE]),
        people_count=people.count(),
        pending_affiliations=institution_pending(institution=institution).count(),
        projects=projects,
        stage_counts=[
            StageCount(stage=Stage(stage), count=count)
            for stage, count in sorted(by_stage.items(), key=lambda item: stage_order[item[0]])
        ],
        signoffs=signoffs,
        collaborators=collaborators,
    )


# Search ---------------------------------------------------------------------------------

# The weights of the proposal search vector; the GIN index in migration 0012 is built on it,
# the SQLite FTS5 index in migration 0013 on its fields.
PROPOSAL_SEARCH_FIELDS = (("title", "A"), ("summary", "B"), ("description", "C"))


def proposal_search(
    *, user, text: str, focus_area: str = "", stage: str = "", competence: str = ""
) -> QuerySet[Proposal]:
    """The proposals the user may see that match ``text``: an exact title first, then by rank.

    ``competence`` keeps the proposals that require it.
    """
    proposals = proposal_list(user=user)
    if focus_area:
        proposals = proposals.filter(focus_area__slug=focus_area)
    if stage:
        proposals = proposals.filter(stage=stage)
    if competence:
        # One row per proposal and competence (a unique constraint): no duplicates.
        proposals = proposals.filter(required_competences__competence__slug=competence)
    return search.ranked(
        proposals,
        text=text,
        fields=PROPOSAL_SEARCH_FIELDS,
        title="title",
        body=("summary", "description"),
    )
