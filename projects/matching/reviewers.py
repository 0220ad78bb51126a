"""Reviewer suggestions: the people whose competences cover what a proposal requires, then
those who write about the same work in other words."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple

import numpy as np

from projects.matching.cache import resolve_index
from projects.matching.embedding import embed
from projects.matching.index import MatchingIndex, proposal_query_text
from projects.matching.ranking import competence_coverage, text_affinity
from projects.matching.weights import REVIEWER_TEXT_FLOOR
from projects.models import Proposal, ProposalCompetence


class RankedReviewer(NamedTuple):
    person_id: int
    covers: bool  # holds a required competence; otherwise suggested for their text alone


def rank_reviewers(
    *,
    proposal: Proposal,
    required: Sequence[ProposalCompetence],
    exclude_people: Collection[int] = (),
    exclude_institutions: Collection[int] = (),
    limit: int = 30,
    index: MatchingIndex | None = None,
    text_floor: float = REVIEWER_TEXT_FLOOR,
) -> list[RankedReviewer]:
    """The people who best cover the proposal's required competences, best first, then
    those whose texts are close to it in meaning without a required competence.

    Coverage is scored as partner matching scores it (importance × level,
    ``competence_coverage``) over the person's own competences; equal coverage goes to the
    closer texts, then to the lower id. Text closeness is partner matching's calibrated
    affinity (embeddings and TF-IDF, each above its floor), so a stray shared word counts for
    nothing; below those with coverage come the people whose affinity reaches
    ``text_floor``, closest first: the reviewers of a proposal written in other words
    than their competences' names, or of one that names none. Never anyone of
    ``exclude_people`` nor anyone with an active membership at one of
    ``exclude_institutions`` (as the index knows them: the caller checks the live conflicts
    of those it shows).
    """
    index = resolve_index(index)
    if not len(index.person_ids):
        return []
    known = [
        (index.competence_pos[r.competence_id], r.importance)
        for r in required
        if r.competence_id in index.competence_pos
    ]
    columns = np.asarray([column for column, _importance in known], dtype=np.int64)
    importance = np.asarray([importance for _column, importance in known], dtype=np.float64)
    coverage = competence_coverage(index.person_levels[:, columns].astype(np.float64), importance)

    excluded = np.isin(index.person_ids, list(exclude_people))
    at_excluded = np.isin(index.institution_ids[index.row_institution], list(exclude_institutions))
    excluded[index.row_person[at_excluded]] = True

    query = proposal_query_text(proposal, [r.competence.name for r in required])
    sims = text_affinity(
        semantic=index.semantic_similarities(embed([query])[0]),
        lexical=index.text_similarities(index.query_vector(query)),
    )
    text = index.person_similarities(sims)

    covering = np.flatnonzero((coverage > 0) & ~excluded)
    close = np.flatnonzero((coverage == 0) & (text >= text_floor) & ~excluded)
    ids = index.person_ids
    ranked = [
        RankedReviewer(int(ids[k]), True)
        for k in covering[np.lexsort((ids[covering], -text[covering], -coverage[covering]))]
    ] + [RankedReviewer(int(ids[k]), False) for k in close[np.lexsort((ids[close], -text[close]))]]
    return ranked[:limit]
