"""Ranked suggestions for one proposal, people or institutions, each with its explanation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext_lazy as _

from members.models import Competence, Institution, User
from projects.matching.cache import resolve_index
from projects.matching.context import Context
from projects.matching.index import MatchingIndex
from projects.matching.ranking import (
    Placed,
    components,
    diversify,
    total_score,
)
from projects.matching.weights import (
    CLOSE_SENTENCE_FLOOR,
    COMPONENTS,
    MAX_PER_COUNTRY,
    MAX_PER_INSTITUTION,
    SHARED_TERMS,
    WEIGHTS,
)
from projects.models import Proposal

NO_CAP = 1 << 30

COMPONENT_LABELS = {
    "text": _("Shared topics"),
    "coverage": _("Required competences"),
    "complementarity": _("Fills your gaps"),
    "capacity": _("Free capacity"),
    "newcomer": _("Newcomer"),
}


@dataclass(frozen=True)
class Suggestion:
    """One ranked candidate and why: the score split by component, and what it brings."""

    person: User | None
    institution: Institution
    score: float
    components: dict[str, float]  # weighted contributions; they add up to ``score``
    raw: dict[str, float]  # component values before weighting, each in [0, 1]
    similarity: float  # calibrated text affinity of the best-matching text, in [0, 1]
    matched_competences: list[tuple[str, int, int]]  # (competence, level, importance)
    shared_terms: list[str]
    close_sentence: str  # the candidate's public sentence closest in meaning to the proposal
    close_to: str  # … and the proposal's own sentence closest to that one
    adds_coverage: list[str]  # required competences the current consortium lacks
    fills_gaps: list[str]  # required competences the lead's own institution lacks
    required: int  # how many competences the proposal requires
    load: int  # the institution's active projects …
    capacity: int  # … out of how many it takes at once
    projects: int  # the alliance projects the institution has ever taken part in
    rank: int = 0  # 1-based place in the list as shown
    score_rank: int = 0  # 1-based place by score alone, before the diversity re-ranking
    held_back: str | None = None  # "institution" or "country": the diversity cap that held it

    @property
    def moved_up(self) -> bool:
        """Whether the diversity re-ranking placed it above where its score alone would."""
        return self.score_rank > self.rank

    @property
    def moved_down(self) -> bool:
        """Whether a diversity cap placed it below where its score alone would."""
        return self.held_back is not None and self.rank > self.score_rank

    @property
    def held_back_by_institution(self) -> bool:
        return self.held_back == "institution"

    @property
    def bars(self) -> list[tuple[str, str, float, float, float]]:
        """Per component: name, label, value in [0, 1], weight and weighted contribution."""
        return [
            (name, COMPONENT_LABELS[name], self.raw[name], WEIGHTS[name], self.components[name])
            for name in COMPONENTS
        ]


def candidate_components(
    ctx: Context, *, levels: np.ndarray, text: np.ndarray, institutions: np.ndarray
) -> dict[str, np.ndarray]:
    """Component values of candidates with these levels (candidates × required competences)."""
    return components(
        levels=levels,
        text=text,
        importance=ctx.importance,
        gaps=ctx.gaps,
        load=ctx.load[institutions],
        capacity=ctx.capacity[institutions],
        projects=ctx.projects[institutions],
    )


def institution_scores(ctx: Context, mask: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Positions and components of the institutions in ``mask``."""
    index = ctx.index
    sims = index.institution_similarities(ctx.sims)
    positions = np.flatnonzero(mask)
    levels = index.institution_cover[positions][:, ctx.columns].astype(np.float64)
    parts = candidate_components(ctx, levels=levels, text=sims[positions], institutions=positions)
    return positions, parts


def _explain(
    ctx: Context,
    *,
    levels: np.ndarray,
    raw: dict[str, float],
    similarity: float,
    rows: np.ndarray,
    institution: int,
    placed: Placed,
    rank: int,
    close: dict[str, str],
) -> dict:
    """Explain one candidate: score by component, matched competences, terms, added coverage,
    its institution's load, and where the diversity re-ranking placed it."""
    weighted = {name: WEIGHTS[name] * raw[name] for name in COMPONENTS}
    matched = sorted(
        (
            (r.name, int(levels[r.column]), r.importance)
            for r in ctx.known_requirements
            if levels[r.column] > 0
        ),
        key=lambda m: (-m[2], -m[1], m[0]),
    )
    return {
        "score": sum(weighted.values()),
        "components": weighted,
        "raw": raw,
        "similarity": similarity,
        "matched_competences": matched,
        "shared_terms": ctx.index.shared_terms(ctx.query, rows, SHARED_TERMS),
        **close,
        "adds_coverage": [
            r.name
            for r in ctx.known_requirements
            if levels[r.column] > 0 and ctx.consortium_cover[r.column] == 0
        ],
        "fills_gaps": [
            r.name
            for r, gap in zip(ctx.known_requirements, ctx.gaps.tolist(), strict=True)
            if gap and levels[r.column] > 0
        ],
        "required": len(ctx.requirements),
        "load": int(ctx.load[institution]),
        "capacity": int(ctx.capacity[institution]),
        "projects": int(ctx.projects[institution]),
        "rank": rank,
        "score_rank": placed.score_rank,
        "held_back": placed.held_back,
    }


def _close_sentences(ctx: Context, groups: list[np.ndarray]) -> list[dict[str, str]]:
    """Per candidate, its sentence closest in meaning to the proposal, and the proposal's to it.

    The candidate's comes from the index, which holds public texts only; the proposal's from
    the proposal the viewer is reading. Nothing is quoted below the floor.
    """
    own, own_vectors = ctx.query_sentences
    # Only the candidate's texts closest as a whole are split: an institution has many.
    groups = [rows[np.argsort(-ctx.semantic_sims[rows], kind="stable")[:3]] for rows in groups]
    result = []
    for sentence, cosine, vector in ctx.index.closest_sentences(ctx.query_embedding, groups):
        if vector is None or cosine < CLOSE_SENTENCE_FLOOR or not own:
            result.append({"close_sentence": "", "close_to": ""})
        else:
            close_to = own[int(np.argmax(own_vectors @ vector))]
            result.append({"close_sentence": sentence, "close_to": close_to})
    return result


def _display_mask(
    index: MatchingIndex,
    institutions: np.ndarray,
    levels_of: Callable[[int], np.ndarray],
    *,
    country=None,
    kind=None,
    competence=None,
) -> np.ndarray:
    """Which candidates the lead's display filters (country, kind, competence) let through."""
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


def _context(proposal: Proposal, index: MatchingIndex) -> Context:
    """The proposal's matching context, built once per proposal object and index.

    The partners page asks for people and for institutions of the same proposal in one
    request: both read the same institutions, loads and text similarities, so the second
    reuses the first's rather than querying and computing them again.
    """
    cached = getattr(proposal, "_matching_context", None)
    if cached is None or cached.index is not index:
        cached = Context(proposal=proposal, index=index)
        proposal._matching_context = cached  # type: ignore[attr-defined]
    return cached


def suggest_people(
    *,
    proposal: Proposal,
    index: MatchingIndex | None = None,
    limit: int = 20,
    country=None,
    kind=None,
    competence=None,
    diversity: bool = True,
) -> list[Suggestion]:
    """Rank researchers of eligible institutions for the proposal, best first, explained."""
    index = resolve_index(index)
    ctx = _context(proposal, index)
    excluded = ctx.opted_out_people | {proposal.lead_id}
    row_person_ids = index.person_ids[index.row_person]
    eligible = ctx.eligible[index.row_institution] & ~np.isin(row_person_ids, list(excluded))
    rows = np.flatnonzero(eligible)
    people = index.row_person[rows]
    institutions = index.row_institution[rows]
    similarity = index.person_similarities(ctx.sims)[people]

    shown = _display_mask(
        index,
        institutions,
        lambda column: index.person_levels[people, column],
        country=country,
        kind=kind,
        competence=competence,
    )
    rows, people, institutions = rows[shown], people[shown], institutions[shown]
    similarity = similarity[shown]
    levels = index.person_levels[people][:, ctx.columns].astype(np.float64)
    parts = candidate_components(ctx, levels=levels, text=similarity, institutions=institutions)
    score = total_score(parts)
    order = np.lexsort((index.institution_ids[institutions], index.person_ids[people], -score))
    chosen = diversify(
        order,
        institution=institutions,
        country=index.institution_countries[institutions],
        person=index.person_ids[people],
        limit=limit,
        max_per_institution=MAX_PER_INSTITUTION,
        max_per_country=MAX_PER_COUNTRY if not country else NO_CAP,
        enabled=diversity,
    )
    users = User.objects.in_bulk([int(index.person_ids[people[c.pos]]) for c in chosen])
    insts = Institution.objects.in_bulk(
        [int(index.institution_ids[institutions[c.pos]]) for c in chosen]
    )
    closes = _close_sentences(ctx, [index.person_text_rows(int(people[c.pos])) for c in chosen])
    suggestions = []
    for rank, placed in enumerate(chosen, start=1):
        k = placed.pos
        p = int(people[k])
        explanation = _explain(
            ctx,
            levels=index.person_levels[p],
            raw={name: float(parts[name][k]) for name in COMPONENTS},
            similarity=float(similarity[k]),
            rows=index.person_text_rows(p),
            institution=int(institutions[k]),
            placed=placed,
            rank=rank,
            close=closes[rank - 1],
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
    diversity: bool = True,
) -> list[Suggestion]:
    """Rank eligible institutions for the proposal, best first, explained."""
    index = resolve_index(index)
    ctx = _context(proposal, index)
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
    positions, parts = institution_scores(ctx, mask)
    score = total_score(parts)
    order = np.lexsort((index.institution_ids[positions], -score))
    chosen = diversify(
        order,
        institution=positions,
        country=index.institution_countries[positions],
        person=None,
        limit=limit,
        max_per_institution=1,
        max_per_country=MAX_PER_COUNTRY if not country else NO_CAP,
        enabled=diversity,
    )
    insts = Institution.objects.in_bulk(
        [int(index.institution_ids[positions[c.pos]]) for c in chosen]
    )
    sims = index.institution_similarities(ctx.sims)
    closes = _close_sentences(
        ctx, [index.institution_text_rows(int(positions[c.pos])) for c in chosen]
    )
    suggestions = []
    for rank, placed in enumerate(chosen, start=1):
        k = placed.pos
        i = int(positions[k])
        explanation = _explain(
            ctx,
            levels=index.institution_cover[i],
            raw={name: float(parts[name][k]) for name in COMPONENTS},
            similarity=float(sims[i]),
            rows=index.institution_text_rows(i),
            institution=i,
            placed=placed,
            rank=rank,
            close=closes[rank - 1],
        )
        suggestions.append(
            Suggestion(person=None, institution=insts[int(index.institution_ids[i])], **explanation)
        )
    return suggestions
