"""Competences a proposal's text implies, ranked by closeness in meaning, for the lead to confirm."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np

from members.models import Competence
from projects.matching.embedding import embed, embed_remembered
from projects.matching.index import proposal_text
from projects.matching.weights import (
    COMPETENCE_SUGGESTION_FLOOR,
    COMPETENCE_SUGGESTION_TEXT,
    COMPETENCE_SUGGESTIONS,
)
from projects.models import PROPOSAL_TEXT_FIELDS


def competence_phrases(competence: Competence) -> list[str]:
    """What a competence is matched by: its name, its description and each of its aliases."""
    aliases = [a.strip() for a in competence.aliases.split(",")]
    return [p for p in (competence.name, competence.description, *aliases) if p]


def suggest_competences(
    *,
    text: str,
    vocabulary: Sequence[Competence],
    exclude: Iterable[int] = (),
    limit: int = COMPETENCE_SUGGESTIONS,
) -> list[Competence]:
    """The competences closest in meaning to the text, best first, above the floor.

    A competence is as close as the closest of its phrases: an alias as short as "LLM"
    or "RLHF" would be drowned in one averaged vector of every phrase. ``exclude`` holds
    the ids already required; nothing is added, the lead ticks what fits.
    """
    excluded = set(exclude)
    candidates = [c for c in vocabulary if c.pk not in excluded]
    if not text.strip() or not candidates:
        return []
    phrases, owner = [], []
    for k, competence in enumerate(candidates):
        for phrase in competence_phrases(competence):
            phrases.append(phrase)
            owner.append(k)
    best = np.full(len(candidates), -1.0)
    # The vocabulary is public and the same on every keystroke: its phrases' vectors are
    # remembered. The text is the lead's own and is embedded afresh, never remembered.
    np.maximum.at(best, np.asarray(owner), embed_remembered(phrases) @ embed([text])[0])
    order = np.argsort(-best, kind="stable")
    return [candidates[k] for k in order[:limit].tolist() if best[k] >= COMPETENCE_SUGGESTION_FLOOR]


def suggest_draft_competences(
    *,
    fields: Mapping[str, str],
    vocabulary: Sequence[Competence],
    chosen: Collection[int] = (),
    ticked: Collection[int] = (),
) -> list[Competence]:
    """Competences the text being written implies, then those the lead ticked that fell out.

    ``fields`` is the proposal form's text as the lead has it now (read from the request,
    never from the database); ``chosen`` are the competences already required in the form,
    which are not suggested again. A ticked suggestion stays listed, and ticked, when more
    writing moves it out of the top, so that the lead's choice does not vanish under them.
    Each field counts up to COMPETENCE_SUGGESTION_TEXT characters.
    """
    text = proposal_text(
        {
            name: (fields.get(name) or "")[:COMPETENCE_SUGGESTION_TEXT]
            for name in PROPOSAL_TEXT_FIELDS
        },
        [],
    )
    found = suggest_competences(text=text, vocabulary=vocabulary, exclude=chosen)
    listed = {c.pk for c in found} | set(chosen)
    return found + [c for c in vocabulary if c.pk in ticked and c.pk not in listed]
