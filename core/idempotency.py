"""Creates that a double click or a retried request cannot make twice."""

from __future__ import annotations

from django.db import IntegrityError, models, transaction


def save_once[M: models.Model](row: M, *, earlier: models.QuerySet[M]) -> tuple[M, bool]:
    """Save the new ``row`` unless ``earlier`` finds the one the same request made.

    ``earlier`` selects by the request's token under a unique constraint. Two posts at the
    same moment both miss it; the database lets one insert and makes the other wait, then
    fail, and that one returns the winner's row. Answers (row, created).
    """
    found = earlier.first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        found = earlier.first()
        if found is None:
            raise
        return found, False
    return row, True
