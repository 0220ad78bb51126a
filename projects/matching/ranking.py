"""The ranking maths: calibrated text similarity, score components, weighting and diversity.

Pure functions of NumPy arrays; reading the database and the index is the callers' part.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain
from typing import NamedTuple

import numpy as np

from projects.matching.weights import (
    COMPONENTS,
    DIVERSITY_SCAN,
    DIVERSITY_WINDOW,
    LEXICAL_FLOOR,
    LEXICAL_TOP,
    SEMANTIC_FLOOR,
    SEMANTIC_TOP,
    WEIGHTS,
)


def calibrate(values: np.ndarray, *, floor: float, top: float) -> np.ndarray:
    """Map similarities to [0, 1]: 0 at or below ``floor``, 1 at or above ``top``, linear between."""
    return np.clip((np.asarray(values, dtype=np.float64) - floor) / (top - floor), 0.0, 1.0)


def text_affinity(*, semantic: np.ndarray, lexical: np.ndarray) -> np.ndarray:
    """The text component: the better of the calibrated embedding and TF-IDF cosines."""
    return np.maximum(
        calibrate(semantic, floor=SEMANTIC_FLOOR, top=SEMANTIC_TOP),
        calibrate(lexical, floor=LEXICAL_FLOOR, top=LEXICAL_TOP),
    )


def competence_coverage(levels: np.ndarray, importance: np.ndarray) -> np.ndarray:
    """Importance × level over the required competences, in [0, 1] (all at level 3 is 1)."""
    if not len(importance):
        return np.zeros(levels.shape[0])
    return levels @ importance / (3.0 * importance.sum())


def components(
    *,
    levels: np.ndarray,
    text: np.ndarray,
    importance: np.ndarray,
    gaps: np.ndarray,
    load: np.ndarray,
    capacity: np.ndarray,
    projects: np.ndarray,
) -> dict[str, np.ndarray]:
    """Component values in [0, 1], one per candidate.

    ``levels`` is candidates × required competences, ``importance`` and ``gaps`` (what the
    lead's institution lacks) are per required competence, and ``load``, ``capacity`` and
    ``projects`` belong to each candidate's institution.
    """
    n = len(load)
    coverage = competence_coverage(levels, importance)
    if gaps.any():
        covered = (levels[:, gaps] > 0).astype(np.float64)
        complementarity = covered @ importance[gaps] / importance[gaps].sum()
    else:
        complementarity = np.zeros(n)
    # Free capacity and newness count in proportion to how relevant the candidate is (the
    # better of text and coverage): an idle newcomer with nothing the proposal needs is no
    # partner, and with calibrated text most candidates share nothing with a proposal.
    relevance = np.maximum(np.asarray(text, dtype=np.float64), coverage)
    free = np.clip(1.0 - load.astype(np.float64) / capacity, 0.0, 1.0) * relevance
    newcomer = relevance / (1.0 + projects)
    return {
        "text": text,
        "coverage": coverage,
        "complementarity": complementarity,
        "capacity": free,
        "newcomer": newcomer,
    }


def total_score(parts: dict[str, np.ndarray]) -> np.ndarray:
    """The suggestion score: the components weighted by WEIGHTS and added up."""
    return sum(WEIGHTS[name] * parts[name] for name in COMPONENTS)


class Placed(NamedTuple):
    """A chosen candidate, its place by score alone, and the cap that held it back, if any."""

    pos: int
    score_rank: int  # 1-based, among distinct candidates in plain score order
    held_back: str | None  # "institution" or "country": a cap deferred it


def diversify(
    order: np.ndarray,
    *,
    institution: np.ndarray,
    country: np.ndarray,
    person: np.ndarray | None,
    limit: int,
    max_per_institution: int,
    max_per_country: int,
    enabled: bool = True,
) -> list[Placed]:
    """Re-rank so that no institution or country fills the first DIVERSITY_WINDOW places.

    A candidate over a cap waits; the waiting ones fill the window only when nobody else
    is left within DIVERSITY_SCAN places, and otherwise follow it in score order. Each
    result keeps its place by score alone, so the page can say who moved and why; with
    ``enabled`` false the result is the plain score order.
    """
    result: list[Placed] = []
    deferred: list[int] = []
    seen: set[int] = set()
    score_rank: dict[int, int] = {}  # candidate key -> place in plain score order
    held_back: dict[int, str] = {}
    per_institution: Counter = Counter()
    per_country: Counter = Counter()
    window = min(DIVERSITY_WINDOW, limit) if enabled else 0

    def key_of(pos: int) -> int:
        return int(person[pos]) if person is not None else pos

    stop = len(order)
    for n, pos in enumerate(order.tolist()):
        if len(result) >= window or n >= DIVERSITY_SCAN:
            stop = n
            break
        key = key_of(pos)
        score_rank.setdefault(key, len(score_rank) + 1)
        if key in seen:
            continue
        if per_institution[institution[pos]] >= max_per_institution:
            held_back.setdefault(key, "institution")
            deferred.append(pos)
            continue
        if per_country[country[pos]] >= max_per_country:
            held_back.setdefault(key, "country")
            deferred.append(pos)
            continue
        result.append(Placed(pos, score_rank[key], None))
        seen.add(key)
        per_institution[institution[pos]] += 1
        per_country[country[pos]] += 1
    for pos in chain(deferred, order[stop:].tolist()):
        if len(result) >= limit:
            break
        key = key_of(pos)
        score_rank.setdefault(key, len(score_rank) + 1)
        if key not in seen:
            result.append(Placed(pos, score_rank[key], held_back.get(key)))
            seen.add(key)
    return result
