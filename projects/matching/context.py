"""One proposal against one index: the live state that suggestions, filters and consortia read.

The index holds what changes rarely (texts, competences, memberships); what a lead's next
click may change is read live per request in a fixed number of queries: the proposal's
required competences and participations, every institution's status, opt-out, capacity
and load, and who opted out of suggestions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from django.db.models import Count, Q

from members.enums import InstitutionStatus
from members.models import Institution, User
from projects.enums import ACTIVE_STAGES, OPEN_PARTICIPATION, Stage
from projects.matching.embedding import embed, sentences
from projects.matching.index import MatchingIndex, proposal_query_text
from projects.matching.ranking import text_affinity
from projects.models import (
    CONSORTIUM_STATUSES,
    Participation,
    Proposal,
    ProposalCompetence,
)

# Stages whose proposals count as an institution's projects (for the newcomer boost).
PROJECT_STAGES = ACTIVE_STAGES | {Stage.COMPLETED}


@dataclass(frozen=True)
class Requirement:
    competence_id: int
    name: str
    importance: int
    column: int | None  # position in the index; None for a competence newer than the index


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
    def query_text(self) -> str:
        # The proposal as the viewer reads it now; embedded here, at query time, and kept only
        # on this request's context: a draft's or a confidential proposal's text never enters
        # the shared index.
        return proposal_query_text(self.proposal, [r.name for r in self.requirements])

    @cached_property
    def query(self):
        return self.index.query_vector(self.query_text)

    @cached_property
    def _query_vectors(self) -> tuple[np.ndarray, list[str], np.ndarray]:
        # The whole text and its sentences in one call: the tokenizer's fixed cost is paid once.
        own = sentences(self.query_text)
        vectors = embed([self.query_text, *own])
        return vectors[0], own, vectors[1:]

    @property
    def query_embedding(self) -> np.ndarray:
        return self._query_vectors[0]

    @property
    def query_sentences(self) -> tuple[list[str], np.ndarray]:
        """The proposal's sentences and their embeddings, for the explanations."""
        return self._query_vectors[1], self._query_vectors[2]

    @cached_property
    def lexical_sims(self) -> np.ndarray:
        """TF-IDF cosine of every indexed text to the proposal (and a trailing 0)."""
        return self.index.text_similarities(self.query)

    @cached_property
    def semantic_sims(self) -> np.ndarray:
        """Embedding cosine of every indexed text to the proposal (and a trailing 0)."""
        return self.index.semantic_similarities(self.query_embedding)

    @cached_property
    def sims(self) -> np.ndarray:
        """Calibrated text affinity of every indexed text, in [0, 1] (and a trailing 0)."""
        return text_affinity(semantic=self.semantic_sims, lexical=self.lexical_sims)


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
