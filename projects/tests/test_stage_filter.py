from __future__ import annotations

import re

import pytest
from django.urls import reverse

from projects.enums import Stage
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db

OPTION = re.compile(r'<option value="([a-z_]*)"')


def _offered(client) -> list[str]:
    html = client.get(reverse("projects:proposal_list")).content.decode()
    select = html.split('id="stage-filter"', 1)[1].split("</select>", 1)[0]
    return OPTION.findall(select)


def test_stage_filter_offers_visitors_the_public_stages_only(client):
    assert _offered(client) == ["", "approved", "drive", "paused", "completed"]


def test_stage_filter_offers_a_researcher_define_and_the_stages_of_their_own(client, researcher):
    client.force_login(researcher)
    assert _offered(client) == ["", "define", "approved", "drive", "paused", "completed"]

    ProposalFactory(lead=researcher, stage=Stage.DRAFT)
    ProposalFactory(stage=Stage.REVIEW)  # someone else's: not theirs to see

    assert _offered(client) == ["", "draft", "define", "approved", "drive", "paused", "completed"]


def test_stage_filter_offers_coordinators_every_stage(client, coordinator):
    client.force_login(coordinator)
    assert _offered(client) == ["", *Stage.values]


def test_stage_filter_ignores_a_stage_the_visitor_cannot_see(client):
    ProposalFactory(title="Drafted secretly", stage=Stage.DRAFT)
    ProposalFactory(title="Public one", stage=Stage.APPROVED)

    html = client.get(reverse("projects:proposal_list") + "?stage=draft").content.decode()

    assert "Public one" in html
    assert "Drafted secretly" not in html
    assert 'value="draft"' not in html
