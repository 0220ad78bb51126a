"""Matching quality on the paraphrase set, ranked as Find partners ranks."""

from __future__ import annotations

import pytest

from projects.matching import build_index
from projects.matching.quality import measure, seed_paraphrase_alliance

pytestmark = pytest.mark.django_db


def test_paraphrase_set_experts_found():
    cases = seed_paraphrase_alliance()
    figures = measure(cases, index=build_index())
    for f in figures.values():
        print(f)
    assert figures["own_with"].people_hit == 1.0
    assert figures["own_without"].people_hit == 1.0
    assert figures["other_with"].people_hit >= 0.9
    assert figures["other_without"].people_hit >= 0.6
