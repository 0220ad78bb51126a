"""Every tunable number of partner matching, in one place.

Kept free of heavy imports: the package imports it at once (the weights are part of its
public API), and the package loads at startup wherever the index is invalidated.
"""

from __future__ import annotations

# Component weights of a suggestion's score; each component is in [0, 1] and so is the sum.
WEIGHTS: dict[str, float] = {
    "text": 0.35,  # calibrated similarity of the best-matching text (meaning or shared terms)
    "coverage": 0.30,  # required competences × importance × level
    "complementarity": 0.15,  # required competences the lead's own institution lacks
    # These two count in proportion to the candidate's relevance (the better of text and
    # coverage), so they order relevant candidates and never lift irrelevant ones.
    "capacity": 0.12,  # free capacity of the institution (1 when idle)
    "newcomer": 0.08,  # small boost for institutions with few projects
}
COMPONENTS: tuple[str, ...] = tuple(WEIGHTS)

# Text similarity is calibrated, not ranked: a cosine at or below the floor adds nothing,
# one at or above the top counts fully, and in between it rises linearly. The floors lie
# above what unrelated texts reach (a stray shared word gives a TF-IDF cosine of 0.01-0.05;
# texts on unrelated topics reach embedding cosines of about 0.3), so no single incidental
# word lifts a candidate; the better of the two signals counts.
SEMANTIC_FLOOR = 0.25
SEMANTIC_TOP = 0.6
LEXICAL_FLOOR = 0.1
LEXICAL_TOP = 0.5

# Competences suggested to a lead from the proposal's text: at most this many, each at least
# this close in meaning (embedding cosine of the text to the competence's name, description
# or one of its aliases).
COMPETENCE_SUGGESTIONS = 5
COMPETENCE_SUGGESTION_FLOOR = 0.35
# Characters of each text field read for suggestions while the lead writes: the gist of a
# proposal is in its first pages, and a longer text only costs time on every keystroke.
COMPETENCE_SUGGESTION_TEXT = 20_000

# Reviewer suggestions: below the people whose competences cover the proposal's required
# ones come those whose calibrated text affinity (as for partners) reaches this, with none.
# On the paraphrase set, a proposal in other words without competences: 0.25 finds 85 % of
# the experts with 2.4 others in a top 10, 0.4 finds 79 % with 1.3, 0.5 finds 71 % with 0.8,
# 0.6 finds 58 % with none. 0.5: fewer names a coordinator must weigh (in the demo, 0.4
# offered a compiler engineer for a red-teaming toolkit).
REVIEWER_TEXT_FLOOR = 0.5

# Reverse matching (proposals that need a person's or an institution's expertise).
REVERSE_WEIGHTS: dict[str, float] = {"coverage": 0.6, "text": 0.4}

# Diversity: within the first DIVERSITY_WINDOW suggestions, at most this many from one
# institution or one country, as long as other candidates are left to fill the window.
DIVERSITY_WINDOW = 10
MAX_PER_INSTITUTION = 3
MAX_PER_COUNTRY = 4
# How far down the ranking the re-ranking looks for those other candidates.
DIVERSITY_SCAN = 2000

# Consortium builder: the programme maximises the partners' total score less this cost per
# partner, so a partner joins beyond what the rules need only when its score exceeds it and
# suggested consortia stay small (0 maximises the plain total score, which always fills the
# consortium up to the maximum size).
PARTNER_COST = 0.7
# Shared terms shown on an explanation card.
SHARED_TERMS = 5
# The closest sentence of a candidate's texts is quoted when its cosine reaches the floor.
CLOSE_SENTENCE_FLOOR = SEMANTIC_FLOOR

assert abs(sum(WEIGHTS.values()) - 1.0) < 1e-12, "WEIGHTS must sum to 1"
assert abs(sum(REVERSE_WEIGHTS.values()) - 1.0) < 1e-12, "REVERSE_WEIGHTS must sum to 1"
