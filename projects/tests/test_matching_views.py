"""Find partners, Whole consortia and reverse matching, as pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.enums import InstitutionKind, InstitutionStatus
from members.models import Institution
from members.tests.factories import (
    CompetenceFactory,
    CoordinatorFactory,
    InstitutionCompetenceFactory,
    InstitutionFactory,
    MembershipFactory,
    PersonCompetenceFactory,
)
from projects import matching
from projects.enums import Stage, Visibility
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


# Trust: diversity said and switchable, words before numbers, what the lead may see -------


@pytest.fixture
def crowded_call():
    """Five strong researchers at one German lab and a weaker one in France."""
    robotics = CompetenceFactory(name="Robot learning")
    proposal = ProposalFactory(
        stage=Stage.DEFINE,
        title="Robot learning from shared demonstrations",
        summary="Robot manipulation policies learned from pooled demonstrations.",
        lead_institution=InstitutionFactory(country="CH"),
    )
    ProposalCompetenceFactory(proposal=proposal, competence=robotics, importance=3)
    lab = InstitutionFactory(name="Crowded lab", country="DE")
    for n in range(5):
        person = MembershipFactory(
            institution=lab, person__bio=f"Robot manipulation demonstrations {n}."
        ).person
        PersonCompetenceFactory(person=person, competence=robotics, level=3)
    french = MembershipFactory(
        institution=InstitutionFactory(name="Lab in France", country="FR"),
        person__display_name="Camille Roux",
        person__bio="Manipulation.",
    ).person
    return proposal, french


def test_find_partners_says_where_diversity_moved_a_candidate(client, crowded_call):
    proposal, french = crowded_call
    client.force_login(proposal.lead)

    response = client.get(reverse("projects:find_partners", args=[proposal.slug]))

    people = response.context["people"]
    assert [(s.person, s.rank, s.score_rank) for s in people if s.moved_up] == [(french, 4, 6)]
    page = response.content.decode()
    assert "Moved up from #6 for diversity" in page
    assert "Mixed for diversity: in each top 10, at most 3 researchers" in page
    assert "by_score=on" in page


def test_find_partners_ranks_by_score_alone_when_asked(client, crowded_call):
    proposal, french = crowded_call
    client.force_login(proposal.lead)

    response = client.get(
        reverse("projects:find_partners", args=[proposal.slug]), {"by_score": "on"}
    )

    people = response.context["people"]
    assert [s.score for s in people] == sorted((s.score for s in people), reverse=True)
    assert people[-1].person == french
    assert [s for s in people if s.moved_up] == []
    page = response.content.decode()
    assert 'id="id_by_score" checked' in page
    assert "Moved up" not in page
    assert "Ranked by score alone" in page


def test_find_partners_explains_in_words_and_bars(client, robotics_call):
    proposal, _tum, _felix = robotics_call
    ProposalCompetenceFactory(proposal=proposal, competence=CompetenceFactory(name="Haptics"))
    client.force_login(proposal.lead)

    response = client.get(reverse("projects:find_partners", args=[proposal.slug]))

    page = " ".join(response.content.decode().split())
    assert "Shares 1 of your 2 required competences: Robot learning (level 3)" in page
    assert "Writes about “robot”, “demonstrations”, “manipulation”" in page
    assert "Adds coverage for Robot learning, which your consortium lacks." in page
    assert "New to the alliance's projects." in page
    top = response.context["people"][0]
    # One bar per component, as meters (the CSP forbids inline style); numbers in a title.
    assert (
        page.count("<meter")
        == len(response.context["people"]) * 6 + len(response.context["institutions"]) * 6
    )
    assert "style=" not in page
    assert f"= {top.components['text']:.3f}" in page


def test_find_partners_offers_the_alliance_countries(client, robotics_call):
    proposal, _tum, _felix = robotics_call
    InstitutionFactory(country="BR", status=InstitutionStatus.APPLICANT)
    client.force_login(proposal.lead)

    response = client.get(reverse("projects:find_partners", args=[proposal.slug]))

    choices = list(response.context["form"].fields["country"].choices)
    assert choices == [("", "All countries"), ("FR", "France"), ("DE", "Germany")]


def test_why_not_lists_only_institutions_the_lead_may_see(client, robotics_call):
    """Applicants and suspended institutions answer 404 elsewhere: not named, status not told."""
    proposal, _tum, _felix = robotics_call
    applicant = InstitutionFactory(name="Hidden applicant", status=InstitutionStatus.APPLICANT)
    suspended = InstitutionFactory(name="Hidden suspended", status=InstitutionStatus.SUSPENDED)
    client.force_login(proposal.lead)
    url = reverse("projects:find_partners", args=[proposal.slug])

    listed = client.get(url)
    asked = [client.get(url, {"why_not": pk}) for pk in (applicant.pk, suspended.pk)]

    offered = set(listed.context["form"].fields["why_not"].queryset)
    assert offered == set(Institution.objects.visible_to(proposal.lead))
    assert {applicant, suspended} & offered == set()
    assert [r.context["why_not"] for r in asked] == [None, None]
    for response in [listed, *asked]:
        page = response.content.decode()
        assert ("Hidden applicant" in page, "Hidden suspended" in page) == (False, False)
        assert ("not a member yet" in page, "suspended" in page) == (False, False)


def test_find_partners_shows_no_word_of_another_lead_s_unpublished_text(client, robotics_call):
    proposal, tum, felix = robotics_call
    ProposalFactory(
        stage=Stage.DRAFT, lead=felix, lead_institution=tum, summary="Zorbulating grippers."
    )
    ProposalFactory(
        stage=Stage.DEFINE,
        visibility=Visibility.CONFIDENTIAL,
        lead=felix,
        lead_institution=tum,
        summary="Quigglefrost arms.",
    )
    proposal.description = "Zorbulating and quigglefrost robot learning."
    proposal.save()
    client.force_login(proposal.lead)

    response = client.get(reverse("projects:find_partners", args=[proposal.slug]))

    page = response.content.decode().lower()
    assert ("zorbulating" in page, "quigglefrost" in page) == (False, False)
    [top] = [s for s in response.context["people"] if s.person == felix]
    assert top.shared_terms == ["robot", "demonstrations", "manipulation"]


def test_find_partners_countries_follow_the_alliance(client, robotics_call):
    """A new member's country appears on the next request, a suspended one's goes: the index's
    fingerprint sees both, and the page reads the countries from the index, not per request."""
    proposal, _tum, _felix = robotics_call
    client.force_login(proposal.lead)
    url = reverse("projects:find_partners", args=[proposal.slug])
    client.get(url)
    japanese = InstitutionFactory(country="JP")

    joined = client.get(url).context["form"].fields["country"].choices
    japanese.status = InstitutionStatus.SUSPENDED
    japanese.save()
    suspended = client.get(url).context["form"].fields["country"].choices

    assert [code for code, _name in joined] == ["", "FR", "DE", "JP"]
    assert [code for code, _name in suspended] == ["", "FR", "DE"]
