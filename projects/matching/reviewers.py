"""Reviewer suggestions: the people whose competences cover what a proposal requires."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from projects.matching.cache import resolve_index
from projects.matching.index import MatchingIndex, proposal_text
from projects.matching.ranking import competence_coverage, rank_normalise
from projects.models import PROPOSAL_TEXT_FIELDS, Proposal, ProposalCompetence


def rank_reviewers(
    *,
    proposal: Proposal,
    required: Sequence[ProposalCompetence],
    exclude_people: Collection[int] = (),
    exclude_institutions: Collection[int] = (),
    limit: int = 30,
    index: MatchingIndex | None = None,
) -> list[int]:
    """Ids of the people who best cover the proposal's required competences, best first.

    Scored as partner matching scores coverage (importance × level, ``competence_coverage``)
    over the person's own competences; equal coverage goes to the closer texts, then to the
    lower id. Only people with at least one required competence, none of ``exclude_people``
    and nobody with an active membership at one of ``exclude_institutions`` (as the index
    knows them: the caller checks the live conflicts of those it shows).
    """
    index = resolve_index(index)
    known = [
        (index.competence_pos[r.competence_id], r.importance)
        for r in required
        if r.competence_id in index.competence_pos
    ]
    if not known or not len(index.person_ids):
        return []
    columns = np.asarray([column for column, _importance in known], dtype=np.int64)
    importance = np.asarray([importance for _column, importance in known], dtype=np.float64)
    coverage = competence_coverage(index.person_levels[:, columns].astype(np.float64), importance)

    excluded = np.isin(index.person_ids, list(exclude_people))
    at_excluded = np.isin(index.institution_ids[index.row_institution], list(exclude_institutions))
    excluded[index.row_person[at_excluded]] = True
    candidates = np.flatnonzero((coverage > 0) & ~excluded)
    if not len(candidates):
        return []

    fields = {name: getattr(proposal, name) for name in PROPOSAL_TEXT_FIELDS}
    query = index.query_vector(proposal_text(fields, [r.competence.name for r in required]))
    text = rank_normalise(index.person_similarities(index.text_similarities(query)))
    order = np.lexsort((index.person_ids[candidates], -text[candidates], -coverage[candidates]))[
        :limit
    ]
    return [int(index.person_ids[candidates[k]]) for k in order]
