"""The matching index: every candidate's competences and texts as arrays.

Built from the database in a fixed order (by primary key), so the same data give the same
index and the same rankings. The texts are bios, institution descriptions and proposals'
titles with summaries (``load_corpus`` says whose), as TF-IDF vectors in one sparse matrix;
each person and each institution owns a group of rows in it (a flat index array with
offsets), so the best-matching text per candidate is one sparse product and one
``np.maximum.reduceat``. The same texts are also embedded (``embedding.embed``) as one dense
unit-length matrix, so that texts in other words than the proposal's still meet it by cosine.
Competence levels are dense arrays (candidates × competences).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.contrib.auth.models import AnonymousUser
from scipy import sparse

from members.enums import InstitutionStatus, MembershipStatus
from members.models import (
    Competence,
    Institution,
    InstitutionCompetence,
    Membership,
    PersonCompetence,
    User,
)
from projects.enums import Stage, Visibility
from projects.matching.embedding import embed, embed_remembered, sentences
from projects.matching.freshness import data_fingerprint
from projects.models import (
    CONSORTIUM_STATUSES,
    PROPOSAL_TEXT_FIELDS,
    Participation,
    Proposal,
    ProposalCompetence,
)


def proposal_text(fields: dict[str, str], competence_names: Iterable[str]) -> str:
    """The text a proposal is matched by: its prose and the names of what it needs."""
    parts = [fields.get(name) or "" for name in PROPOSAL_TEXT_FIELDS]
    parts += list(competence_names)
    return "\n".join(p for p in parts if p)


def proposal_query_text(proposal: Proposal, competence_names: Iterable[str]) -> str:
    """A proposal's text as matching reads it at query time, for a viewer who may read it.

    Embedded per request and never kept in the shared index: a draft's or a confidential
    proposal's text reaches only its own viewer's suggestions.
    """
    return proposal_text(
        {name: getattr(proposal, name) for name in PROPOSAL_TEXT_FIELDS}, competence_names
    )


def summary_text(title: str, summary: str) -> str:
    return f"{title}. {summary}"


def make_vectorizer():
    # Imported here: scikit-learn takes most of a second to import, and only building needs it.
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        lowercase=True,
        strip_accents="unicode",
        stop_words="english",
        ngram_range=(1, 2),
        sublinear_tf=True,
        max_df=0.5,
        dtype=np.float32,
    )


@dataclass
class Corpus:
    """Everything the index is made of, read from the database in primary-key order."""

    competence_ids: list[int]
    competence_names: list[str]
    institution_ids: list[int]
    institution_kinds: list[str]
    institution_countries: list[str]
    institution_statuses: list[str]
    institution_levels: np.ndarray  # institutions × competences, own profile, 0-3
    person_ids: list[int]  # people with at least one active membership
    person_levels: np.ndarray  # people × competences, 0-3
    row_person: list[int]  # one row per active membership: position of the person …
    row_institution: list[int]  # … and of the institution
    texts: list[str]  # bios, institution descriptions, proposal titles with summaries
    person_texts: list[list[int]]  # per person: positions in ``texts``
    institution_texts: list[list[int]]  # per institution: its own texts
    proposal_ids: list[int]  # Define-stage open calls, for reverse matching
    proposal_texts: list[str]


def load_corpus() -> Corpus:
    """Read what the index needs in a fixed number of queries."""
    competences = list(Competence.objects.order_by("pk").values_list("pk", "name"))
    comp_pos = {pk: j for j, (pk, _name) in enumerate(competences)}
    institutions = list(
        Institution.objects.order_by("pk").values_list(
            "pk", "kind", "country", "status", "description"
        )
    )
    inst_pos = {pk: i for i, (pk, *_rest) in enumerate(institutions)}
    inst_levels = np.zeros((len(institutions), len(competences)), dtype=np.uint8)
    for inst_id, comp_id, level in InstitutionCompetence.objects.values_list(
        "institution_id", "competence_id", "level"
    ):
        if inst_id in inst_pos and comp_id in comp_pos:
            inst_levels[inst_pos[inst_id], comp_pos[comp_id]] = level

    active = Membership.objects.filter(status=MembershipStatus.ACTIVE)
    people = list(
        User.objects.filter(pk__in=active.values("person_id"))
        .order_by("pk")
        .values_list("pk", "bio")
    )
    person_pos = {pk: p for p, (pk, _bio) in enumerate(people)}
    # Rows read between two queries may name someone the other did not see yet: skip them.
    memberships = [
        (person_pos[person_id], inst_pos[inst_id])
        for person_id, inst_id in active.order_by("person_id", "institution_id").values_list(
            "person_id", "institution_id"
        )
        if person_id in person_pos and inst_id in inst_pos
    ]
    person_levels = np.zeros((len(people), len(competences)), dtype=np.uint8)
    for person_id, comp_id, level in PersonCompetence.objects.filter(
        person_id__in=active.values("person_id")
    ).values_list("person_id", "competence_id", "level"):
        if person_id in person_pos and comp_id in comp_pos:
            person_levels[person_pos[person_id], comp_pos[comp_id]] = level

    texts: list[str] = []
    person_texts: list[list[int]] = [[] for _ in people]
    institution_texts: list[list[int]] = [[] for _ in institutions]

    def add(text: str) -> int:
        texts.append(text)
        return len(texts) - 1

    for p, (_pk, bio) in enumerate(people):
        if bio.strip():
            person_texts[p].append(add(bio))
    for i, (*_rest, description) in enumerate(institutions):
        if description.strip():
            institution_texts[i].append(add(description))

    # Proposals' titles and summaries, of public proposals only (what an anonymous visitor
    # may read): the index is shared by every viewer, and a term it learned from a draft or
    # a confidential proposal would surface as a "shared term" on another lead's page. A
    # public proposal counts for its lead and its accepted or confirmed participants.
    public = Proposal.objects.visible_to(AnonymousUser())
    summaries: dict[int, int] = {}
    for pk, lead_id, title, summary in public.order_by("pk").values_list(
        "pk", "lead_id", "title", "summary"
    ):
        summaries[pk] = add(summary_text(title, summary))
        if lead_id in person_pos:
            person_texts[person_pos[lead_id]].append(summaries[pk])
    for proposal_id, inst_id, person_id in (
        Participation.objects.filter(status__in=CONSORTIUM_STATUSES, proposal__in=public)
        .order_by("proposal_id", "pk")
        .values_list("proposal_id", "institution_id", "person_id")
    ):
        text = summaries.get(proposal_id)
        if text is None:
            continue
        if inst_id in inst_pos and text not in institution_texts[inst_pos[inst_id]]:
            institution_texts[inst_pos[inst_id]].append(text)
        if person_id in person_pos and text not in person_texts[person_pos[person_id]]:
            person_texts[person_pos[person_id]].append(text)

    open_calls = Proposal.objects.filter(stage=Stage.DEFINE, visibility=Visibility.OPEN_CALL)
    define = list(open_calls.order_by("pk").values("pk", *PROPOSAL_TEXT_FIELDS))
    names: dict[int, list[str]] = {row["pk"]: [] for row in define}
    for proposal_id, name in (
        ProposalCompetence.objects.filter(proposal__in=open_calls)
        .order_by("proposal_id", "competence__name")
        .values_list("proposal_id", "competence__name")
    ):
        if proposal_id in names:
            names[proposal_id].append(name)

    return Corpus(
        competence_ids=[pk for pk, _name in competences],
        competence_names=[name for _pk, name in competences],
        institution_ids=[row[0] for row in institutions],
        institution_kinds=[row[1] for row in institutions],
        institution_countries=[str(row[2]) for row in institutions],
        institution_statuses=[row[3] for row in institutions],
        institution_levels=inst_levels,
        person_ids=[pk for pk, _bio in people],
        person_levels=person_levels,
        row_person=[p for p, _i in memberships],
        row_institution=[i for _p, i in memberships],
        texts=texts,
        person_texts=person_texts,
        institution_texts=institution_texts,
        proposal_ids=[row["pk"] for row in define],
        proposal_texts=[proposal_text(row, names[row["pk"]]) for row in define],
    )


def _flatten(groups: Sequence[Sequence[int]], sentinel: int) -> tuple[np.ndarray, np.ndarray]:
    """Groups as one index array and start offsets; an empty group points at the sentinel."""
    flat: list[int] = []
    offsets = np.empty(len(groups), dtype=np.int64)
    for g, members in enumerate(groups):
        offsets[g] = len(flat)
        flat.extend(members if members else (sentinel,))
    return np.asarray(flat, dtype=np.int64), offsets


@dataclass
class MatchingIndex:
    """A fitted, immutable snapshot of the alliance for matching; picklable for the cache."""

    version: int | None
    built_at: float
    build_seconds: float
    vectorizer: object | None  # a fitted TfidfVectorizer, None when there is no text at all
    terms: np.ndarray  # term per column
    text_matrix: sparse.csr_matrix  # texts × terms, rows L2-normalised
    texts: list[str]  # the public texts themselves, for the closest sentence on a card
    competence_ids: np.ndarray
    competence_names: list[str]
    competence_pos: dict[int, int]
    institution_ids: np.ndarray
    institution_pos: dict[int, int]
    institution_kinds: np.ndarray
    institution_countries: np.ndarray
    institution_levels: np.ndarray  # own profile
    institution_cover: np.ndarray  # own profile or any active person: what competence_gaps counts
    person_ids: np.ndarray
    person_pos: dict[int, int]
    person_levels: np.ndarray
    row_person: np.ndarray
    row_institution: np.ndarray
    rows_of_person: dict[int, list[int]]
    person_text_idx: np.ndarray
    person_text_off: np.ndarray
    institution_text_idx: np.ndarray
    institution_text_off: np.ndarray
    proposal_ids: np.ndarray
    proposal_pos: dict[int, int]
    proposal_matrix: sparse.csr_matrix
    # Dense embeddings of the same texts and proposals, rows of unit length (or zero).
    text_embeddings: np.ndarray
    proposal_embeddings: np.ndarray
    # What the database looked like when the build started (see freshness.data_fingerprint).
    fingerprint: tuple | None = None
    # The alliance's countries: those of its member institutions, for the country filter.
    # A change of status saves the institution, which the fingerprint sees.
    member_countries: tuple[str, ...] = ()

    @property
    def n_texts(self) -> int:
        return self.text_matrix.shape[0]

    def query_vector(self, text: str) -> sparse.csr_matrix:
        if self.vectorizer is None:
            return sparse.csr_matrix((1, 0), dtype=np.float32)
        return self.vectorizer.transform([text]).tocsr()

    def text_similarities(self, query: sparse.csr_matrix) -> np.ndarray:
        """Cosine similarity of every text to the query, plus a trailing 0 for empty groups."""
        sims = np.zeros(self.n_texts + 1, dtype=np.float64)
        if query.nnz and self.n_texts:
            dense = np.zeros(query.shape[1], dtype=np.float32)
            dense[query.indices] = query.data
            sims[:-1] = self.text_matrix @ dense
        return sims

    def semantic_similarities(self, query: np.ndarray) -> np.ndarray:
        """Cosine of every text's embedding to the query's, plus a trailing 0 for empty groups."""
        sims = np.zeros(self.n_texts + 1, dtype=np.float64)
        if self.n_texts:
            # One pass over the matrix on this thread: a BLAS matrix-vector product spreads
            # over threads that, on a busy server, wait for each other (16 ms against 3 ms
            # for 20,000 texts with the machine under load).
            sims[:-1] = np.einsum("ij,j->i", self.text_embeddings, query)
        return sims

    def closest_sentences(
        self, query: np.ndarray, groups: list[np.ndarray]
    ) -> list[tuple[str, float, np.ndarray | None]]:
        """Per group of texts, the sentence closest in meaning to the query, its cosine and
        vector. A text of one sentence is its own embedding, already in the index; the
        sentences of longer texts are embedded in one call for every group (a page explains
        twenty), and remembered."""
        split: list[list[tuple[str, int]]] = []  # per group: (sentence, index row or -1)
        pending: dict[str, None] = {}
        for rows in groups:
            group = []
            for r in rows.tolist():
                parts = sentences(self.texts[r])
                if len(parts) == 1:
                    group.append((parts[0], r))
                else:
                    group.extend((part, -1) for part in parts)
                    pending.update(dict.fromkeys(parts))
            split.append(group)
        vectors = dict(zip(pending, embed_remembered(list(pending)), strict=True))
        result: list[tuple[str, float, np.ndarray | None]] = []
        for group in split:
            if not group:
                result.append(("", 0.0, None))
                continue
            matrix = np.stack([self.text_embeddings[r] if r >= 0 else vectors[s] for s, r in group])
            sims = matrix @ query
            best = int(np.argmax(sims))
            result.append((group[best][0], float(sims[best]), matrix[best]))
        return result

    def person_similarities(self, sims: np.ndarray) -> np.ndarray:
        return _group_max(sims, self.person_text_idx, self.person_text_off)

    def institution_similarities(self, sims: np.ndarray) -> np.ndarray:
        return _group_max(sims, self.institution_text_idx, self.institution_text_off)

    def person_text_rows(self, p: int) -> np.ndarray:
        return _group(self.person_text_idx, self.person_text_off, p, self.n_texts)

    def institution_text_rows(self, i: int) -> np.ndarray:
        return _group(self.institution_text_idx, self.institution_text_off, i, self.n_texts)

    def shared_terms(self, query: sparse.csr_matrix, rows: np.ndarray, limit: int) -> list[str]:
        """The query's terms that weigh most in the candidate's texts, without overlaps."""
        if not query.nnz or not len(rows):
            return []
        weights = self.text_matrix[rows][:, query.indices].toarray().max(axis=0) * query.data
        order = sorted(
            (j for j in range(len(weights)) if weights[j] > 0),
            # Ties go to the phrase over its words, then alphabetically.
            key=lambda j: (
                -float(weights[j]),
                -self.terms[query.indices[j]].count(" "),
                self.terms[query.indices[j]],
            ),
        )
        chosen: list[str] = []
        used: set[str] = set()
        for j in order:
            term = str(self.terms[query.indices[j]])
            # "agent" and "agents" are one term to a reader: compare words without a plural s.
            words = {w.removesuffix("s") for w in term.split()}
            if words & used:
                continue
            chosen.append(term)
            used |= words
            if len(chosen) == limit:
                break
        return chosen


def _group_max(sims: np.ndarray, idx: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    if not len(offsets):
        return np.zeros(0, dtype=np.float64)
    return np.maximum.reduceat(sims[idx], offsets)


def _group(idx: np.ndarray, offsets: np.ndarray, g: int, sentinel: int) -> np.ndarray:
    end = offsets[g + 1] if g + 1 < len(offsets) else len(idx)
    rows = idx[offsets[g] : end]
    return rows[rows != sentinel]


def fit(corpus: Corpus, *, version: int | None = None) -> MatchingIndex:
    """Fit the vectoriser and lay the corpus out as arrays."""
    started = time.perf_counter()
    documents = corpus.texts + corpus.proposal_texts
    vectorizer = make_vectorizer()
    try:
        matrix = vectorizer.fit_transform(documents).tocsr() if documents else None
    except ValueError:  # empty vocabulary: no text, or stop words only
        matrix = None
    if matrix is None:
        vectorizer = None
        terms = np.array([], dtype=object)
        matrix = sparse.csr_matrix((len(documents), 0), dtype=np.float32)
    else:
        terms = vectorizer.get_feature_names_out()
        # The terms max_df pruned are only kept for introspection and weigh on the pickle.
        vectorizer.stop_words_ = None
    n_texts = len(corpus.texts)
    embeddings = embed(documents)
    text_matrix = matrix[:n_texts]
    proposal_matrix = matrix[n_texts:]

    n_inst = len(corpus.institution_ids)
    row_person = np.asarray(corpus.row_person, dtype=np.int64)
    row_inst = np.asarray(corpus.row_institution, dtype=np.int64)
    cover = corpus.institution_levels.copy()
    if len(row_person):
        np.maximum.at(cover, row_inst, corpus.person_levels[row_person])

    # An institution's texts: its own, and those of its active people.
    institution_groups: list[list[int]] = [list(g) for g in corpus.institution_texts]
    for p, i in zip(corpus.row_person, corpus.row_institution, strict=True):
        institution_groups[i].extend(corpus.person_texts[p])
    institution_groups = [list(dict.fromkeys(g)) for g in institution_groups]
    person_idx, person_off = _flatten(corpus.person_texts, n_texts)
    inst_idx, inst_off = _flatten(institution_groups, n_texts)

    rows_of_person: dict[int, list[int]] = {}
    for r, p in enumerate(corpus.row_person):
        rows_of_person.setdefault(corpus.person_ids[p], []).append(r)

    return MatchingIndex(
        version=version,
        built_at=time.time(),
        build_seconds=time.perf_counter() - started,
        vectorizer=vectorizer,
        terms=terms,
        text_matrix=text_matrix,
        texts=list(corpus.texts),
        competence_ids=np.asarray(corpus.competence_ids, dtype=np.int64),
        competence_names=list(corpus.competence_names),
        competence_pos={pk: j for j, pk in enumerate(corpus.competence_ids)},
        institution_ids=np.asarray(corpus.institution_ids, dtype=np.int64),
        institution_pos={pk: i for i, pk in enumerate(corpus.institution_ids)},
        institution_kinds=np.asarray(corpus.institution_kinds, dtype=object).reshape(n_inst),
        institution_countries=np.asarray(corpus.institution_countries, dtype=object).reshape(
            n_inst
        ),
        institution_levels=corpus.institution_levels,
        institution_cover=cover,
        person_ids=np.asarray(corpus.person_ids, dtype=np.int64),
        person_pos={pk: p for p, pk in enumerate(corpus.person_ids)},
        person_levels=corpus.person_levels,
        row_person=row_person,
        row_institution=row_inst,
        rows_of_person=rows_of_person,
        person_text_idx=person_idx,
        person_text_off=person_off,
        institution_text_idx=inst_idx,
        institution_text_off=inst_off,
        proposal_ids=np.asarray(corpus.proposal_ids, dtype=np.int64),
        proposal_pos={pk: k for k, pk in enumerate(corpus.proposal_ids)},
        proposal_matrix=proposal_matrix,
        text_embeddings=embeddings[:n_texts],
        proposal_embeddings=embeddings[n_texts:],
        member_countries=tuple(
            sorted(
                {
                    country
                    for country, status in zip(
                        corpus.institution_countries, corpus.institution_statuses, strict=True
                    )
                    if status == InstitutionStatus.MEMBER and country
                }
            )
        ),
    )


def build_index(*, version: int | None = None) -> MatchingIndex:
    """Read the database and fit a fresh index (seconds for a large alliance)."""
    started = time.perf_counter()
    fingerprint = data_fingerprint()
    index = fit(load_corpus(), version=version)
    index.fingerprint = fingerprint
    index.build_seconds = time.perf_counter() - started
    return index
