import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from members.enums import MembershipRole
from members.tests.factories import InstitutionFactory, MembershipFactory
from projects.enums import ParticipationStatus, Stage, Visibility
from projects.models import Participation
from projects.services import participation_accept, participation_invite
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def proposal():
    return ProposalFactory(stage=Stage.DEFINE)


@pytest.fixture
def tum():
    return InstitutionFactory(name="Technical University of Munich", short_name="TUM")


def test_lead_invites_from_a_suggestion_and_returns_to_it(client, proposal, tum):
    researcher = MembershipFactory(institution=tum).person
    client.force_login(proposal.lead)
    back = reverse("projects:find_partners", args=[proposal.slug]) + "?country=DE"

    response = client.post(
        reverse("projects:participation_invite", args=[proposal.slug]),
        {"institution": tum.pk, "person": researcher.pk, "message": "Join us", "next": back},
    )

    assert response["Location"] == back
    assert list(
        Participation.objects.filter(institution=tum).values_list("status", "person", "message")
    ) == [("invited", researcher.pk, "Join us")]


def test_invite_from_someone_other_than_the_lead_is_404(client, proposal, tum):
    colleague = MembershipFactory(institution=proposal.lead_institution).person
    client.force_login(colleague)

    response = client.post(
        reverse("projects:participation_invite", args=[proposal.slug]), {"institution": tum.pk}
    )

    assert response.status_code == 404
    assert Participation.objects.filter(institution=tum).count() == 0


def test_invitation_sent_twice_says_so(client, proposal, tum):
    client.force_login(proposal.lead)
    url = reverse("projects:participation_invite", args=[proposal.slug])

    client.post(url, {"institution": tum.pk})
    response = client.post(url, {"institution": tum.pk})

    assert _messages(response)[-1] == (
        "Technical University of Munich is already in this consortium (invited)."
    )
    assert Participation.objects.filter(institution=tum).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("person", "abc", "This person is unknown or no longer active; choose another."),
        ("person", "999999", "This person is unknown or no longer active; choose another."),
        (
            "message",
            "x" * 2001,
            "Message: Ensure this value has at most 2000 characters (it has 2001).",
        ),
        ("message", "Hi\x00", "Message: Null characters are not allowed."),
        ("institution", "abc", "Choose an alliance member institution to invite."),
    ],
    ids=["person-not-a-number", "person-unknown", "message-too-long", "message-nul", "institution"],
)
def test_invite_with_bad_input_names_what_is_wrong_and_invites_nobody(
    client, proposal, tum, field, value, error
):
    researcher = MembershipFactory(institution=tum).person
    client.force_login(proposal.lead)
    data = {"institution": tum.pk, "person": researcher.pk, "message": "Join us"} | {field: value}

    response = client.post(reverse("projects:participation_invite", args=[proposal.slug]), data)

    assert (response.status_code, response["Location"]) == (
        302,
        proposal.get_absolute_url() + "#consortium",
    )
    assert _messages(response) == [error]
    assert Participation.objects.filter(institution=tum).count() == 0


def test_join_request_with_an_overlong_message_names_the_message(client, proposal, tum):
    client.force_login(MembershipFactory(institution=tum).person)

    response = client.post(
        reverse("projects:participation_request", args=[proposal.slug]),
        {"institution": tum.pk, "message": "x" * 2001},
    )

    assert response.status_code == 302
    assert _messages(response) == [
        "Your request was not sent. What you would bring: "
        "Ensure this value has at most 2000 characters (it has 2001)."
    ]
    assert Participation.objects.filter(institution=tum).count() == 0


def test_withdraw_with_an_overlong_reason_says_so_and_changes_nothing(client, proposal, tum):
    researcher = MembershipFactory(institution=tum).person
    invitation = participation_invite(
        proposal=proposal, actor=proposal.lead, institution=tum, person=researcher
    )
    client.force_login(researcher)

    response = client.post(
        reverse("projects:participation_act", args=[invitation.pk, "withdraw"]),
        {"comment": "x" * 2001},
    )

    assert response.status_code == 302
    assert _messages(response) == [
        "Reason: Ensure this value has at most 2000 characters (it has 2001)."
    ]
    invitation.refresh_from_db()
    assert invitation.status == ParticipationStatus.INVITED


def test_researcher_asks_to_join_an_open_call(client, proposal, tum):
    researcher = MembershipFactory(institution=tum).person
    client.force_login(researcher)

    page = client.get(proposal.get_absolute_url())
    client.post(
        reverse("projects:participation_request", args=[proposal.slug]),
        {"institution": tum.pk, "message": "We bring a robot lab."},
    )

    assert list(page.context["join_form"].fields["institution"].queryset) == [tum]
    assert list(Participation.objects.filter(institution=tum).values_list("status", "person")) == [
        ("requested", researcher.pk)
    ]


def test_join_request_for_someone_elses_institution_is_refused(client, proposal, tum):
    researcher = MembershipFactory().person
    client.force_login(researcher)

    response = client.post(
        reverse("projects:participation_request", args=[proposal.slug]),
        {"institution": tum.pk, "message": "Let me in."},
    )

    assert _messages(response) == [
        "Your request was not sent. Join with: Select a valid choice. "
        "That choice is not one of the available choices."
    ]
    assert Participation.objects.filter(institution=tum).count() == 0


def test_confidential_proposal_offers_no_join_form_and_is_404_to_outsiders(client, tum):
    proposal = ProposalFactory(stage=Stage.DEFINE, visibility=Visibility.CONFIDENTIAL)
    client.force_login(MembershipFactory(institution=tum).person)

    response = client.post(
        reverse("projects:participation_request", args=[proposal.slug]),
        {"institution": tum.pk, "message": "x"},
    )

    assert response.status_code == 404


def test_invitee_accepts_and_representative_confirms_through_the_pages(client, proposal, tum):
    researcher = MembershipFactory(institution=tum).person
    representative = MembershipFactory(institution=tum, role=MembershipRole.REPRESENTATIVE).person
    invitation = participation_invite(
        proposal=proposal, actor=proposal.lead, institution=tum, person=researcher
    )

    client.force_login(researcher)
    inbox = client.get(reverse("projects:partnering_inbox"))
    client.post(reverse("projects:participation_act", args=[invitation.pk, "accept"]))
    client.force_login(representative)
    signoffs = client.get(reverse("projects:signoffs"))
    client.post(reverse("projects:participation_act", args=[invitation.pk, "confirm"]))

    invitation.refresh_from_db()
    assert inbox.context["inbox"].invitations == [invitation]
    assert signoffs.context["pending"] == [invitation]
    assert invitation.status == ParticipationStatus.CONFIRMED


def test_acting_on_someone_elses_participation_is_404(client, proposal, tum):
    researcher = MembershipFactory(institution=tum).person
    invitation = participation_invite(
        proposal=proposal, actor=proposal.lead, institution=tum, person=researcher
    )
    participation_accept(participation=invitation, actor=researcher)
    client.force_login(MembershipFactory(institution=InstitutionFactory()).person)

    responses = [
        client.post(reverse("projects:participation_act", args=[invitation.pk, action]))
        for action in ("accept", "decline", "confirm", "withdraw", "explode")
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404, 404]
    invitation.refresh_from_db()
    assert invitation.status == ParticipationStatus.ACCEPTED


def test_withdraw_without_comment_says_so_and_changes_nothing(client, proposal, tum):
    researcher = MembershipFactory(institution=tum).person
    invitation = participation_invite(
        proposal=proposal, actor=proposal.lead, institution=tum, person=researcher
    )
    client.force_login(researcher)

    response = client.post(
        reverse("projects:participation_act", args=[invitation.pk, "withdraw"]), {"comment": ""}
    )

    assert _messages(response) == ["Please give a reason."]
    invitation.refresh_from_db()
    assert invitation.status == ParticipationStatus.INVITED


def test_coverage_panel_marks_gaps(client, proposal):
    from members.tests.factories import CompetenceFactory, InstitutionCompetenceFactory
    from projects.tests.factories import ParticipationFactory, ProposalCompetenceFactory

    robotics, data = CompetenceFactory(name="Robot learning"), CompetenceFactory(name="Data")
    ProposalCompetenceFactory(proposal=proposal, competence=robotics, importance=3)
    ProposalCompetenceFactory(proposal=proposal, competence=data, importance=2)
    partner = ParticipationFactory(proposal=proposal, status=ParticipationStatus.CONFIRMED)
    InstitutionCompetenceFactory(institution=partner.institution, competence=robotics, level=3)
    client.force_login(proposal.lead)

    coverage = client.get(proposal.get_absolute_url()).context["coverage"]

    assert [
        (item.competence.name, [level for _p, level in cells], covered)
        for item, cells, covered in coverage
    ] == [("Robot learning", [None, 3], True), ("Data", [None, None], False)]
