"""The ranking maths: rank normalisation, score components, weighting and diversity.

Pure functions of NumPy arrays; reading the database and the index is the callers' part.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain

import numpy as np

from projects.matching.weights import COMPONENTS, DIVERSITY_SCAN, DIVERSITY_WINDOW, WEIGHTS


def rank_normalise(values: np.ndarray) -> np.ndarray:
    """Map positive values to their rank share in (0, 1] (ties share the higher rank); 0 stays 0."""
    out = np.zeros(len(values), dtype=np.float64)
    positive = values > 0
    n = int(positive.sum())
    if n:
        kept = values[positive]
        out[positive] = np.searchsorted(np.sort(kept), kept, side="right") / n
    return out


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
    free = np.clip(1.0 - load.astype(np.float64) / capacity, 0.0, 1.0)
    newcomer = 1.0 / (1.0 + projects)
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


def diversify(
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
