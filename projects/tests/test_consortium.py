"""Consortium builder: the solver's consortia satisfy the rules (as consortium_check sees
them), alternatives differ, the greedy fallback steps in, and infeasibility names its rule."""

from __future__ import annotations

import pytest

from members.enums import InstitutionKind, InstitutionStatus
from members.tests.factories import (
    CompetenceFactory,
    InstitutionCompetenceFactory,
    InstitutionFactory,
    MembershipFactory,
    PersonCompetenceFactory,
)
from projects import matching
from projects.enums import ParticipationRole, ParticipationStatus, Stage
from projects.matching import consortium as consortium_module
from projects.models import ConsortiumRules, Participation
from projects.services import consortium_check
from projects.tests.factories import (
    ParticipationFactory,
    ProposalCompetenceFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db

COMPANY = InstitutionKind.COMPANY
UNIVERSITY = InstitutionKind.UNIVERSITY
INSTITUTE = InstitutionKind.RESEARCH_INSTITUTE


def rules(**overrides) -> ConsortiumRules:
    values = {
        "min_partner_institutions": 2,
        "max_partner_institutions": 4,
        "min_countries": 3,
        "min_kinds": 3,
        "company_required": True,
        "require_competence_coverage": True,
    }
    return ConsortiumRules(**(values | overrides))


def fill(institution) -> None:
    """Use up the institution's capacity with proposals it leads in Drive."""
    for _ in range(institution.capacity):
        ProposalFactory(lead_institution=institution, stage=Stage.DRIVE)


@pytest.fixture
def world():
    """A German university leads; partners differ in country, kind and competences."""
    robots = CompetenceFactory(name="Robot learning")
    data = CompetenceFactory(name="Dataset curation")
    chips = CompetenceFactory(name="AI accelerators")
    lead = InstitutionFactory(name="Lead university", country="DE", kind=UNIVERSITY)
    proposal = ProposalFactory(
        lead_institution=lead,
        stage=Stage.DEFINE,
        summary="Robot learning from curated demonstrations on open accelerators.",
    )
    for competence, importance in ((robots, 3), (data, 2), (chips, 1)):
        ProposalCompetenceFactory(proposal=proposal, competence=competence, importance=importance)

    def institution(name, country, kind, competences=(), via_people=(), **kwargs):
        inst = InstitutionFactory(name=name, country=country, kind=kind, **kwargs)
        for competence in competences:
            InstitutionCompetenceFactory(institution=inst, competence=competence, level=3)
        for competence in via_people:
            person = MembershipFactory(institution=inst).person
            PersonCompetenceFactory(person=person, competence=competence, level=2)
        return inst

    insts = {
        "robot_company": institution("Robot Company", "US", COMPANY, [robots]),
        "data_university": institution("Data University", "FR", UNIVERSITY, via_people=[data]),
        "both_institute": institution("Both Institute", "DE", INSTITUTE, [robots, data]),
        "chip_company": institution("Chip Company", "JP", COMPANY, [chips]),
        "full_university": institution("Full University", "IT", UNIVERSITY, [chips], capacity=1),
        "suspended_company": institution(
            "Suspended Company", "GB", COMPANY, [robots, data, chips],
            status=InstitutionStatus.SUSPENDED,
        ),
        "full_company": institution("Full Company", "SE", COMPANY, [data], capacity=1),
        "plain": institution("Plain Nonprofit", "NL", InstitutionKind.NONPROFIT),
    }  # fmt: skip
    fill(insts["full_university"])
    fill(insts["full_company"])
    return {"proposal": proposal, "lead": lead, "competences": (robots, data, chips), **insts}


def confirm(proposal, institutions) -> None:
    """Make the option real: confirmed partner participations, as the joining flow would."""
    for institution in institutions:
        if institution.pk != proposal.lead_institution_id:
            Participation.objects.update_or_create(
                proposal=proposal,
                institution=institution,
                defaults={
                    "role": ParticipationRole.PARTNER,
                    "status": ParticipationStatus.CONFIRMED,
                },
            )


def test_build_consortia_satisfies_rules(world):
    proposal, the_rules = world["proposal"], rules()
    result = matching.build_consortia(
        proposal=proposal, rules=the_rules, index=matching.build_index(), alternatives=1
    )

    assert result.blocking_rule is None
    [option] = result.options
    assert option.method == "milp"
    assert option.satisfies_rules is True
    assert option.failed_rules == []
    assert option.institutions[0] == world["lead"]
    assert world["suspended_company"] not in option.institutions
    assert world["full_university"] not in option.institutions
    assert option.total_score == pytest.approx(sum(option.scores.values()))
    confirm(proposal, option.proposed)
    assert [(r.rule, r.ok) for r in consortium_check(proposal=proposal, rules=the_rules)] == [
        ("min_partner_institutions", True),
        ("max_partner_institutions", True),
        ("min_countries", True),
        ("min_kinds", True),
        ("company_required", True),
        ("competence_coverage", True),
    ]


def test_build_consortia_top_3_alternatives_distinct_and_valid(world):
    proposal, the_rules = world["proposal"], rules()
    index = matching.build_index()
    result = matching.build_consortia(proposal=proposal, rules=the_rules, index=index)

    assert len(result.options) == 3
    sets = [frozenset(i.pk for i in option.proposed) for option in result.options]
    assert len(set(sets)) == 3
    totals = [
        option.total_score - matching.PARTNER_COST * len(option.proposed)
        for option in result.options
    ]
    assert totals == sorted(totals, reverse=True)  # best first (score net of partner cost)
    for option in result.options:
        assert option.satisfies_rules is True
        Participation.objects.filter(proposal=proposal, role=ParticipationRole.PARTNER).delete()
        confirm(proposal, option.proposed)
        assert all(r.ok for r in consortium_check(proposal=proposal, rules=the_rules))


def test_build_consortia_keeps_current_partners(world):
    proposal = world["proposal"]
    ParticipationFactory(
        proposal=proposal, institution=world["robot_company"], status=ParticipationStatus.CONFIRMED
    )
    ParticipationFactory(
        proposal=proposal, institution=world["plain"], status=ParticipationStatus.INVITED
    )
    result = matching.build_consortia(
        proposal=proposal, rules=rules(), index=matching.build_index(), alternatives=1
    )
    [option] = result.options
    assert option.institutions[:2] == [world["lead"], world["robot_company"]]
    assert world["robot_company"] not in option.proposed
    assert option.satisfies_rules is True


def test_build_consortia_greedy_fallback_when_milp_fails(world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(consortium_module, "milp", broken)
    proposal, the_rules = world["proposal"], rules()
    result = matching.build_consortia(
        proposal=proposal, rules=the_rules, index=matching.build_index()
    )

    assert result.options
    assert {option.method for option in result.options} == {"greedy"}
    assert all(option.satisfies_rules for option in result.options)
    sets = [frozenset(i.pk for i in option.proposed) for option in result.options]
    assert len(set(sets)) == len(sets)
    confirm(proposal, result.options[0].proposed)
    assert all(r.ok for r in consortium_check(proposal=proposal, rules=the_rules))


def test_build_consortia_greedy_fallback_when_milp_times_out(world, monkeypatch):
    class TimedOut:
        status = 1  # time limit reached without a feasible point
        x = None

    monkeypatch.setattr(consortium_module, "milp", lambda *args, **kwargs: TimedOut())
    result = matching.build_consortia(
        proposal=world["proposal"], rules=rules(), index=matching.build_index(), alternatives=1
    )
    [option] = result.options
    assert option.method == "greedy"
    assert option.satisfies_rules is True


def test_build_consortia_small_by_default_and_full_with_zero_cost(world):
    index = matching.build_index()
    lean = matching.build_consortia(
        proposal=world["proposal"], rules=rules(max_partner_institutions=6), index=index
    )
    full = matching.build_consortia(
        proposal=world["proposal"],
        rules=rules(max_partner_institutions=6),
        index=index,
        partner_cost=0.0,
        alternatives=1,
    )
    # Five institutions are eligible; with no cost per partner, every one of them joins.
    assert len(full.options[0].proposed) == 5
    assert len(lean.options[0].proposed) < 5


@pytest.mark.parametrize(
    ("setup", "overrides", "message"),
    [
        (
            "companies_full",
            {},
            "No company has capacity to join; the rules require one.",
        ),
        (
            None,
            {"min_countries": 8},
            "Only 5 countries among eligible institutions; the rules ask for 8.",
        ),
        (
            None,
            {"min_kinds": 5},
            "Only 4 kinds of institution among eligible institutions; the rules ask for 5.",
        ),
        (
            "unknown_competence",
            {},
            "No eligible institution has competence Quantum error correction.",
        ),
        (
            "chips_full",
            {},
            "No institution with competence AI accelerators has capacity.",
        ),
        (
            "only_data",
            {
                "min_partner_institutions": 1,
                "max_partner_institutions": 1,
                "min_countries": 1,
                "min_kinds": 1,
            },
            "No company with competence Dataset curation has capacity.",
        ),
        (
            None,
            {"min_partner_institutions": 6, "max_partner_institutions": 8},
            "Only 5 eligible partner institutions; the rules ask for at least 6.",
        ),
        (
            None,
            {"min_partner_institutions": 3, "max_partner_institutions": 2},
            "The rules ask for at least 3 and at most 2 partner institutions.",
        ),
        (
            None,
            {"max_partner_institutions": 2, "min_countries": 4},
            "No consortium of at most 2 partner institutions meets every rule.",
        ),
    ],
)
def test_build_consortia_infeasible_names_blocking_rule(world, setup, overrides, message):
    _robots, data, chips = world["competences"]
    required = world["proposal"].required_competences
    if setup == "companies_full":
        required.filter(competence=chips).delete()
        fill(world["robot_company"])
        fill(world["chip_company"])
    elif setup == "only_data":
        required.exclude(competence=data).delete()
    elif setup == "unknown_competence":
        ProposalCompetenceFactory(
            proposal=world["proposal"],
            competence=CompetenceFactory(name="Quantum error correction"),
        )
    elif setup == "chips_full":
        fill(world["chip_company"])
    result = matching.build_consortia(
        proposal=world["proposal"], rules=rules(**overrides), index=matching.build_index()
    )
    assert result.options == []
    assert result.feasible is False
    assert result.blocking_rule == message


def test_build_consortia_single_company_partner_with_competence(world):
    """Company required, one partner allowed: the solver finds the company that covers all."""
    robots, _data, _chips = world["competences"]
    proposal = world["proposal"]
    proposal.required_competences.exclude(competence=robots).delete()
    result = matching.build_consortia(
        proposal=proposal,
        rules=rules(
            min_partner_institutions=1, max_partner_institutions=1, min_countries=2, min_kinds=2
        ),
        index=matching.build_index(),
    )
    assert [[i.name for i in option.proposed] for option in result.options] == [["Robot Company"]]
