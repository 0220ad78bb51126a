"""Matching quality on the paraphrase set, ranked as Find partners ranks."""

from __future__ import annotations

import pytest

from projects.matching import build_index
from projects.matching.quality import measure, seed_paraphrase_alliance

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
