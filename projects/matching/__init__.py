"""Partner matching: ranked, explained suggestions, consortia and reverse matching.

The public API is importable from here; numpy, SciPy and scikit-learn are imported on first
use rather than at startup (scikit-learn alone takes most of a second).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from projects.matching.weights import PARTNER_COST, REVERSE_WEIGHTS, WEIGHTS

if TYPE_CHECKING:
    from projects.matching.cache import get_index, invalidate, rebuild, reset
    from projects.matching.competences import (
        suggest_competences,
        suggest_draft_competences,
    )
    from projects.matching.consortium import (
        ConsortiumOption,
        ConsortiumResult,
        build_consortia,
    )
    from projects.matching.exclusions import excluded_institutions, why_not, why_not_person
    from projects.matching.index import MatchingIndex, build_index
    from projects.matching.reverse import proposals_needing
    from projects.matching.reviewers import rank_reviewers
    from projects.matching.suggestions import Suggestion, suggest_institutions, suggest_people

_LAZY = {
    "get_index": "cache",
    "invalidate": "cache",
    "rebuild": "cache",
    "reset": "cache",
    "ConsortiumOption": "consortium",
    "ConsortiumResult": "consortium",
    "build_consortia": "consortium",
    "MatchingIndex": "index",
    "build_index": "index",
    "Suggestion": "suggestions",
    "excluded_institutions": "exclusions",
    "proposals_needing": "reverse",
    "rank_reviewers": "reviewers",
    "suggest_institutions": "suggestions",
    "suggest_people": "suggestions",
    "suggest_competences": "competences",
    "suggest_draft_competences": "competences",
    "why_not": "exclusions",
    "why_not_person": "exclusions",
}

__all__ = [
    "PARTNER_COST",
    "REVERSE_WEIGHTS",
    "WEIGHTS",
    "ConsortiumOption",
    "ConsortiumResult",
    "MatchingIndex",
    "Suggestion",
    "build_consortia",
    "build_index",
    "excluded_institutions",
    "get_index",
    "invalidate",
    "proposals_needing",
    "rank_reviewers",
    "rebuild",
    "reset",
    "suggest_competences",
    "suggest_draft_competences",
    "suggest_institutions",
    "suggest_people",
    "why_not",
    "why_not_person",
]
assert set(__all__) == {"PARTNER_COST", "REVERSE_WEIGHTS", "WEIGHTS", *_LAZY}


def __getattr__(name: str):
    if name in _LAZY:
        # Imported on first use, so that loading the package at startup imports no NumPy or SciPy.
        return getattr(importlib.import_module(f"projects.matching.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
