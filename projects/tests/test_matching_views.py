"""Find partners, Whole consortia and reverse matching, as pages."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from core.models import OutboxEvent
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
from projects.enums import EventKind, ParticipationStatus, Stage, Visibility
from projects.models import Participation
from projects.tests.factories import (
    ParticipationFactory,
    ProposalCompetenceFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


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


# Whole consortia: score, who is in, inviting a whole option -----------------------------


def _builder(client, proposal):
    return client.get(reverse("projects:consortium_builder", args=[proposal.slug]))


def test_whole_consortia_show_each_options_score_and_what_makes_it_up(client, robotics_call):
    proposal, tum, _felix = robotics_call
    client.force_login(proposal.lead)

    response = _builder(client, proposal)

    option = response.context["result"].options[0]
    page = response.content.decode()
    assert option.proposed == [tum]
    assert abs(sum(option.components.values()) - option.total_score) < 1e-9
    assert option.brings == {tum.pk: ["Robot learning"]}
    assert f"score <strong>{option.total_score:.2f}</strong>" in page
    assert f"What makes up the score of {option.total_score:.2f}" in page
    assert "They have the competences you require, at the levels you ask" in page
    assert "brings Robot learning" in page


def test_whole_consortia_offer_invite_only_to_institutions_not_in_it(client, robotics_call):
    proposal, tum, _felix = robotics_call
    client.force_login(proposal.lead)
    before = _builder(client, proposal)
    ParticipationFactory(proposal=proposal, institution=tum, status=ParticipationStatus.INVITED)

    after = _builder(client, proposal)

    lead_name = proposal.lead_institution.name
    invite_tum = f'<span class="visually-hidden"> {tum.name}</span>'
    assert [
        (m.institution, m.is_lead, m.to_invite) for m in before.context["choices"][0].members
    ] == [
        (proposal.lead_institution, True, False),
        (tum, False, True),
    ]
    assert f'<span class="visually-hidden"> {lead_name}</span>' not in before.content.decode()
    assert invite_tum in before.content.decode()
    assert invite_tum not in after.content.decode()
    assert after.context["choices"][0].to_invite == []
    assert '<span class="badge badge--warning">Invited</span>' in after.content.decode()


def test_whole_consortia_describe_the_rules_in_number(client, robotics_call):
    proposal, _tum, _felix = robotics_call
    client.force_login(proposal.lead)

    response = _builder(client, proposal)

    page = response.content.decode()
    assert "<li>Institutions from at least 1 country</li>" in page
    assert "<li>At least 1 kind of institution</li>" in page
    assert "countries" not in page.split("rule-summary")[1].split("</ul>")[0]


def _invite_url(proposal):
    return reverse("projects:consortium_invite", args=[proposal.slug])


def test_invite_this_consortium_asks_for_confirmation_first(client, robotics_call):
    proposal, tum, _felix = robotics_call
    invited = InstitutionFactory(name="Already Invited Institute")
    ParticipationFactory(proposal=proposal, institution=invited, status=ParticipationStatus.INVITED)
    client.force_login(proposal.lead)

    response = client.get(
        _invite_url(proposal),
        {"institution": [tum.pk, invited.pk, proposal.lead_institution.pk]},
    )

    preview = response.context["preview"]
    assert preview.to_invite == [tum]
    assert [i for i, _p in preview.already] == [invited, proposal.lead_institution]
    assert "Send 1 invitation" in response.content.decode()
    assert Participation.objects.filter(institution=tum).count() == 0


def test_invite_this_consortium_sends_one_invitation_per_missing_institution(client, robotics_call):
    proposal, tum, _felix = robotics_call
    other = InstitutionFactory(name="Other Institute")
    invited = InstitutionFactory()
    ParticipationFactory(proposal=proposal, institution=invited, status=ParticipationStatus.INVITED)
    client.force_login(proposal.lead)
    data = {"institution": [tum.pk, other.pk, invited.pk], "message": "Build it with us"}

    first = client.post(_invite_url(proposal), data)
    second = client.post(_invite_url(proposal), data)

    assert first["Location"] == proposal.get_absolute_url() + "#consortium"
    assert _messages(first) == [f"2 invitations sent: Other Institute, {tum.name}."]
    assert _messages(second)[-1] == (
        "Everyone in this consortium is already invited or in it; nothing was sent."
    )
    assert sorted(
        Participation.objects.filter(proposal=proposal, institution__in=[tum, other]).values_list(
            "institution__name", "status", "message"
        )
    ) == [
        ("Other Institute", "invited", "Build it with us"),
        (tum.name, "invited", "Build it with us"),
    ]
    assert OutboxEvent.objects.filter(kind=EventKind.INVITATION).count() == 2


def test_invite_this_consortium_refuses_an_institution_that_is_no_member(client, robotics_call):
    proposal, tum, _felix = robotics_call
    applicant = InstitutionFactory(status=InstitutionStatus.APPLICANT)
    client.force_login(proposal.lead)

    response = client.post(_invite_url(proposal), {"institution": [tum.pk, applicant.pk]})

    assert response.status_code == 200
    assert response.context["form"].errors["institution"] == [
        "One of these institutions can no longer be invited: it is not an alliance member. "
        "Go back to Whole consortia for current options."
    ]
    assert Participation.objects.filter(proposal=proposal).exclude(role="lead").count() == 0


def test_invite_this_consortium_is_404_for_anyone_but_the_lead(client, robotics_call):
    proposal, tum, felix = robotics_call
    client.force_login(felix)

    response = client.post(_invite_url(proposal), {"institution": [tum.pk]})

    assert response.status_code == 404
    assert Participation.objects.filter(institution=tum).count() == 0


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
