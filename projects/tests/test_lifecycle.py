import threading
from itertools import product

import pytest
from django.db import connection

from conftest import require
from core.exceptions import DomainError, NotPermitted
from core.models import OutboxEvent
from members.enums import InstitutionKind
from members.tests.factories import (
    CompetenceFactory,
    CoordinatorFactory,
    InstitutionCompetenceFactory,
    InstitutionFactory,
    MembershipFactory,
)
from projects.enums import EventKind, ParticipationStatus, Stage
from projects.models import ConsortiumRules, Decision, StageTransition
from projects.services import (
    TRANSITIONS,
    ProposalMovedOn,
    consortium_check,
    proposal_decide,
    proposal_transition,
    transitions_for,
)
from projects.tests.factories import (
    ParticipationFactory,
    ProposalCompetenceFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db

ALL_PAIRS = [(s, t) for s, t in product(Stage, Stage) if s != t]


def _ready_for_review(proposal):
    """Give the proposal a confirmed partner so the default consortium rules hold."""
    ParticipationFactory(proposal=proposal, status=ParticipationStatus.CONFIRMED)


def _actor_for(transition, proposal):
    return proposal.lead if transition.name not in COORDINATOR_TRANSITIONS else CoordinatorFactory()


COORDINATOR_TRANSITIONS = {"approve", "request_changes", "decline", "pause", "resume"}


def _perform(transition, proposal, actor):
    if transition.via_decision:
        outcome = {
            "approve": Decision.Outcome.APPROVE,
            "request_changes": Decision.Outcome.REQUEST_CHANGES,
            "decline": Decision.Outcome.DECLINE,
        }[transition.name]
        return proposal_decide(proposal=proposal, actor=actor, outcome=outcome, reason="Because.")
    return proposal_transition(
        proposal=proposal, to=transition.target, actor=actor, comment="Reason given."
    )


def test_transition_table_matches_the_designed_lifecycle():
    edges = {(s.value, t.value) for (s, t) in TRANSITIONS}

    assert edges == {
        ("draft", "define"),
        ("define", "review"),
        ("review", "approved"),
        ("review", "changes_requested"),
        ("review", "declined"),
        ("changes_requested", "define"),
        ("approved", "drive"),
        ("drive", "paused"),
        ("paused", "drive"),
        ("drive", "completed"),
        ("draft", "withdrawn"),
        ("define", "withdrawn"),
        ("changes_requested", "withdrawn"),
    }


@pytest.mark.parametrize(("source", "target"), list(TRANSITIONS), ids=lambda s: str(s))
def test_allowed_transition_moves_and_writes_audit_and_event(source, target):
    transition = TRANSITIONS[(source, target)]
    proposal = ProposalFactory(stage=source)
    _ready_for_review(proposal)
    actor = _actor_for(transition, proposal)

    _perform(transition, proposal, actor)

    proposal.refresh_from_db()
    assert proposal.stage == target
    audit = StageTransition.objects.get(proposal=proposal)
    assert (audit.from_stage, audit.to_stage, audit.actor) == (source, target, actor)
    assert list(
        OutboxEvent.objects.about(proposal)
        .filter(kind=EventKind.STAGE_CHANGED)
        .values_list("payload__from_stage", "payload__to_stage")
    ) == [(source.value, target.value)]


@pytest.mark.parametrize(
    ("source", "target"), [p for p in ALL_PAIRS if p not in TRANSITIONS], ids=str
)
def test_transition_outside_the_table_is_refused_and_changes_nothing(source, target):
    proposal = ProposalFactory(stage=source)
    coordinator = CoordinatorFactory()

    for actor in (proposal.lead, coordinator):
        with pytest.raises(NotPermitted, match="cannot move to"):
            proposal_transition(proposal=proposal, to=target, actor=actor, comment="x")

    proposal.refresh_from_db()
    assert proposal.stage == source
    assert StageTransition.objects.count() == 0
    assert OutboxEvent.objects.count() == 0


@pytest.mark.parametrize(("source", "target"), list(TRANSITIONS), ids=str)
def test_transition_by_someone_the_table_does_not_name_is_refused(source, target):
    transition = TRANSITIONS[(source, target)]
    proposal = ProposalFactory(stage=source)
    _ready_for_review(proposal)
    outsider = MembershipFactory().person
    wrong_role = (
        proposal.lead if transition.name in COORDINATOR_TRANSITIONS else CoordinatorFactory()
    )

    for actor in (outsider, wrong_role):
        with pytest.raises(NotPermitted):
            proposal_transition(proposal=proposal, to=target, actor=actor, comment="x")

    proposal.refresh_from_db()
    assert proposal.stage == source
    assert StageTransition.objects.count() == 0


@pytest.mark.parametrize("name", ["approve", "request_changes", "decline"])
def test_decision_transitions_only_go_through_proposal_decide(name):
    transition = next(t for t in TRANSITIONS.values() if t.name == name)
    proposal = ProposalFactory(stage=Stage.REVIEW)

    with pytest.raises(NotPermitted, match="decision form"):
        proposal_transition(
            proposal=proposal, to=transition.target, actor=CoordinatorFactory(), comment="x"
        )


def test_decision_records_reason_and_event():
    proposal = ProposalFactory(stage=Stage.REVIEW)
    coordinator = CoordinatorFactory()

    decision = proposal_decide(
        proposal=proposal,
        actor=coordinator,
        outcome=Decision.Outcome.REQUEST_CHANGES,
        reason="  Add a data management plan.  ",
    )

    proposal.refresh_from_db()
    assert proposal.stage == Stage.CHANGES_REQUESTED
    assert (decision.reason, decision.decided_by) == ("Add a data management plan.", coordinator)
    assert list(OutboxEvent.objects.values_list("kind", flat=True)) == [
        EventKind.STAGE_CHANGED,
        EventKind.DECISION,
    ]


def test_comment_is_required_where_the_table_says_so():
    proposal = ProposalFactory(stage=Stage.DRIVE)

    with pytest.raises(DomainError, match="Please give a reason"):
        proposal_transition(proposal=proposal, to=Stage.PAUSED, actor=CoordinatorFactory())

    proposal.refresh_from_db()
    assert proposal.stage == Stage.DRIVE


def test_completion_posts_the_final_report():
    proposal = ProposalFactory(stage=Stage.DRIVE)

    proposal_transition(
        proposal=proposal, to=Stage.COMPLETED, actor=proposal.lead, comment="We shipped v1."
    )

    report = proposal.progress_updates.get()
    assert (report.body, report.is_final_report) == ("We shipped v1.", True)


def test_to_review_without_partners_names_the_failed_rule():
    proposal = ProposalFactory(stage=Stage.DEFINE)

    with pytest.raises(DomainError) as refused:
        proposal_transition(proposal=proposal, to=Stage.REVIEW, actor=proposal.lead)

    assert refused.value.message == (
        "The consortium rules do not hold yet; this one fails: "
        "At least 1 confirmed partner institution (0 so far)."
    )
    assert [r.rule for r in refused.value.blockers] == ["min_partner_institutions"]
    proposal.refresh_from_db()
    assert (proposal.stage, proposal.transitions.count()) == (Stage.DEFINE, 0)


def test_to_review_with_several_failing_rules_names_each_once():
    rules = ConsortiumRules.current()
    rules.min_partner_institutions = 2
    rules.min_countries = 2
    rules.save()
    proposal = ProposalFactory(stage=Stage.DEFINE, lead_institution__country="DE")

    with pytest.raises(DomainError) as refused:
        proposal_transition(proposal=proposal, to=Stage.REVIEW, actor=proposal.lead)

    assert refused.value.message == (
        "The consortium rules do not hold yet; these fail: "
        "At least 2 confirmed partner institutions (0 so far); "
        "Institutions from at least 2 countries (1 so far)."
    )


def test_consortium_rules_count_partners_awaiting_sign_off():
    rules = ConsortiumRules.current()
    rules.min_partner_institutions = 2
    rules.save()
    proposal = ProposalFactory(stage=Stage.DEFINE)
    ParticipationFactory(proposal=proposal)
    ParticipationFactory(proposal=proposal, status=ParticipationStatus.ACCEPTED)

    first = consortium_check(proposal=proposal)[0]

    assert (first.ok, first.detail, first.awaiting_signoff) == (
        False,
        "At least 2 confirmed partner institutions (1 so far; 1 more awaiting sign-off)",
        1,
    )


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (
            1,
            [
                "At least 1 confirmed partner institution (0 so far)",
                "At most 1 partner institution (0 confirmed)",
                "Institutions from at least 1 country (1 so far)",
                "At least 1 kind of institution (1 so far)",
            ],
        ),
        (
            2,
            [
                "At least 2 confirmed partner institutions (0 so far)",
                "At most 2 partner institutions (0 confirmed)",
                "Institutions from at least 2 countries (1 so far)",
                "At least 2 kinds of institution (1 so far)",
            ],
        ),
    ],
)
def test_consortium_rule_texts_agree_in_number(n, expected):
    rules = ConsortiumRules.current()
    rules.min_partner_institutions = rules.max_partner_institutions = n
    rules.min_countries = rules.min_kinds = n
    rules.require_competence_coverage = False
    rules.save()
    proposal = ProposalFactory(stage=Stage.DEFINE)

    details = [r.detail for r in consortium_check(proposal=proposal)]

    assert details == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (
            1,
            [
                "Exactly 1 partner institution",
                "Institutions from at least 1 country",
                "At least 1 kind of institution",
            ],
        ),
        (
            3,
            [
                "Exactly 3 partner institutions",
                "Institutions from at least 3 countries",
                "At least 3 kinds of institution",
            ],
        ),
    ],
)
def test_consortium_rules_describe_themselves_in_number(n, expected):
    rules = ConsortiumRules(
        min_partner_institutions=n,
        max_partner_institutions=n,
        min_countries=n,
        min_kinds=n,
        require_competence_coverage=False,
    )

    assert rules.describe() == expected


def test_only_confirmed_partners_count_toward_the_consortium():
    proposal = ProposalFactory(stage=Stage.DEFINE)
    ParticipationFactory(proposal=proposal, status=ParticipationStatus.ACCEPTED)

    failed = [r.rule for r in consortium_check(proposal=proposal) if not r.ok]

    assert failed == ["min_partner_institutions"]


def test_consortium_rules_name_country_kind_company_and_coverage():
    rules = ConsortiumRules.current()
    rules.min_countries = 2
    rules.min_kinds = 2
    rules.company_required = True
    rules.save()
    robotics = CompetenceFactory(name="Robot learning")
    proposal = ProposalFactory(stage=Stage.DEFINE, lead_institution__country="DE")
    ProposalCompetenceFactory(proposal=proposal, competence=robotics)
    ParticipationFactory(
        proposal=proposal,
        institution=InstitutionFactory(country="DE", kind=InstitutionKind.UNIVERSITY),
    )

    failed = {r.rule: r.detail for r in consortium_check(proposal=proposal) if not r.ok}

    assert failed == {
        "min_countries": "Institutions from at least 2 countries (1 so far)",
        "min_kinds": "At least 2 kinds of institution (1 so far)",
        "company_required": "A company in the consortium",
        "competence_coverage": "Every required competence covered (missing: Robot learning)",
    }


def test_competence_covered_by_a_confirmed_partner_satisfies_coverage():
    robotics = CompetenceFactory(name="Robot learning")
    proposal = ProposalFactory(stage=Stage.DEFINE)
    ProposalCompetenceFactory(proposal=proposal, competence=robotics)
    partner = InstitutionFactory()
    InstitutionCompetenceFactory(institution=partner, competence=robotics)
    ParticipationFactory(proposal=proposal, institution=partner)

    proposal_transition(proposal=proposal, to=Stage.REVIEW, actor=proposal.lead)

    proposal.refresh_from_db()
    assert proposal.stage == Stage.REVIEW


def test_stale_proposal_object_is_told_it_moved_on():
    proposal = ProposalFactory(stage=Stage.REVIEW)
    stale = type(proposal).objects.get(pk=proposal.pk)
    proposal_decide(
        proposal=proposal,
        actor=CoordinatorFactory(),
        outcome=Decision.Outcome.APPROVE,
        reason="Strong.",
    )

    with pytest.raises(ProposalMovedOn, match="now in Approved"):
        proposal_decide(
            proposal=stale,
            actor=CoordinatorFactory(),
            outcome=Decision.Outcome.DECLINE,
            reason="Weak.",
        )

    assert Decision.objects.count() == 1


def test_actions_offered_follow_the_table():
    proposal = ProposalFactory(stage=Stage.REVIEW)
    coordinator = CoordinatorFactory()

    assert [t.name for t in transitions_for(proposal=proposal, user=proposal.lead)] == []
    assert [t.name for t in transitions_for(proposal=proposal, user=coordinator)] == [
        "approve",
        "request_changes",
        "decline",
    ]


CONCURRENCY_TRIALS = 50


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_deciding_at_once_exactly_one_wins():
    require(connection.vendor == "postgresql", "row locks need PostgreSQL")
    first, second = CoordinatorFactory(), CoordinatorFactory()
    outcomes = []
    for _trial in range(CONCURRENCY_TRIALS):
        proposal = ProposalFactory(stage=Stage.REVIEW)
        barrier = threading.Barrier(2)
        results: dict[str, str] = {}

        def decide(actor, outcome, key, proposal=proposal, barrier=barrier, results=results):
            from django.db import connections

            stale = type(proposal).objects.get(pk=proposal.pk)
            barrier.wait()
            try:
                proposal_decide(proposal=stale, actor=actor, outcome=outcome, reason="Decided.")
                results[key] = "won"
            except ProposalMovedOn:
                results[key] = "moved on"
            finally:
                connections.close_all()

        threads = [
            threading.Thread(target=decide, args=(first, Decision.Outcome.APPROVE, "approve")),
            threading.Thread(target=decide, args=(second, Decision.Outcome.DECLINE, "decline")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert sorted(results.values()) == ["moved on", "won"]
        assert Decision.objects.filter(proposal=proposal).count() == 1
        assert StageTransition.objects.filter(proposal=proposal).count() == 1
        proposal.refresh_from_db()
        winner = next(k for k, v in results.items() if v == "won")
        assert proposal.stage == {"approve": Stage.APPROVED, "decline": Stage.DECLINED}[winner]
        outcomes.append(winner)

    assert len(outcomes) == CONCURRENCY_TRIALS
    print(
        f"{CONCURRENCY_TRIALS} trials: exactly one winner each; "
        f"approve won {outcomes.count('approve')}, decline won {outcomes.count('decline')}"
    )
