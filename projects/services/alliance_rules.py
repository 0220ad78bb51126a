"""The alliance rules page: the consortium rules and the review criteria, saved as one."""

from collections.abc import Sequence

from django.db import transaction

from members.models import User
from projects.models import ConsortiumRules, Criterion
from projects.services.consortium import ConsortiumRulesValues, consortium_rules_update
from projects.services.review import CriterionValues, criteria_save


@transaction.atomic
def alliance_rules_update(
    *,
    actor: User,
    rules: ConsortiumRulesValues,
    criteria: Sequence[tuple[Criterion | None, CriterionValues]],
) -> ConsortiumRules:
    """Save the rules and the criteria changes together: a refused criterion keeps the old rules."""
    saved = consortium_rules_update(actor=actor, **rules)
    criteria_save(actor=actor, changes=criteria)
    return saved
