"""The proposal page: line breaks in the short fields, one partner count, the next action first,
withdrawing a confirmed partner."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from projects.enums import ParticipationStatus, Stage
from projects.models import Participation, Proposal
from projects.services import milestone_create
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
    assert re.findall(r"confirmed partner institution\(s\); (\d+) so far", detail) == ["1"]
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
