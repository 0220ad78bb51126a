"""Find partners, Whole consortia and reverse matching, as pages."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from core.models import OutboxEvent
from members.enums import InstitutionKind, InstitutionStatus
from members.tests.factories import (
    CompetenceFactory,
    CoordinatorFactory,
    InstitutionCompetenceFactory,
    InstitutionFactory,
    MembershipFactory,
    PersonCompetenceFactory,
)
from projects import matching
from projects.enums import EventKind, ParticipationStatus, Stage
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
