"""Reverse matching on the dashboard: each open call once."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from members.tests.factories import (
    CompetenceFactory,
    InstitutionCompetenceFactory,
    InstitutionFactory,
    PersonCompetenceFactory,
    RepresentativeFactory,
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


def test_representative_sees_an_open_call_once_though_it_needs_them_and_their_institution(
    client,
):
    robotics = CompetenceFactory(name="Robot learning")
    proposal = ProposalFactory(stage=Stage.DEFINE, title="Robot learning from demonstrations")
    ProposalCompetenceFactory(proposal=proposal, competence=robotics, importance=3)
    tum = InstitutionFactory(short_name="TUM")
    InstitutionCompetenceFactory(institution=tum, competence=robotics, level=3)
    lena = RepresentativeFactory(institution=tum, person__bio="Robot learning.").person
    PersonCompetenceFactory(person=lena, competence=robotics, level=3)
    client.force_login(lena)

    response = client.get(reverse("projects:proposals_for_me"), headers={"HX-Request": "true"})

    page = response.content.decode()
    assert page.count(proposal.get_absolute_url()) == 1
    assert [p for p, _score, _matched in response.context["for_me"]] == [proposal]
    assert [
        (institution, matches) for institution, matches in response.context["for_institutions"]
    ] == [(tum, [])]
    assert re.findall(r'<p class="muted">([^<]*)</p>', page) == ["No other open call right now."]
