"""Measure matching quality on the paraphrase set, ranked exactly as Find partners ranks.

``seed_paraphrase_alliance`` writes a synthetic alliance (16 topics × 3 experts and 462
distractors, 510 researchers at 60 institutions) into the current database, with four
proposals per topic: in the experts' words or in others, with the topic's competence
required or without. ``measure`` asks ``suggest_people`` and ``suggest_institutions`` for
the top 10 of each and reports the share of experts found and the mean reciprocal rank of
the first one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from members.enums import InstitutionKind, InstitutionStatus, MembershipRole, MembershipStatus
from members.models import (
    Competence,
    FocusArea,
    Institution,
    Membership,
    PersonCompetence,
    User,
)
from projects.enums import ParticipationRole, ParticipationStatus, Stage, Visibility
from projects.matching.paraphrases import (
    DISTRACTOR_CLAUSES,
    DISTRACTOR_FIELDS,
    DISTRACTORS,
    TOPICS,
    expert_bio,
    own_proposal,
    paraphrased_proposal,
)
from projects.models import Participation, Proposal, ProposalCompetence

INSTITUTIONS = 60
COUNTRIES = ("DE", "FR", "CH", "US", "GB", "IT", "ES", "NL", "SE", "JP")
VARIANTS = ("own_with", "own_without", "other_with", "other_without")
TOP = 10


@dataclass(frozen=True)
class Case:
    topic: str
    variant: str
    proposal_id: int
    experts: frozenset[int]  # person ids
    expert_institutions: frozenset[int]


@dataclass(frozen=True)
class Figures:
    variant: str
    people_hit: float  # share of experts in the top 10
    people_mrr: float  # mean reciprocal rank of the first expert
    institutions_hit: float
    institutions_mrr: float


@transaction.atomic
def seed_paraphrase_alliance(*, seed: int = 13) -> list[Case]:
    """Write the paraphrase alliance; return one case per topic and variant."""
    rng = random.Random(seed)
    area = FocusArea.objects.create(name="Paraphrase topics", slug="paraphrase-topics")
    competences = {
        topic.slug: Competence.objects.create(
            focus_area=area, name=topic.competence, slug=f"paraphrase-{topic.slug}"
        )
        for topic in TOPICS
    }
    institutions = Institution.objects.bulk_create(
        Institution(
            name=f"Paraphrase Institute {n}",
            short_name=f"PI{n}",
            slug=f"paraphrase-institute-{n}",
            kind=(InstitutionKind.UNIVERSITY, InstitutionKind.COMPANY)[n % 2],
            country=COUNTRIES[n % len(COUNTRIES)],
            city="Somewhere",
            website=f"https://paraphrase-{n}.example",
            description="A member of the alliance.",
            status=InstitutionStatus.MEMBER,
            capacity=50,
        )
        for n in range(INSTITUTIONS + 1)
    )
    lead_institution, institutions = institutions[0], institutions[1:]
    people: list[User] = []
    placed: list[Institution] = []
    expert_of: dict[str, list[int]] = {}
    skills: list[tuple[int, str, int]] = []  # (person position, topic slug, level)
    for t, topic in enumerate(TOPICS):
        expert_of[topic.slug] = []
        for k in range(3):
            expert_of[topic.slug].append(len(people))
            skills.append((len(people), topic.slug, 3))
            email = f"expert-{topic.slug}-{k}@paraphrase.example"
            people.append(User(email=email, bio=expert_bio(topic, k)))
            placed.append(institutions[(t * 3 + k) % INSTITUTIONS])
    for n in range(DISTRACTORS):
        field = DISTRACTOR_FIELDS[n % len(DISTRACTOR_FIELDS)]
        bio = f"I work on {field}. {rng.choice(DISTRACTOR_CLAUSES)}"
        people.append(User(email=f"distractor-{n}@paraphrase.example", bio=bio))
        placed.append(rng.choice(institutions))
        # Many distractors claim a topic's competence too, as high as the experts do, so
        # that the required competence alone cannot tell the experts apart.
        if rng.random() < 0.5:
            skills.append((len(people) - 1, rng.choice(TOPICS).slug, rng.randint(2, 3)))
    lead = User(email="lead@paraphrase.example", bio="I coordinate projects.")
    people.append(lead)
    placed.append(lead_institution)
    User.objects.bulk_create(people)
    Membership.objects.bulk_create(
        Membership(
            person=person,
            institution=institution,
            role=MembershipRole.RESEARCHER,
            status=MembershipStatus.ACTIVE,
        )
        for person, institution in zip(people, placed, strict=True)
    )
    PersonCompetence.objects.bulk_create(
        PersonCompetence(person=people[p], competence=competences[slug], level=level)
        for p, slug, level in skills
    )
    cases: list[Case] = []
    for topic in TOPICS:
        experts = [people[p] for p in expert_of[topic.slug]]
        for variant in VARIANTS:
            writer = own_proposal if variant.startswith("own") else paraphrased_proposal
            title, summary = writer(topic)
            proposal = Proposal.objects.create(
                title=title,
                slug=f"paraphrase-{topic.slug}-{variant}".replace("_", "-"),
                summary=summary,
                focus_area=area,
                lead=lead,
                lead_institution=lead_institution,
                stage=Stage.DEFINE,
                visibility=Visibility.OPEN_CALL,
                stage_changed_at=timezone.now(),
            )
            Participation.objects.create(
                proposal=proposal,
                institution=lead_institution,
                person=lead,
                role=ParticipationRole.LEAD,
                status=ParticipationStatus.CONFIRMED,
            )
            if variant.endswith("with"):
                ProposalCompetence.objects.create(
                    proposal=proposal, competence=competences[topic.slug], importance=3
                )
            cases.append(
                Case(
                    topic=topic.slug,
                    variant=variant,
                    proposal_id=proposal.pk,
                    experts=frozenset(e.pk for e in experts),
                    expert_institutions=frozenset(placed[p].pk for p in expert_of[topic.slug]),
                )
            )
    return cases


def _hits(ranked: list[int], wanted: frozenset[int]) -> tuple[float, float]:
    """Share of ``wanted`` in the top 10, and the reciprocal rank of the first one found."""
    top = ranked[:TOP]
    share = len(wanted & set(top)) / len(wanted)
    first = next((r for r, pk in enumerate(ranked, start=1) if pk in wanted), None)
    return share, (1.0 / first if first else 0.0)


def measure(cases: list[Case], *, index=None) -> dict[str, Figures]:
    """Figures per variant, from suggest_people and suggest_institutions as the page asks."""
    from projects.matching.suggestions import suggest_institutions, suggest_people

    proposals = Proposal.objects.in_bulk([c.proposal_id for c in cases])
    results: dict[str, list[tuple[float, float, float, float]]] = {v: [] for v in VARIANTS}
    for case in cases:
        proposal = proposals[case.proposal_id]
        people = suggest_people(proposal=proposal, index=index, limit=50)
        insts = suggest_institutions(proposal=proposal, index=index, limit=50)
        p_hit, p_rr = _hits([s.person.pk for s in people], case.experts)
        i_hit, i_rr = _hits([s.institution.pk for s in insts], case.expert_institutions)
        results[case.variant].append((p_hit, p_rr, i_hit, i_rr))
    return {
        variant: Figures(
            variant,
            *(sum(row[j] for row in rows) / len(rows) for j in range(4)),
        )
        for variant, rows in results.items()
        if rows
    }


@dataclass(frozen=True)
class ReviewerFigures:
    variant: str
    hit: float  # share of experts among the first REVIEWERS suggested
    mrr: float  # mean reciprocal rank of the first expert
    others: float  # mean number of others among the first REVIEWERS


REVIEWERS = 10  # as many as the reviewer page suggests


def measure_reviewers(cases: list[Case], *, index=None, **options) -> dict[str, ReviewerFigures]:
    """Figures per variant, from rank_reviewers as the reviewer page asks (lead and lead
    institution excluded); ``options`` go to rank_reviewers (``text_floor``)."""
    from projects.matching.reviewers import rank_reviewers

    proposals = Proposal.objects.in_bulk([c.proposal_id for c in cases])
    results: dict[str, list[tuple[float, float, int]]] = {v: [] for v in VARIANTS}
    for case in cases:
        proposal = proposals[case.proposal_id]
        ranked = rank_reviewers(
            proposal=proposal,
            required=list(proposal.required_competences.select_related("competence")),
            exclude_people={proposal.lead_id},
            exclude_institutions={proposal.lead_institution_id},
            limit=REVIEWERS,
            index=index,
            **options,
        )
        ids = [r.person_id for r in ranked]
        hit, rr = _hits(ids, case.experts)
        results[case.variant].append((hit, rr, len(set(ids) - case.experts)))
    return {
        variant: ReviewerFigures(
            variant, *(sum(row[j] for row in rows) / len(rows) for j in range(3))
        )
        for variant, rows in results.items()
        if rows
    }
