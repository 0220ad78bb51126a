"""Find partners, Whole consortia and reverse matching, as pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.enums import InstitutionKind
from members.tests.factories import (
    CompetenceFactory,
    CoordinatorFactory,
    InstitutionCompetenceFactory,
    InstitutionFactory,
    MembershipFactory,
    PersonCompetenceFactory,
)
from projects import matching
from projects.enums import Stage
from projects.tests.factories import ProposalCompetenceFactory, ProposalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_index():
    matching.reset()
    yield
    matching.reset()


@pytest.fixture
def robotics_call():
    """An open call for robot learning, and three candidates of whom one fits best."""
    robotics = CompetenceFactory(name="Robot learning")
    proposal = ProposalFactory(
        stage=Stage.DEFINE,
        title="Robot learning from shared demonstrations",
        summary="Robot manipulation policies learned from pooled demonstrations.",
    )
    ProposalCompetenceFactory(proposal=proposal, competence=robotics, importance=3)
    tum = InstitutionFactory(name="Technical University of Munich", short_name="TUM", country="DE")
    InstitutionCompetenceFactory(institution=tum, competence=robotics, level=3)
    felix = MembershipFactory(
        institution=tum,
        person__display_name="Felix Wagner",
        person__bio="Robot manipulation and demonstrations for robot learning.",
    ).person
    PersonCompetenceFactory(person=felix, competence=robotics, level=3)
    for n in range(2):
        other = InstitutionFactory(country="FR", kind=InstitutionKind.COMPANY)
        MembershipFactory(institution=other, person__bio=f"Databases and storage systems {n}.")
    return proposal, tum, felix


def test_lead_sees_ranked_explained_suggestions(client, robotics_call):
    proposal, tum, felix = robotics_call
    client.force_login(proposal.lead)

    response = client.get(reverse("projects:find_partners", args=[proposal.slug]))

    top = response.context["people"][0]
    assert (top.person, top.institution) == (felix, tum)
    assert top.matched_competences == [("Robot learning", 3, 3)]
    assert abs(sum(top.components.values()) - top.score) < 1e-9
    assert response.context["can_invite"] is True
    assert "Why this suggestion" in response.content.decode()


def test_find_partners_filters_answer_htmx_with_the_results(client, robotics_call):
    proposal, _tum, _felix = robotics_call
    client.force_login(proposal.lead)

    response = client.get(
        reverse("projects:find_partners", args=[proposal.slug]),
        {"country": "FR"},
        headers={"HX-Request": "true"},
    )

    assert response.templates[0].name == "results"
    assert {str(s.institution.country) for s in response.context["people"]} == {"FR"}


def test_why_not_names_the_reason(client, robotics_call):
    proposal, _tum, _felix = robotics_call
    client.force_login(proposal.lead)

    response = client.get(
        reverse("projects:find_partners", args=[proposal.slug]),
        {"why_not": proposal.lead_institution.pk},
    )

    assert response.context["why_not"] == (
        proposal.lead_institution,
        ["the lead's own institution"],
    )


def test_find_partners_is_for_the_lead_and_coordinators(client, robotics_call):
    proposal, _tum, felix = robotics_call
    url = reverse("projects:find_partners", args=[proposal.slug])

    client.force_login(felix)
    as_researcher = client.get(url)
    client.force_login(CoordinatorFactory())
    as_coordinator = client.get(url)

    assert (as_researcher.status_code, as_coordinator.status_code) == (404, 200)
    assert as_coordinator.context["can_invite"] is False


def test_whole_consortia_cover_the_required_competences(client, robotics_call):
    proposal, tum, _felix = robotics_call
    client.force_login(proposal.lead)

    response = client.get(reverse("projects:consortium_builder", args=[proposal.slug]))

    result = response.context["result"]
    assert result.blocking_rule is None
    assert tum in result.options[0].institutions
    assert all(option.satisfies_rules for option in result.options)


def test_whole_consortia_name_the_blocking_rule(client, robotics_call):
    from projects.models import ConsortiumRules

    proposal, _tum, _felix = robotics_call
    rules = ConsortiumRules.current()
    rules.min_countries = 9
    rules.save()
    client.force_login(proposal.lead)

    response = client.get(reverse("projects:consortium_builder", args=[proposal.slug]))

    assert response.context["result"].options == []
    assert "9" in response.context["result"].blocking_rule
    assert response.context["result"].blocking_rule in response.content.decode()


def test_researcher_sees_open_calls_that_need_them(client, robotics_call):
    proposal, _tum, felix = robotics_call
    client.force_login(felix)

    response = client.get(reverse("projects:proposals_for_me"), headers={"HX-Request": "true"})

    assert response.templates[0].name == "matches"
    assert [(p, matched) for p, _score, matched in response.context["for_me"]] == [
        (proposal, ["Robot learning"])
    ]
