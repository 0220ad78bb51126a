"""The proposal page: line breaks in the short fields, one partner count, the next action first,
withdrawing a confirmed partner."""

from __future__ import annotations

import re

import pytest

from projects.enums import Stage
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


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
