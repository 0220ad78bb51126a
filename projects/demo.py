"""Demo proposals in every stage, walked through the real lifecycle services.

Each proposal is created once (matched by slug) and then moved stage by stage with the
same services the pages use, so its timeline, revisions, reviews and outbox events are
what a real run would leave behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from members.models import Competence, FocusArea, Institution, User
from projects import services
from projects.enums import (
    Licence,
    MilestoneStatus,
    ParticipationRole,
    ParticipationStatus,
    Recommendation,
    Stage,
    Visibility,
)
from projects.models import Criterion, Decision, Participation, Proposal

COORDINATOR_EMAIL = "coordinator@alliance.example"


@dataclass(frozen=True)
class ReviewSpec:
    reviewer: str  # email
    score: int  # the same score for every criterion, give or take one on openness
    recommendation: Recommendation
    comment: str


@dataclass(frozen=True)
class MilestoneSpec:
    title: str
    due: date
    status: MilestoneStatus = MilestoneStatus.PLANNED


@dataclass(frozen=True, kw_only=True)
class ProposalSpec:
    slug: str
    title: str
    summary: str
    description: str
    focus_area: str
    lead: str  # email
    lead_institution: str  # slug
    stage: Stage
    competences: dict[str, int]  # competence slug -> importance 1-3
    partners: dict[str, ParticipationStatus] = field(default_factory=dict)  # slug -> status
    goals: str = ""
    expected_outcomes: str = ""
    resources_offered: str = ""
    licence: Licence = Licence.APACHE_2
    duration_months: int = 18
    visibility: Visibility = Visibility.OPEN_CALL
    reviews: tuple[ReviewSpec, ...] = ()
    pending_reviewers: tuple[str, ...] = ()
    decision_reason: str = ""
    revision_after_changes: str = ""  # a new summary written after changes were requested
    milestones: tuple[MilestoneSpec, ...] = ()
    updates: tuple[str, ...] = ()
    closing_comment: str = ""


PROPOSALS: tuple[ProposalSpec, ...] = (
    ProposalSpec(
        slug="multimodal-foundation-models-for-robot-learning",
        title="Multimodal foundation models for robot learning",
        summary=(
            "IBM and TU Munich train an open vision-language-action model on shared robot "
            "demonstrations, so that labs can fine-tune one model for new manipulators "
            "instead of collecting data from scratch."
        ),
        description=(
            "## Why\n\n"
            "Robot learning today starts from zero for every arm and every lab. Multimodal "
            "foundation models already connect images and language; adding actions lets a "
            "single open model transfer skills across robots.\n\n"
            "## Plan\n\n"
            "1. Pool demonstration data from the TUM robotics lab and partner labs under a "
            "common schema.\n"
            "2. Pretrain a vision-language backbone on IBM's open multimodal recipe.\n"
            "3. Add an action head and fine-tune on the pooled demonstrations.\n"
            "4. Evaluate on real tabletop tasks at TUM and in simulation.\n\n"
            "Weights, code and the data schema are released under Apache-2.0."
        ),
        focus_area="multimodal-models",
        lead="meilin.chen@ibm.com",
        lead_institution="ibm",
        stage=Stage.DRIVE,
        competences={
            "multimodal-foundation-models": 3,
            "robot-learning": 3,
            "embodied-perception": 2,
        },
        partners={"tu-munich": ParticipationStatus.CONFIRMED},
        goals="- An open vision-language-action model\n- A shared demonstration schema",
        expected_outcomes="Model weights, training code, an evaluation suite and a paper.",
        resources_offered="IBM: 256 GPUs for six months and two engineers.",
        duration_months=24,
        reviews=(
            ReviewSpec(
                "henrik.larsen@cern.ch",
                5,
                Recommendation.APPROVE,
                "Ambitious and well scoped; the open data schema alone is worth it.",
            ),
            ReviewSpec(
                "maya.thompson@berkeley.edu",
                4,
                Recommendation.APPROVE,
                "Strong consortium. Please publish the evaluation protocol early.",
            ),
        ),
        decision_reason="Approved: a clear plan, open outputs and a complementary pair.",
        milestones=(
            MilestoneSpec(
                "Demonstration schema v1 published", date(2026, 9, 30), MilestoneStatus.DONE
            ),
            MilestoneSpec(
                "Backbone pretraining finished", date(2027, 1, 31), MilestoneStatus.IN_PROGRESS
            ),
            MilestoneSpec("First real-robot evaluation at TUM", date(2027, 4, 30)),
        ),
        updates=(
            "The demonstration schema is public; three labs have converted their data.",
            "Pretraining passed 60% of the token budget; loss curves are in the repository.",
        ),
    ),
    ProposalSpec(
        slug="open-multilingual-pretraining-corpus",
        title="Open multilingual pretraining corpus",
        summary=(
            "A documented, licence-clean pretraining corpus for 40 languages, with "
            "provenance for every source."
        ),
        description=(
            "Most open models are trained on English-heavy data of unclear origin. We build "
            "a corpus with per-document provenance and a public audit trail.\n\n"
            "We are looking for partners with **low-resource language** expertise."
        ),
        focus_area="data",
        lead="nadia.rahman@huggingface.co",
        lead_institution="hugging-face",
        stage=Stage.DEFINE,
        competences={"multilingual-data": 3, "data-provenance": 3, "dataset-curation": 2},
        partners={
            "eth-zurich": ParticipationStatus.CONFIRMED,
            "inria": ParticipationStatus.INVITED,
        },
        licence=Licence.APACHE_2,
        duration_months=12,
    ),
    ProposalSpec(
        slug="open-benchmark-for-embodied-manipulation",
        title="Open benchmark for embodied manipulation",
        summary=(
            "A shared benchmark of real and simulated manipulation tasks, so that robot "
            "learning results from different labs can finally be compared."
        ),
        description=(
            "Every lab evaluates robot policies on its own tasks. We define a common task "
            "suite, publish the simulation assets and run a yearly real-robot round.\n\n"
            "We look for labs with **robot learning** and **embodied perception** expertise "
            "and real hardware."
        ),
        focus_area="ai-robotics",
        lead="yuki.tanaka@meta.com",
        lead_institution="meta",
        stage=Stage.DEFINE,
        competences={"embodied-perception": 3, "robot-learning": 3, "model-evaluation": 2},
        duration_months=24,
    ),
    ProposalSpec(
        slug="red-teaming-toolkit-for-open-models",
        title="Red-teaming toolkit for open models",
        summary="Reusable attack suites and reporting for anyone releasing open weights.",
        description=(
            "Red teaming is repeated from scratch for every release. We package attack "
            "suites, scoring and disclosure templates as an open toolkit."
        ),
        focus_area="trust-and-safety",
        lead="grace.liu@meta.com",
        lead_institution="meta",
        stage=Stage.REVIEW,
        competences={"red-teaming": 3, "safety-evaluation": 2},
        partners={"eth-zurich": ParticipationStatus.CONFIRMED},
        visibility=Visibility.CONFIDENTIAL,
        reviews=(
            ReviewSpec(
                "samuel.adeyemi@harvard.edu",
                4,
                Recommendation.APPROVE,
                "Useful for the whole alliance; clarify the disclosure process.",
            ),
        ),
        pending_reviewers=("arjun.mehta@berkeley.edu",),
    ),
    ProposalSpec(
        slug="energy-efficient-inference-on-open-accelerators",
        title="Energy-efficient inference on open accelerators",
        summary="Measure and cut the energy per token of open models on open hardware.",
        description="A first draft: partners and plan still to be worked out.",
        focus_area="hardware-acceleration",
        lead="aisha.bello@intel.com",
        lead_institution="intel",
        stage=Stage.DRAFT,
        competences={"energy-efficient-ai": 3, "efficient-inference": 2},
    ),
    ProposalSpec(
        slug="knowledge-graphs-from-scientific-literature",
        title="Knowledge graphs from scientific literature",
        summary="Extract an open knowledge graph of methods and results from AI papers.",
        description="We combine information extraction with retrieval to build a living map of the field.",
        focus_area="knowledge-acquisition",
        lead="katharina.schmidt@tum.de",
        lead_institution="tu-munich",
        stage=Stage.CHANGES_REQUESTED,
        competences={"knowledge-graphs": 3, "information-extraction": 2},
        partners={"oracle": ParticipationStatus.CONFIRMED},
        reviews=(
            ReviewSpec(
                "henrik.larsen@cern.ch",
                3,
                Recommendation.REVISE,
                "Promising, but the evaluation plan is missing.",
            ),
        ),
        decision_reason="Please add an evaluation plan and a data licensing section.",
        revision_after_changes=(
            "Extract an open knowledge graph of methods and results from AI papers, "
            "evaluated against a hand-annotated gold set."
        ),
    ),
    ProposalSpec(
        slug="physics-informed-surrogates-for-detector-simulation",
        title="Physics-informed surrogates for detector simulation",
        summary="Replace slow detector simulations with fast, physics-informed neural surrogates.",
        description="CERN's simulation chain costs millions of CPU hours a year; surrogates on accelerators cut that.",
        focus_area="ai-for-science",
        lead="henrik.larsen@cern.ch",
        lead_institution="cern",
        stage=Stage.APPROVED,
        competences={"physics-informed-ml": 3, "ai-accelerators": 2},
        partners={"intel": ParticipationStatus.CONFIRMED},
        reviews=(
            ReviewSpec(
                "yuki.tanaka@meta.com",
                4,
                Recommendation.APPROVE,
                "Clear impact and a realistic plan.",
            ),
            ReviewSpec(
                "antoine.lefevre@inria.fr", 4, Recommendation.APPROVE, "Good fit for the alliance."
            ),
        ),
        decision_reason="Approved; please share benchmarks with the hardware working group.",
    ),
    ProposalSpec(
        slug="safety-evaluation-harness-for-agents",
        title="Safety evaluation harness for agents",
        summary="An evaluation harness for tool-using agents, built with partners before going public.",
        description="Confidential while the threat model is discussed with partners.",
        focus_area="trust-and-safety",
        lead="ravi.krishnan@ethz.ch",
        lead_institution="eth-zurich",
        stage=Stage.DEFINE,
        visibility=Visibility.CONFIDENTIAL,
        competences={"safety-evaluation": 3, "agent-frameworks": 2},
        partners={"meta": ParticipationStatus.INVITED},
    ),
    ProposalSpec(
        slug="open-compiler-stack-for-ml-accelerators",
        title="Open compiler stack for ML accelerators",
        summary="One open compiler path from PyTorch graphs to several accelerator back ends.",
        description="Delivered: the compiler supports three back ends and is maintained upstream.",
        focus_area="hardware-acceleration",
        lead="olga.petrova@intel.com",
        lead_institution="intel",
        stage=Stage.COMPLETED,
        competences={"compilers-for-ml": 3, "ml-frameworks": 2},
        partners={"inria": ParticipationStatus.CONFIRMED},
        reviews=(
            ReviewSpec(
                "wei.zhang@berkeley.edu",
                5,
                Recommendation.APPROVE,
                "Exactly what the ecosystem needs.",
            ),
        ),
        decision_reason="Approved.",
        milestones=(
            MilestoneSpec("Front end merged upstream", date(2025, 12, 15), MilestoneStatus.DONE),
            MilestoneSpec(
                "Three back ends passing the test suite", date(2026, 6, 30), MilestoneStatus.DONE
            ),
        ),
        updates=("All three back ends pass the conformance suite.",),
        closing_comment=(
            "Final report: the compiler is upstream, three back ends are supported and two "
            "companies ship it. Maintenance continues in the project's own governance."
        ),
    ),
    ProposalSpec(
        slug="federated-medical-imaging-foundation-model",
        title="Federated medical imaging foundation model",
        summary="Train an imaging model across hospitals without moving patient data.",
        description="Federated training across clinical partners with differential privacy.",
        focus_area="ai-for-science",
        lead="samuel.adeyemi@harvard.edu",
        lead_institution="harvard",
        stage=Stage.DECLINED,
        competences={"privacy-preserving-ml": 3},
        partners={"cleveland-clinic": ParticipationStatus.CONFIRMED},
        reviews=(
            ReviewSpec(
                "grace.liu@meta.com",
                2,
                Recommendation.DECLINE,
                "The data access agreements are not in place; the plan cannot start.",
            ),
        ),
        decision_reason="Declined for now: resubmit once the data agreements are signed.",
    ),
    ProposalSpec(
        slug="agent-framework-interoperability",
        title="Agent framework interoperability",
        summary="A common protocol for tools and memory across open agent frameworks.",
        description="Withdrawn: the work continues in a standards body instead.",
        focus_area="frameworks-and-tools",
        lead="antoine.lefevre@inria.fr",
        lead_institution="inria",
        stage=Stage.WITHDRAWN,
        competences={"agent-frameworks": 3},
        closing_comment="The work moved to a standards body; no alliance project needed.",
    ),
    ProposalSpec(
        slug="shared-robot-demonstration-datasets",
        title="Shared robot demonstration datasets",
        summary="Pool and clean robot demonstration data from partner labs.",
        description="Paused while the data-sharing agreement is renegotiated.",
        focus_area="ai-robotics",
        lead="arjun.mehta@berkeley.edu",
        lead_institution="uc-berkeley",
        stage=Stage.PAUSED,
        competences={"robot-learning": 3, "reinforcement-learning": 2},
        partners={"eth-zurich": ParticipationStatus.CONFIRMED},
        reviews=(
            ReviewSpec(
                "felix.wagner@tum.de",
                4,
                Recommendation.APPROVE,
                "Complements the IBM–TUM project well.",
            ),
        ),
        decision_reason="Approved.",
        closing_comment="Paused until the data-sharing agreement is renegotiated.",
    ),
)

# The order in which a proposal reaches each stage.
PATHS: dict[Stage, tuple[Stage, ...]] = {
    Stage.DRAFT: (),
    Stage.DEFINE: (Stage.DEFINE,),
    Stage.REVIEW: (Stage.DEFINE, Stage.REVIEW),
    Stage.CHANGES_REQUESTED: (Stage.DEFINE, Stage.REVIEW, Stage.CHANGES_REQUESTED),
    Stage.APPROVED: (Stage.DEFINE, Stage.REVIEW, Stage.APPROVED),
    Stage.DECLINED: (Stage.DEFINE, Stage.REVIEW, Stage.DECLINED),
    Stage.DRIVE: (Stage.DEFINE, Stage.REVIEW, Stage.APPROVED, Stage.DRIVE),
    Stage.PAUSED: (Stage.DEFINE, Stage.REVIEW, Stage.APPROVED, Stage.DRIVE, Stage.PAUSED),
    Stage.COMPLETED: (Stage.DEFINE, Stage.REVIEW, Stage.APPROVED, Stage.DRIVE, Stage.COMPLETED),
    Stage.WITHDRAWN: (Stage.DEFINE, Stage.WITHDRAWN),
}
DECISIONS = {
    Stage.APPROVED: Decision.Outcome.APPROVE,
    Stage.CHANGES_REQUESTED: Decision.Outcome.REQUEST_CHANGES,
    Stage.DECLINED: Decision.Outcome.DECLINE,
}


def _person(email: str) -> User:
    return User.objects.get(email=email)


def _review_stage(proposal: Proposal, spec: ProposalSpec, coordinator: User) -> None:
    criteria = list(Criterion.objects.filter(active=True))
    for review in spec.reviews:
        reviewer = _person(review.reviewer)
        assignment = services.review_assign(proposal=proposal, reviewer=reviewer, actor=coordinator)
        services.review_submit(
            assignment=assignment,
            actor=reviewer,
            scores=dict.fromkeys(criteria, review.score),
            recommendation=review.recommendation,
            comment=review.comment,
        )
    for email in spec.pending_reviewers:
        services.review_assign(proposal=proposal, reviewer=_person(email), actor=coordinator)


def _walk(proposal: Proposal, spec: ProposalSpec, coordinator: User) -> None:
    lead = proposal.lead
    for target in PATHS[spec.stage]:
        if target == Stage.REVIEW:
            services.proposal_transition(proposal=proposal, to=target, actor=lead)
            _review_stage(proposal, spec, coordinator)
        elif target in DECISIONS:
            services.proposal_decide(
                proposal=proposal,
                actor=coordinator,
                outcome=DECISIONS[target],
                reason=spec.decision_reason,
            )
        elif target == Stage.DRIVE:
            services.proposal_transition(proposal=proposal, to=target, actor=lead)
            for milestone in spec.milestones:
                created = services.milestone_create(
                    proposal=proposal, actor=lead, title=milestone.title, due_date=milestone.due
                )
                if milestone.status != MilestoneStatus.PLANNED:
                    services.milestone_set_status(
                        milestone=created, actor=lead, status=milestone.status
                    )
            for body in spec.updates:
                services.progress_update_post(proposal=proposal, actor=lead, body=body)
        elif target == Stage.PAUSED:
            services.proposal_transition(
                proposal=proposal, to=target, actor=coordinator, comment=spec.closing_comment
            )
        else:
            services.proposal_transition(
                proposal=proposal, to=target, actor=lead, comment=spec.closing_comment
            )
    if spec.stage == Stage.CHANGES_REQUESTED and spec.revision_after_changes:
        services.proposal_update(proposal=proposal, actor=lead, summary=spec.revision_after_changes)


def _create(spec: ProposalSpec, coordinator: User) -> Proposal:
    lead = _person(spec.lead)
    proposal = services.proposal_create(
        lead=lead,
        lead_institution=Institution.objects.get(slug=spec.lead_institution),
        competences={
            Competence.objects.get(slug=slug): importance
            for slug, importance in spec.competences.items()
        },
        title=spec.title,
        summary=spec.summary,
        description=spec.description,
        focus_area=FocusArea.objects.get(slug=spec.focus_area),
        goals=spec.goals,
        expected_outcomes=spec.expected_outcomes,
        resources_offered=spec.resources_offered,
        licence=spec.licence,
        duration_months=spec.duration_months,
        visibility=spec.visibility,
    )
    if proposal.slug != spec.slug:
        proposal.slug = spec.slug
        proposal.save(update_fields=["slug"])
    # Partners join through the joining flow in the product; the demo sets them directly.
    for slug, status in spec.partners.items():
        Participation.objects.create(
            proposal=proposal,
            institution=Institution.objects.get(slug=slug),
            role=ParticipationRole.PARTNER,
            status=status,
            created_by=lead,
        )
    _walk(proposal, spec, coordinator)
    return proposal


@transaction.atomic
def load_demo_proposals() -> tuple[int, int]:
    """Create the demo proposals that do not exist yet; returns (created, unchanged)."""
    coordinator = _person(COORDINATOR_EMAIL)
    existing = set(
        Proposal.objects.filter(slug__in=[p.slug for p in PROPOSALS]).values_list("slug", flat=True)
    )
    created = 0
    for spec in PROPOSALS:
        if spec.slug in existing:
            continue
        _create(spec, coordinator)
        created += 1
    return created, len(PROPOSALS) - created
