"""The proposal page: line breaks in the short fields, one partner count, the next action first,
withdrawing a confirmed partner."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from core.models import OutboxEvent
from members.tests.factories import CoordinatorFactory, InstitutionFactory, MembershipFactory
from projects.enums import EventKind, ParticipationStatus, Stage
from projects.models import Participation, Proposal
from projects.services import milestone_create, participation_withdraw
from projects.tests.factories import ParticipationFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def _squash(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()


# Line breaks in the short fields --------------------------------------------------------


def test_goals_outcomes_and_resources_keep_their_line_breaks(client):
    proposal = ProposalFactory(
        stage=Stage.DEFINE,
        goals="An open model\nA shared <schema>",
        expected_outcomes="Weights\nCode",
        resources_offered="GPUs\n**Two** engineers",
    )
    client.force_login(proposal.lead)

    response = client.get(proposal.get_absolute_url())

    section = response.content.decode().split('id="plan-heading"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'<div class="prose">(.*?)</div>', section, re.S) == [
        "<p>An open model<br>\nA shared &lt;schema&gt;</p>\n",
        "<p>Weights<br>\nCode</p>\n",
        "<p>GPUs<br>\n<strong>Two</strong> engineers</p>\n",
    ]


# One partner count ----------------------------------------------------------------------


def test_list_and_rules_panel_count_the_same_confirmed_partners(client):
    proposal = ProposalFactory(stage=Stage.DEFINE, title="Counted")
    ParticipationFactory(proposal=proposal, status=ParticipationStatus.CONFIRMED)
    ParticipationFactory(proposal=proposal, status=ParticipationStatus.ACCEPTED)
    ParticipationFactory(proposal=proposal, status=ParticipationStatus.WITHDRAWN)
    client.force_login(proposal.lead)

    listing = _squash(client.get(reverse("projects:proposal_list")).content.decode())
    detail = _squash(client.get(proposal.get_absolute_url()).content.decode())

    assert re.findall(r"(\d+) confirmed partners?\b", listing) == ["1"]
    assert re.findall(r"confirmed partner institutions? \((\d+) so far", detail) == ["1"]
    assert Proposal.objects.filter(pk=proposal.pk).with_partner_count().get().partner_count == 1
    assert Participation.objects.filter(proposal=proposal).confirmed_partners().count() == 1


# The next action first ------------------------------------------------------------------


def _header_buttons(html: str) -> list[tuple[str, str, str]]:
    """(classes, href, text) of each action in the page header, in order."""
    actions = html.split('id="actions">', 1)[1].split("</header>", 1)[0]
    return [
        (classes, href, _squash(text))
        for classes, href, text in re.findall(
            r'<a class="([^"]*)"\s+href="([^"]*)">(.*?)</a>', actions, re.S
        )
    ]


def test_after_kick_off_the_next_action_is_primary_and_completion_secondary(client):
    proposal = ProposalFactory(stage=Stage.DRIVE)
    client.force_login(proposal.lead)
    complete = reverse("projects:proposal_transition", args=[proposal.slug, "complete"])

    fresh = _header_buttons(client.get(proposal.get_absolute_url()).content.decode())
    milestone_create(
        proposal=proposal, actor=proposal.lead, title="Data schema", due_date=date(2027, 1, 31)
    )
    planned = _header_buttons(client.get(proposal.get_absolute_url()).content.decode())

    assert fresh == [
        ("button", "#milestones", "Add a milestone"),
        ("button button--ghost", complete, "Complete with final report"),
    ]
    assert planned == [
        ("button", "#updates", "Post an update"),
        ("button button--ghost", complete, "Complete with final report"),
    ]


# Withdrawing a confirmed partner --------------------------------------------------------


@pytest.fixture
def reviewed():
    """A proposal in Review with TUM as a confirmed partner."""
    proposal = ProposalFactory(stage=Stage.REVIEW)
    tum = InstitutionFactory(name="Technical University of Munich", short_name="TUM")
    partner = ParticipationFactory(
        proposal=proposal, institution=tum, status=ParticipationStatus.CONFIRMED
    )
    return proposal, partner


def test_withdrawing_a_confirmed_partner_without_confirmation_is_refused(client, reviewed):
    proposal, partner = reviewed
    client.force_login(proposal.lead)

    response = client.post(
        reverse("projects:participation_act", args=[partner.pk, "withdraw"]),
        {"comment": "They left."},
        follow=True,
    )

    partner.refresh_from_db()
    assert partner.status == ParticipationStatus.CONFIRMED
    assert [str(m) for m in response.context["messages"]] == [
        "Technical University of Munich has confirmed its commitment: confirm that you "
        "withdraw it from the consortium."
    ]


def test_consortium_offers_a_withdrawal_page_for_a_confirmed_partner(client, reviewed):
    proposal, partner = reviewed
    client.force_login(proposal.lead)
    confirm_url = reverse("projects:participation_withdraw", args=[partner.pk])

    page = client.get(proposal.get_absolute_url()).content.decode()
    form = client.get(confirm_url)

    assert f'href="{confirm_url}?next=' in page
    act = reverse("projects:participation_act", args=[partner.pk, "withdraw"])
    assert f'action="{act}"' not in page
    assert form.status_code == 200
    assert list(form.context["form"].fields) == ["comment", "confirm"]


def test_withdrawal_page_needs_a_reason_and_the_yes(client, reviewed):
    proposal, partner = reviewed
    client.force_login(proposal.lead)
    url = reverse("projects:participation_withdraw", args=[partner.pk])

    response = client.post(url, {"comment": " "})

    partner.refresh_from_db()
    assert partner.status == ParticipationStatus.CONFIRMED
    assert response.context["form"].errors == {
        "comment": ["This field is required."],
        "confirm": ["This field is required."],
    }


def test_withdrawal_with_a_reason_is_recorded_and_shown_in_the_timeline(client, reviewed):
    proposal, partner = reviewed
    client.force_login(proposal.lead)
    url = reverse("projects:participation_withdraw", args=[partner.pk])

    response = client.post(url, {"comment": "Their lab closed.", "confirm": "on"}, follow=True)

    partner.refresh_from_db()
    transition = partner.transitions.get()
    event = OutboxEvent.objects.get(kind=EventKind.PARTICIPATION_CHANGED)
    assert partner.status == ParticipationStatus.WITHDRAWN
    assert (transition.from_status, transition.to_status, transition.comment) == (
        "confirmed",
        "withdrawn",
        "Their lab closed.",
    )
    assert (event.payload["to_status"], event.payload["comment"]) == (
        "withdrawn",
        "Their lab closed.",
    )
    assert [str(m) for m in response.context["messages"]] == [
        "Technical University of Munich is withdrawn from the consortium; the reason is on record."
    ]
    assert _timeline(response.content.decode())[-1] == (
        "TUM withdrawn from the consortium",
        "Their lab closed.",
    )


def test_timeline_keeps_the_withdrawal_reason_to_the_consortium_and_coordinators(client, reviewed):
    proposal, partner = reviewed
    participation_withdraw(
        participation=partner, actor=proposal.lead, comment="Their lab closed.", confirmed=True
    )
    proposal.stage = Stage.DRIVE  # public from here on
    proposal.save(update_fields=["stage"])

    seen = {}
    for who, user in {
        "visitor": None,
        "lead": proposal.lead,
        "coordinator": CoordinatorFactory(),
        "colleague": MembershipFactory(institution=proposal.lead_institution).person,
        "outsider": MembershipFactory().person,
    }.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        seen[who] = _timeline(client.get(proposal.get_absolute_url()).content.decode())[-1]

    reason = ("TUM withdrawn from the consortium", "Their lab closed.")
    bare = ("TUM withdrawn from the consortium", "")
    assert seen == {
        "visitor": bare,
        "lead": reason,
        "coordinator": reason,
        "colleague": reason,
        "outsider": bare,
    }


def _timeline(html: str) -> list[tuple[str, str]]:
    """(title, comment) of each step of the proposal's timeline."""
    timeline = html.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    steps = []
    for item in re.findall(r"<li>(.*?)</li>", timeline, re.S):
        title = re.search(r"<strong>(.*?)</strong>", item, re.S)[1]
        comment = re.search(r'<p class="small">(.*?)</p>', item, re.S)
        steps.append((_squash(title), _squash(comment[1]) if comment else ""))
    return steps
