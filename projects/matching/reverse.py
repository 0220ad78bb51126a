"""Reverse matching: the Define-stage open calls that need a person's or an institution's expertise."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from members.models import Institution, PersonCompetence, User
from projects.enums import OPEN_PARTICIPATION, Stage, Visibility
from projects.matching.cache import resolve_index
from projects.matching.index import PROPOSAL_TEXT_FIELDS, MatchingIndex, proposal_text
from projects.matching.weights import REVERSE_WEIGHTS
from projects.models import Participation, Proposal, ProposalCompetence


def proposals_needing(
    *,
    person: User | None = None,
    institution: Institution | None = None,
    limit: int = 10,
    index: MatchingIndex | None = None,
) -> list[tuple[Proposal, float, list[str]]]:
    """Define-stage open calls that need this person's (or institution's) competences.

    Score = REVERSE_WEIGHTS over coverage (importance × level) and the cosine similarity of
    the proposal to the candidate's best-matching text; only proposals where at least one
    required competence matches.
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
            texts = index.text_matrix[index.person_text_rows(p)]
        else:  # not yet in the index: read the profile itself
            levels = np.zeros(n_comp, dtype=np.uint8)
            for pk, level in PersonCompetence.objects.filter(person=person).values_list(
                "competence_id", "level"
            ):
                if pk in index.competence_pos:
                    levels[index.competence_pos[pk]] = level
            texts = index.query_vector(person.bio) if person.bio.strip() else None
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
        texts = index.text_matrix[index.institution_text_rows(i)]

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
    similarity = _proposal_similarities(index, ids, texts)
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


def _proposal_similarities(index: MatchingIndex, ids: Sequence[int], texts) -> np.ndarray:
    """Best cosine similarity of each proposal to any of the candidate's texts."""
    if texts is None or texts.shape[0] == 0 or texts.shape[1] == 0:
        return np.zeros(len(ids))
    known = [pk for pk in ids if pk in index.proposal_pos]
    missing = [pk for pk in ids if pk not in index.proposal_pos]
    vectors = {}
    if known:
        matrix = index.proposal_matrix[[index.proposal_pos[pk] for pk in known]]
        best = (matrix @ texts.T).max(axis=1).toarray().ravel()
        vectors.update(zip(known, best, strict=True))
    if missing:  # opened for partners after the last build
        names: dict[int, list[str]] = {pk: [] for pk in missing}
        for proposal_id, name in ProposalCompetence.objects.filter(
            proposal_id__in=missing
        ).values_list("proposal_id", "competence__name"):
            names[proposal_id].append(name)
        for row in Proposal.objects.filter(pk__in=missing).values("pk", *PROPOSAL_TEXT_FIELDS):
            query = index.query_vector(proposal_text(row, sorted(names[row["pk"]])))
            vectors[row["pk"]] = float((query @ texts.T).max()) if query.nnz else 0.0
    return np.asarray([min(float(vectors.get(pk, 0.0)), 1.0) for pk in ids])
