"""Matching quality on the paraphrase set, ranked as Find partners ranks."""

from __future__ import annotations

import pytest

from projects.matching import build_index
from projects.matching.quality import measure, measure_reviewers, seed_paraphrase_alliance

pytestmark = pytest.mark.django_db


def test_paraphrase_set_experts_in_top_ten():
    figures = measure(seed_paraphrase_alliance(), index=build_index())
    # The experts' own words: every expert and every expert's institution, first.
    for variant in ("own_with", "own_without"):
        assert (figures[variant].people_hit, figures[variant].people_mrr) == (1.0, 1.0)
        assert figures[variant].institutions_hit == 1.0
    # Other words: the competence required, and nothing but the text to go by.
    assert figures["other_with"].people_hit >= 0.9
    assert figures["other_with"].institutions_hit >= 0.9
    assert figures["other_without"].people_hit >= 0.6
    assert figures["other_without"].institutions_hit >= 0.6
    assert figures["other_without"].people_mrr >= 0.6


def test_paraphrase_set_reviewers():
    """Reviewers: those with the required competence first (the text orders them), then
    people whose profiles are close in meaning, so a proposal in other words that names no
    competence still finds most of its experts, with few others among the ten."""
    figures = measure_reviewers(seed_paraphrase_alliance(), index=build_index())
    for variant in ("own_with", "other_with"):
        assert (figures[variant].hit, figures[variant].mrr) == (1.0, 1.0)
    assert (figures["own_without"].hit, figures["own_without"].mrr) == (1.0, 1.0)
    assert figures["own_without"].others <= 1.0
    assert figures["other_without"].hit >= 0.7
    assert figures["other_without"].mrr >= 0.8
    assert figures["other_without"].others <= 1.0
