"""Build proposals at alliance scale for benchmarks: every stage, with its whole record, unsaved.

Rows are derived from a seeded ``random.Random`` over the institutions and people already in
the database, so the same arguments give the same proposals. Each proposal carries what the
real lifecycle would have left behind: required competences, a consortium (participations in
every status, each with its transition), revisions, the stage transitions of its path,
review assignments with reviews and scores, the decision, and milestones once kicked off.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from members.enums import InstitutionStatus, MembershipRole, MembershipStatus
from members.models import Competence, Membership, User
from members.scale import APPLICATIONS
from projects.demo import DECISIONS, PATHS
from projects.enums import (
    AssignmentStatus,
    MilestoneStatus,
    ParticipationRole,
    ParticipationStatus,
    Recommendation,
    Stage,
    Visibility,
)
from projects.models import (
    Criterion,
    Decision,
    Milestone,
    Participation,
    ParticipationTransition,
    Proposal,
    ProposalCompetence,
    Review,
    ReviewAssignment,
    Revision,
    Score,
    StageTransition,
)

# Shares of a grown alliance: much is being defined or driven, a long tail is over.
STAGE_WEIGHTS = {
    Stage.DRAFT: 8,
    Stage.DEFINE: 25,
    Stage.REVIEW: 7,
    Stage.CHANGES_REQUESTED: 4,
    Stage.APPROVED: 5,
    Stage.DRIVE: 20,
    Stage.PAUSED: 3,
    Stage.COMPLETED: 16,
    Stage.DECLINED: 7,
    Stage.WITHDRAWN: 5,
}
# While the consortium is defined, partners are anywhere in joining.
JOINING_WEIGHTS = {
    ParticipationStatus.INVITED: 25,
    ParticipationStatus.REQUESTED: 15,
    ParticipationStatus.ACCEPTED: 25,
    ParticipationStatus.CONFIRMED: 20,
    ParticipationStatus.DECLINED: 10,
    ParticipationStatus.WITHDRAWN: 5,
}
# Once submitted, the consortium is confirmed; some who left stay on record.
SETTLED_WEIGHTS = {
    ParticipationStatus.CONFIRMED: 85,
    ParticipationStatus.DECLINED: 10,
    ParticipationStatus.WITHDRAWN: 5,
}
RECOMMENDATION_OF = {
    Stage.CHANGES_REQUESTED: Recommendation.REVISE,
    Stage.DECLINED: Recommendation.DECLINE,
}
GOALS = (
    "release open weights and training code",
    "publish an open benchmark",
    "build shared tooling for the alliance",
    "write a reference implementation",
    "run a public evaluation campaign",
)
BATCH_SIZE = 1000


@dataclass
class ProposalPlan:
    """Rows to insert, built in memory before touching the database."""

    proposals: list[Proposal] = field(default_factory=list)
    competences: list[ProposalCompetence] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)
    participations: list[Participation] = field(default_factory=list)
    participation_transitions: list[ParticipationTransition] = field(default_factory=list)
    stage_transitions: list[StageTransition] = field(default_factory=list)
    assignments: list[ReviewAssignment] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)

    def tables(self) -> list[list]:
        """The rows per table, parents before the rows that point at them."""
        return [
            self.proposals,
            self.competences,
            self.revisions,
            self.participations,
            self.participation_transitions,
            self.stage_transitions,
            self.assignments,
            self.reviews,
            self.scores,
            self.decisions,
            self.milestones,
        ]


def _pick[T](rng: random.Random, weights: dict[T, int]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _phrase(name: str) -> str:
    return name if name[:2].isupper() else name[0].lower() + name[1:]


def build_proposals(*, n: int, seed: int, coordinator: User) -> ProposalPlan:
    """Generate ``n`` proposals over the member institutions' active people, from ``seed`` alone."""
    rng = random.Random(f"proposals-{seed}")
    now = timezone.now()
    competences = list(Competence.objects.order_by("slug"))
    criteria = list(Criterion.objects.filter(active=True).order_by("pk"))
    people_of: dict[int, list[int]] = defaultdict(list)
    for person_id, institution_id in (
        Membership.objects.filter(
            status=MembershipStatus.ACTIVE, institution__status=InstitutionStatus.MEMBER
        )
        .exclude(role=MembershipRole.REPRESENTATIVE)
        .order_by("pk")
        .values_list("person_id", "institution_id")
    ):
        people_of[institution_id].append(person_id)
    institutions = sorted(people_of)
    everyone = [pk for pk in institutions for pk in people_of[pk]]
    by_area: dict[int, list[Competence]] = defaultdict(list)
    for competence in competences:
        by_area[competence.focus_area_id].append(competence)
    areas = sorted(by_area)
    plan = ProposalPlan()

    for k in range(n):
        stage = _pick(rng, STAGE_WEIGHTS)
        lead_institution = rng.choice(institutions)
        lead_id = rng.choice(people_of[lead_institution])
        area = rng.choice(areas)
        needs = rng.sample(by_area[area], min(len(by_area[area]), rng.randint(2, 4)))
        phrases = [_phrase(c.name) for c in needs]
        application = rng.choice(APPLICATIONS)
        goal = rng.choice(GOALS)
        proposal = Proposal(
            title=f"{needs[0].name} for {application} ({seed}/{k})",
            slug=f"scale-{seed}-p{k}",
            summary=(
                f"We combine {', '.join(phrases[:-1])} and {phrases[-1]} to {goal} "
                f"for {application}."
            ),
            description=(
                f"## Why\n\nOpen work on {phrases[0]} is scattered.\n\n"
                f"## Plan\n\n1. Survey {phrases[-1]}.\n2. Build on {phrases[0]} for "
                f"{application}.\n3. {goal.capitalize()}."
            ),
            focus_area_id=area,
            lead_id=lead_id,
            lead_institution_id=lead_institution,
            stage=stage,
            visibility=Visibility.OPEN_CALL if rng.random() < 0.85 else Visibility.CONFIDENTIAL,
            duration_months=rng.choice((6, 12, 18, 24, 36)),
        )
        plan.proposals.append(proposal)
        plan.competences += [
            ProposalCompetence(proposal=proposal, competence=c, importance=rng.choice((1, 2, 2, 3)))
            for c in needs
        ]
        plan.revisions += [
            Revision(
                proposal=proposal,
                number=number,
                title=proposal.title,
                summary=proposal.summary,
                description=proposal.description,
                author_id=lead_id,
            )
            for number in range(1, rng.randint(1, 4) + 1)
        ]

        # The consortium: the lead, then partners from other institutions.
        joined = [
            (lead_institution, lead_id, ParticipationRole.LEAD, ParticipationStatus.CONFIRMED)
        ]
        if stage != Stage.DRAFT:
            weights = (
                JOINING_WEIGHTS
                if stage in (Stage.DEFINE, Stage.WITHDRAWN, Stage.CHANGES_REQUESTED)
                else SETTLED_WEIGHTS
            )
            for partner in rng.sample(institutions, min(len(institutions), rng.randint(1, 4))):
                if partner != lead_institution:
                    status = _pick(rng, weights)
                    person = rng.choice(people_of[partner])
                    joined.append((partner, person, ParticipationRole.PARTNER, status))
        for institution_id, person_id, role, status in joined:
            participation = Participation(
                proposal=proposal,
                institution_id=institution_id,
                person_id=person_id,
                role=role,
                status=status,
                created_by_id=lead_id,
                confirmed_by_id=person_id if status == ParticipationStatus.CONFIRMED else None,
            )
            plan.participations.append(participation)
            plan.participation_transitions.append(
                ParticipationTransition(
                    participation=participation, to_status=status, actor_id=lead_id
                )
            )

        # The path to its stage, each step on record; reviews once it was submitted.
        previous = Stage.DRAFT
        for target in PATHS[stage]:
            decided = target in DECISIONS or target == Stage.PAUSED
            actor_id = coordinator.pk if decided else lead_id
            plan.stage_transitions.append(
                StageTransition(
                    proposal=proposal, from_stage=previous, to_stage=target, actor_id=actor_id
                )
            )
            if target in DECISIONS:
                plan.decisions.append(
                    Decision(
                        proposal=proposal,
                        outcome=DECISIONS[target],
                        reason="Decided on the reviews.",
                        decided_by=coordinator,
                    )
                )
            previous = target
        if Stage.REVIEW in PATHS[stage]:
            consortium = {person for _i, person, _r, _s in joined}
            reviewers = [
                p for p in rng.sample(everyone, min(len(everyone), 5)) if p not in consortium
            ][:3]
            for position, reviewer_id in enumerate(reviewers):
                pending = stage == Stage.REVIEW and position == len(reviewers) - 1
                assignment = ReviewAssignment(
                    proposal=proposal,
                    reviewer_id=reviewer_id,
                    assigned_by=coordinator,
                    status=AssignmentStatus.ASSIGNED if pending else AssignmentStatus.SUBMITTED,
                    due_at=now + timedelta(days=rng.randint(-5, 20)),
                )
                plan.assignments.append(assignment)
                if pending:
                    continue
                review = Review(
                    assignment=assignment,
                    recommendation=RECOMMENDATION_OF.get(stage, Recommendation.APPROVE),
                    comment="Sound plan; the consortium covers what it needs.",
                    revision_number=1,
                )
                plan.reviews.append(review)
                plan.scores += [
                    Score(review=review, criterion=criterion, value=rng.randint(2, 5))
                    for criterion in criteria
                ]
        if Stage.DRIVE in PATHS[stage]:
            start = date.today() - timedelta(days=rng.randint(30, 400))
            plan.milestones += [
                Milestone(
                    proposal=proposal,
                    title=f"Milestone {m}",
                    due_date=start + timedelta(days=90 * m),
                    status=MilestoneStatus.DONE
                    if stage == Stage.COMPLETED or m == 1
                    else MilestoneStatus.PLANNED,
                    created_by_id=lead_id,
                )
                for m in range(1, 4)
            ]
    return plan
