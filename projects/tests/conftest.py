import importlib

import pytest

from projects.models import Criterion


@pytest.fixture
def seeded_criteria(transactional_db):
    """The criteria the migrations seed; transactional tests flush them, so put them back."""
    seed = importlib.import_module("projects.migrations.0002_seed_criteria_and_rules")
    for position, (name, description, weight) in enumerate(seed.CRITERIA):
        Criterion.objects.get_or_create(
            name=name,
            defaults={"description": description, "weight": weight, "position": position},
        )
    return list(Criterion.objects.all())
