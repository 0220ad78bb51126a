"""Suggestions for one proposal: hard filters with their reasons, scores and explanations.

The index holds what changes rarely (texts, competences, memberships); what a lead's next
click may change is read live per request in a fixed number of queries: the proposal's
required competences and participations, every institution's status, opt-out, capacity
and load, and who opted out of suggestions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from itertools import chain

import numpy as np
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from members.enums import InstitutionStatus
from members.models import Competence, Institution, User
from projects.enums import ACTIVE_STAGES, OPEN_PARTICIPATION, Stage
from projects.matching.index import PROPOSAL_TEXT_FIELDS, MatchingIndex, proposal_text
from projects.matching.weights import (
    COMPONENTS,
    DIVERSITY_SCAN,
    DIVERSITY_WINDOW,
    MAX_PER_COUNTRY,
    MAX_PER_INSTITUTION,
    SHARED_TERMS,
    WEIGHTS,
)
from projects.models import CONSORTIUM_STATUSES, Participation, Proposal, ProposalCompetence

# Stages whose proposals count as an institution's projects (for the newcomer boost).
PROJECT_STAGES = ACTIVE_STAGES | {Stage.COMPLETED}
NO_CAP = 1 << 30


def resolve_index(index: MatchingIndex | None) -> MatchingIndex:
    """The given index, or the process's current one."""
    if index is not None:
        return index
    from projects.matching.cache import get_index

    return get_index()


@dataclass(frozen=True)
class Requirement:
    competence_id: int
    name: str
    importance: int
    column: int | None  # position in the index; None for a competence newer than the index


@dataclass(frozen=True)
class Suggestion:
    """One ranked candidate and why: the score split by component, and what it brings."""

    person: User | None
    institution: Institution
    score: float
    components: dict[str, float]  # weighted contributions; they add up to ``score``
    raw: dict[str, float]  # component values before weighting, each in [0, 1]
    similarity: float  # cosine similarity of the best-matching text, before rank-normalising
    matched_competences: list[tuple[str, int, int]]  # (competence, level, importance)
    shared_terms: list[str]
    adds_coverage: list[str]  # required competences the current consortium lacks


def rank_normalise(values: np.ndarray) -> np.ndarray:
    """Map positive values to their rank share in (0, 1] (ties share the higher rank); 0 stays 0."""
    out = np.zeros(len(values), dtype=np.float64)
    positive = values > 0
    n = int(positive.sum())
    if n:
        kept = values[positive]
        out[positive] = np.searchsorted(np.sort(kept), kept, side="right") / n
    return out


def capacity_reason(load: int, capacity: int) -> str:
    return _("at capacity %(load)s/%(capacity)s") % {"load": load, "capacity": capacity}


class Context:
    """One proposal against one index, with the live state of consortium and candidates."""

    def __init__(self, *, proposal: Proposal, index: MatchingIndex) -> None:
        self.proposal = proposal
        self.index = index
        self.requirements = [
            Requirement(pk, name, importance, index.competence_pos.get(pk))
            for pk, name, importance in ProposalCompetence.objects.filter(proposal=proposal)
            .order_by("-importance", "competence__name", "competence_id")
            .values_list("competence_id", "competence__name", "importance")
        ]
        known = [r for r in self.requirements if r.column is not None]
        self.known_requirements = known
        self.columns = np.asarray([r.column for r in known], dtype=np.int64)
        self.importance = np.asarray([r.importance for r in known], dtype=np.float64)

        self.members: set[int] = {proposal.lead_institution_id}  # accepted or confirmed
        self.pending: set[int] = set()  # invited or requested
        for inst_id, status in Participation.objects.filter(
            proposal=proposal, status__in=OPEN_PARTICIPATION
        ).values_list("institution_id", "status"):
            (self.members if status in CONSORTIUM_STATUSES else self.pending).add(inst_id)
        self.pending -= self.members

        n = len(index.institution_ids)
        self.known = np.zeros(n, dtype=bool)  # still in the database
        self.status = np.full(n, "", dtype=object)
        self.open = np.zeros(n, dtype=bool)
        self.capacity = np.ones(n, dtype=np.int64)
        for pk, status, open_, capacity in Institution.objects.values_list(
            "pk", "status", "open_to_partnering", "capacity"
        ):
            i = index.institution_pos.get(pk)
            if i is not None:
                self.known[i], self.status[i], self.open[i] = True, status, open_
                self.capacity[i] = max(capacity, 1)
        self.load = np.zeros(n, dtype=np.int64)
        self.projects = np.zeros(n, dtype=np.int64)
        for inst_id, load, projects in institution_loads():
            i = index.institution_pos.get(inst_id)
            if i is not None:
                self.load[i], self.projects[i] = load, projects

        ids = index.institution_ids
        self.lead_pos = index.institution_pos.get(proposal.lead_institution_id)
        is_lead = ids == proposal.lead_institution_id
        is_member = np.isin(ids, list(self.members))
        is_pending = np.isin(ids, list(self.pending))
        usable = (
            self.known
            & (self.status == InstitutionStatus.MEMBER)
            & self.open
            & (self.load < self.capacity)
            & ~is_lead
        )
        self.eligible = usable & ~is_member & ~is_pending
        # The consortium builder may also pick those already invited or asking to join.
        self.buildable = usable & ~is_member
        self.member_positions = np.flatnonzero(is_member & self.known)
        n_comp = len(index.competence_ids)
        self.consortium_cover = (
            index.institution_cover[self.member_positions].max(axis=0)
            if len(self.member_positions)
            else np.zeros(n_comp, dtype=np.uint8)
        )
        lead_cover = (
            index.institution_cover[self.lead_pos]
            if self.lead_pos is not None
            else np.zeros(n_comp, dtype=np.uint8)
        )
        self.gaps = lead_cover[self.columns] == 0  # required competences the lead lacks

    @cached_property
    def opted_out_people(self) -> set[int]:
        return set(User.objects.filter(open_to_partnering=False).values_list("pk", flat=True))

    @cached_property
    def query(self):
        fields = {name: getattr(self.proposal, name) for name in PROPOSAL_TEXT_FIELDS}
        return self.index.query_vector(proposal_text(fields, [r.name for r in self.requirements]))

    @cached_property
    def sims(self) -> np.ndarray:
        return self.index.text_similarities(self.query)

    # Filters ------------------------------------------------------------------------

    def reasons(self, i: int) -> list[str]:
        """Why the institution at index position ``i`` is not suggested (empty: it is)."""
        pk = int(self.index.institution_ids[i])
        if not self.known[i]:
            return [_("no longer in the alliance")]
        return institution_reasons(
            pk=pk,
            proposal=self.proposal,
            members=self.members,
            pending=self.pending,
            status=self.status[i],
            open_to_partnering=bool(self.open[i]),
            load=int(self.load[i]),
            capacity=int(self.capacity[i]),
        )

    # Components ---------------------------------------------------------------------

    def components(
        self, levels: np.ndarray, text: np.ndarray, institutions: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Component values in [0, 1] for candidates with these levels (candidates × required)."""
        n = len(institutions)
        total = self.importance.sum()
        coverage = levels @ self.importance / (3.0 * total) if len(self.columns) else np.zeros(n)
        if self.gaps.any():
            covered = (levels[:, self.gaps] > 0).astype(np.float64)
            complementarity = (
                covered @ self.importance[self.gaps] / self.importance[self.gaps].sum()
            )
        else:
            complementarity = np.zeros(n)
        load = self.load[institutions].astype(np.float64)
        capacity = np.clip(1.0 - load / self.capacity[institutions], 0.0, 1.0)
        newcomer = 1.0 / (1.0 + self.projects[institutions])
        return {
            "text": text,
            "coverage": coverage,
            "complementarity": complementarity,
            "capacity": capacity,
            "newcomer": newcomer,
        }

    def institution_scores(self, mask: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Scores of the institutions in ``mask`` (text ranks among eligible institutions)."""
        index = self.index
        sims = index.institution_similarities(self.sims)
        ranked = np.zeros(len(sims))
        pool = self.eligible | mask
        ranked[pool] = rank_normalise(sims[pool])
        positions = np.flatnonzero(mask)
        levels = index.institution_cover[positions][:, self.columns].astype(np.float64)
        parts = self.components(levels, ranked[positions], positions)
        return positions, parts

    def explain(
        self, *, levels: np.ndarray, raw: dict[str, float], similarity: float, rows: np.ndarray
    ) -> dict:
        components = {name: WEIGHTS[name] * raw[name] for name in COMPONENTS}
        matched = sorted(
            (
                (r.name, int(levels[r.column]), r.importance)
                for r in self.known_requirements
                if levels[r.column] > 0
            ),
            key=lambda m: (-m[2], -m[1], m[0]),
        )
        return {
            "score": sum(components.values()),
            "components": components,
            "raw": raw,
            "similarity": similarity,
            "matched_competences": matched,
            "shared_terms": self.index.shared_terms(self.query, rows, SHARED_TERMS),
            "adds_coverage": [
                r.name
                for r in self.known_requirements
                if levels[r.column] > 0 and self.consortium_cover[r.column] == 0
            ],
        }


def institution_loads() -> list[tuple[int, int, int]]:
    """(institution, load, projects): distinct proposals in the consortium, active / ever run."""
    return list(
        Participation.objects.filter(status__in=CONSORTIUM_STATUSES)
        .values("institution_id")
        .annotate(
            load=Count("proposal_id", distinct=True, filter=Q(proposal__stage__in=ACTIVE_STAGES)),
            projects=Count(
                "proposal_id", distinct=True, filter=Q(proposal__stage__in=PROJECT_STAGES)
            ),
        )
        .values_list("institution_id", "load", "projects")
        .order_by("institution_id")
    )


def institution_reasons(
    *,
    pk: int,
    proposal: Proposal,
    members: set[int],
    pending: set[int],
    status: str,
    open_to_partnering: bool,
    load: int,
    capacity: int,
) -> list[str]:
    if pk == proposal.lead_institution_id:
        return [_("the lead's own institution")]
    reasons = []
    if pk in members or pk in pending:
        reasons.append(_("already in the consortium"))
    if status == InstitutionStatus.APPLICANT:
        reasons.append(_("not a member yet"))
    elif status == InstitutionStatus.SUSPENDED:
        reasons.append(_("suspended"))
    if not open_to_partnering:
        reasons.append(_("opted out"))
    if load >= capacity:
        reasons.append(capacity_reason(load, capacity))
    return reasons


def _diversify(
    order: np.ndarray,
    *,
    institution: np.ndarray,
    country: np.ndarray,
    person: np.ndarray | None,
    limit: int,
    max_per_institution: int,
    max_per_country: int,
) -> list[int]:
    """Re-rank so that no institution or country fills the first DIVERSITY_WINDOW places.

    A candidate over a cap waits; the waiting ones fill the window only when nobody else
    is left within DIVERSITY_SCAN places, and otherwise follow it in score order.
    """
    result: list[int] = []
    deferred: list[int] = []
    seen: set[int] = set()
    per_institution: Counter = Counter()
    per_country: Counter = Counter()
    window = min(DIVERSITY_WINDOW, limit)
    stop = len(order)
    for n, pos in enumerate(order.tolist()):
        if len(result) >= window or n >= DIVERSITY_SCAN:
            stop = n
            break
        key = int(person[pos]) if person is not None else pos
        if key in seen:
            continue
        if (
            per_institution[institution[pos]] >= max_per_institution
            or per_country[country[pos]] >= max_per_country
        ):
            deferred.append(pos)
            continue
        result.append(pos)
        seen.add(key)
        per_institution[institution[pos]] += 1
        per_country[country[pos]] += 1
    for pos in chain(deferred, order[stop:].tolist()):
        if len(result) >= limit:
            break
        key = int(person[pos]) if person is not None else pos
        if key not in seen:
            result.append(pos)
            seen.add(key)
    return result


def _display_mask(
    index: MatchingIndex,
    institutions: np.ndarray,
    levels_of,
    *,
    country=None,
    kind=None,
    competence=None,
) -> np.ndarray:
    mask = np.ones(len(institutions), dtype=bool)
    if country:
        mask &= index.institution_countries[institutions] == str(country)
    if kind:
        mask &= index.institution_kinds[institutions] == str(kind)
    if competence is not None:
        pk = competence.pk if isinstance(competence, Competence) else int(competence)
        column = index.competence_pos.get(pk)
        if column is None:
            return np.zeros(len(institutions), dtype=bool)
        mask &= levels_of(column) > 0
    return mask


def suggest_people(
    *,
    proposal: Proposal,
    index: MatchingIndex | None = None,
    limit: int = 20,
    country=None,
    kind=None,
    competence=None,
) -> list[Suggestion]:
    """Rank researchers of eligible institutions for the proposal, best first, explained."""
    index = resolve_index(index)
    ctx = Context(proposal=proposal, index=index)
    excluded = ctx.opted_out_people | {proposal.lead_id}
    row_person_ids = index.person_ids[index.row_person]
    eligible = ctx.eligible[index.row_institution] & ~np.isin(row_person_ids, list(excluded))
    rows = np.flatnonzero(eligible)
    people = index.row_person[rows]
    institutions = index.row_institution[rows]
    similarity = index.person_similarities(ctx.sims)[people]
    text = rank_normalise(similarity)

    shown = _display_mask(
        index,
        institutions,
        lambda column: index.person_levels[people, column],
        country=country,
        kind=kind,
        competence=competence,
    )
    rows, people, institutions = rows[shown], people[shown], institutions[shown]
    similarity, text = similarity[shown], text[shown]
    levels = index.person_levels[people][:, ctx.columns].astype(np.float64)
    parts = ctx.components(levels, text, institutions)
    score = sum(WEIGHTS[name] * parts[name] for name in COMPONENTS)
    order = np.lexsort((index.institution_ids[institutions], index.person_ids[people], -score))
    chosen = _diversify(
        order,
        institution=institutions,
        country=index.institution_countries[institutions],
        person=index.person_ids[people],
        limit=limit,
        max_per_institution=MAX_PER_INSTITUTION,
        max_per_country=MAX_PER_COUNTRY if not country else NO_CAP,
    )
    users = User.objects.in_bulk([int(index.person_ids[people[k]]) for k in chosen])
    insts = Institution.objects.in_bulk(
        [int(index.institution_ids[institutions[k]]) for k in chosen]
    )
    suggestions = []
    for k in chosen:
        p = int(people[k])
        explanation = ctx.explain(
            levels=index.person_levels[p],
            raw={name: float(parts[name][k]) for name in COMPONENTS},
            similarity=float(similarity[k]),
            rows=index.person_text_rows(p),
        )
        suggestions.append(
            Suggestion(
                person=users[int(index.person_ids[p])],
                institution=insts[int(index.institution_ids[institutions[k]])],
                **explanation,
            )
        )
    return suggestions


def suggest_institutions(
    *,
    proposal: Proposal,
    index: MatchingIndex | None = None,
    limit: int = 20,
    country=None,
    kind=None,
    competence=None,
) -> list[Suggestion]:
    """Rank eligible institutions for the proposal, best first, explained."""
    index = resolve_index(index)
    ctx = Context(proposal=proposal, index=index)
    return _suggest_institutions(
        ctx, limit=limit, country=country, kind=kind, competence=competence
    )


def _suggest_institutions(ctx: Context, *, limit: int, country, kind, competence):
    index = ctx.index
    candidates = np.flatnonzero(ctx.eligible)
    shown = _display_mask(
        index,
        candidates,
        lambda column: index.institution_cover[candidates, column],
        country=country,
        kind=kind,
        competence=competence,
    )
    mask = np.zeros(len(ctx.eligible), dtype=bool)
    mask[candidates[shown]] = True
    positions, parts = ctx.institution_scores(mask)
    score = sum(WEIGHTS[name] * parts[name] for name in COMPONENTS)
    order = np.lexsort((index.institution_ids[positions], -score))
    chosen = _diversify(
        order,
        institution=positions,
        country=index.institution_countries[positions],
        person=None,
        limit=limit,
        max_per_institution=1,
        max_per_country=MAX_PER_COUNTRY if not country else NO_CAP,
    )
    insts = Institution.objects.in_bulk([int(index.institution_ids[positions[k]]) for k in chosen])
    sims = index.institution_similarities(ctx.sims)
    suggestions = []
    for k in chosen:
        i = int(positions[k])
        explanation = ctx.explain(
            levels=index.institution_cover[i],
            raw={name: float(parts[name][k]) for name in COMPONENTS},
            similarity=float(sims[i]),
            rows=index.institution_text_rows(i),
        )
        suggestions.append(
            Suggestion(person=None, institution=insts[int(index.institution_ids[i])], **explanation)
        )
    return suggestions


# Why not ------------------------------------------------------------------------------


def why_not(
    *, proposal: Proposal, institution: Institution, index: MatchingIndex | None = None
) -> list[str]:
    """The filter reasons that keep an institution out of the suggestions (empty: none)."""
    index = resolve_index(index)
    i = index.institution_pos.get(institution.pk)
    if i is not None:
        return Context(proposal=proposal, index=index).reasons(i)
    # Newer than the index: judge it on the live row alone.
    institution = Institution.objects.get(pk=institution.pk)
    participations = dict(
        Participation.objects.filter(
            proposal=proposal, institution=institution, status__in=OPEN_PARTICIPATION
        ).values_list("institution_id", "status")
    )
    load = next((n for pk, n, _p in institution_loads() if pk == institution.pk), 0)
    reasons = institution_reasons(
        pk=institution.pk,
        proposal=proposal,
        members=set(participations),
        pending=set(),
        status=institution.status,
        open_to_partnering=institution.open_to_partnering,
        load=load,
        capacity=institution.capacity,
    )
    return reasons or [_("new to the alliance: suggested once the index is rebuilt")]


def why_not_person(
    *, proposal: Proposal, person: User, index: MatchingIndex | None = None
) -> list[str]:
    """Why a person is not suggested: their own choice, or each of their institutions' reasons."""
    index = resolve_index(index)
    if person.pk == proposal.lead_id:
        return [_("the lead")]
    reasons = []
    if not User.objects.filter(pk=person.pk, open_to_partnering=True).exists():
        reasons.append(_("opted out"))
    rows = index.rows_of_person.get(person.pk, [])
    if not rows:
        return [*reasons, _("no active membership")]
    ctx = Context(proposal=proposal, index=index)
    per_institution = [ctx.reasons(int(index.row_institution[r])) for r in rows]
    if any(not r for r in per_institution):
        return reasons
    return reasons + list(dict.fromkeys(chain.from_iterable(per_institution)))


def excluded_institutions(
    *, proposal: Proposal, index: MatchingIndex | None = None
) -> dict[int, list[str]]:
    """Every institution the filters keep out, with its reasons, by primary key."""
    index = resolve_index(index)
    ctx = Context(proposal=proposal, index=index)
    out = {}
    for i in np.flatnonzero(~ctx.eligible).tolist():
        if ctx.known[i]:
            out[int(index.institution_ids[i])] = ctx.reasons(i)
    return out
