"""Reverse matching: the Define-stage open calls that need a person's or an institution's expertise."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from members.models import Institution, PersonCompetence, User
from projects.enums import OPEN_PARTICIPATION, Stage, Visibility
from projects.matching.cache import resolve_index
from projects.matching.embedding import embed
from projects.matching.index import MatchingIndex, proposal_text
from projects.matching.ranking import text_affinity
from projects.matching.weights import REVERSE_WEIGHTS
from projects.models import PROPOSAL_TEXT_FIELDS, Participation, Proposal, ProposalCompetence


def proposals_needing(
    *,
    person: User | None = None,
    institution: Institution | None = None,
    limit: int = 10,
    index: MatchingIndex | None = None,
) -> list[tuple[Proposal, float, list[str]]]:
    """Define-stage open calls that need this person's (or institution's) competences.

    Score = REVERSE_WEIGHTS over coverage (importance × level) and the calibrated text
    affinity (meaning or shared terms) of the proposal to the candidate's best-matching
    text; only proposals where at least one required competence matches.
    """
    if (person is None) == (institution is None):
        raise TypeError("Give exactly one of person or institution.")
    index = resolve_index(index)
    proposals = Proposal.objects.filter(stage=Stage.DEFINE, visibility=Visibility.OPEN_CALL)
    n_comp = len(index.competence_ids)
    if person is not None:
        proposals = proposals.exclude(lead=person).exclude(
            pk__in=Participation.objects.filter(
                person=person, status__in=OPEN_PARTICIPATION
            ).values("proposal_id")
        )
        p = index.person_pos.get(person.pk)
        if p is not None:
            levels = index.person_levels[p]
            rows = index.person_text_rows(p)
            texts = index.text_matrix[rows]
            embedded = index.text_embeddings[rows]
        else:  # not yet in the index: read the profile itself
            levels = np.zeros(n_comp, dtype=np.uint8)
            for pk, level in PersonCompetence.objects.filter(person=person).values_list(
                "competence_id", "level"
            ):
                if pk in index.competence_pos:
                    levels[index.competence_pos[pk]] = level
            texts = index.query_vector(person.bio) if person.bio.strip() else None
            embedded = embed([person.bio]) if person.bio.strip() else None
    else:
        proposals = proposals.exclude(lead_institution=institution).exclude(
            pk__in=Participation.objects.filter(
                institution=institution, status__in=OPEN_PARTICIPATION
            ).values("proposal_id")
        )
        i = index.institution_pos.get(institution.pk)
        if i is None:
            return []
        levels = index.institution_cover[i]
        rows = index.institution_text_rows(i)
        texts = index.text_matrix[rows]
        embedded = index.text_embeddings[rows]

    needs: dict[int, list[tuple[int, str, int]]] = {}
    for proposal_id, competence_id, name, importance in (
        ProposalCompetence.objects.filter(proposal__in=proposals)
        .order_by("proposal_id", "-importance", "competence__name")
        .values_list("proposal_id", "competence_id", "competence__name", "importance")
    ):
        needs.setdefault(proposal_id, []).append((competence_id, name, importance))
    scored: dict[int, tuple[float, list[str]]] = {}
    for proposal_id, required in needs.items():
        total = sum(importance for _pk, _name, importance in required)
        got = [
            (name, importance, int(levels[index.competence_pos[pk]]))
            for pk, name, importance in required
            if pk in index.competence_pos and levels[index.competence_pos[pk]] > 0
        ]
        if got:
            coverage = sum(imp * level for _n, imp, level in got) / (3.0 * total)
            scored[proposal_id] = (coverage, [name for name, _imp, _level in got])
    if not scored:
        return []
    ids = sorted(scored)
    similarity = _proposal_similarities(index, ids, texts, embedded)
    ranked = sorted(
        (
            (
                REVERSE_WEIGHTS["coverage"] * scored[pk][0]
                + REVERSE_WEIGHTS["text"] * float(similarity[k]),
                pk,
            )
            for k, pk in enumerate(ids)
        ),
        key=lambda item: (-item[0], item[1]),
    )[:limit]
    objects = Proposal.objects.select_related("lead", "lead_institution", "focus_area").in_bulk(
        [pk for _score, pk in ranked]
    )
    return [(objects[pk], score, scored[pk][1]) for score, pk in ranked if pk in objects]


def _proposal_similarities(
    index: MatchingIndex, ids: Sequence[int], texts, embedded: np.ndarray | None
) -> np.ndarray:
    """Calibrated text affinity of each proposal to the candidate's best-matching text."""
    lexical = np.zeros(len(ids))
    semantic = np.zeros(len(ids))
    known = [k for k, pk in enumerate(ids) if pk in index.proposal_pos]
    missing = [k for k, pk in enumerate(ids) if pk not in index.proposal_pos]
    has_terms = texts is not None and texts.shape[0] > 0 and texts.shape[1] > 0
    has_vectors = embedded is not None and len(embedded) > 0
    if known:
        positions = [index.proposal_pos[ids[k]] for k in known]
        if has_terms:
            matrix = index.proposal_matrix[positions]
            lexical[known] = (matrix @ texts.T).max(axis=1).toarray().ravel()
        if has_vectors:
            semantic[known] = (index.proposal_embeddings[positions] @ embedded.T).max(axis=1)
    if missing and (has_terms or has_vectors):  # opened for partners after the last build
        wanted = [ids[k] for k in missing]
        names: dict[int, list[str]] = {pk: [] for pk in wanted}
        for proposal_id, name in ProposalCompetence.objects.filter(
            proposal_id__in=wanted
        ).values_list("proposal_id", "competence__name"):
            names[proposal_id].append(name)
        rows = {
            row["pk"]: proposal_text(row, sorted(names[row["pk"]]))
            for row in Proposal.objects.filter(pk__in=wanted).values("pk", *PROPOSAL_TEXT_FIELDS)
        }
        for k in missing:
            text = rows.get(ids[k], "")
            query = index.query_vector(text)
            if has_terms and query.nnz:
                lexical[k] = float((query @ texts.T).max())
            if has_vectors and text:
                semantic[k] = float((embed([text]) @ embedded.T).max())
    return text_affinity(semantic=semantic, lexical=np.minimum(lexical, 1.0))
