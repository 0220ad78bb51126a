"""Competences suggested from a proposal's text: ranked, above a floor, added only when ticked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.tests.factories import CompetenceFactory
from projects import matching
from projects.enums import Importance, Stage
from projects.models import ProposalCompetence
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def vocabulary():
    return [
        CompetenceFactory(
            name="Robot learning",
            description="Robots that learn to grasp.",
            aliases="dexterous manipulation, imitation learning",
        ),
        CompetenceFactory(name="Speech recognition", description="Transcribing spoken audio."),
        CompetenceFactory(name="Medieval history", description="Manuscripts and chronicles."),
    ]


def test_suggest_competences_ranks_by_meaning_above_floor(vocabulary):
    robots, speech, _history = vocabulary
    found = matching.suggest_competences(
        text="Dexterous manipulation using touch sensors on robot hands", vocabulary=vocabulary
    )
    assert found[0] == robots
    assert speech not in found[:1]


def test_suggest_competences_reads_aliases(vocabulary):
    robots = vocabulary[0]
    found = matching.suggest_competences(text="Imitation learning", vocabulary=vocabulary)
    assert found == [robots]


def test_suggest_competences_skips_required_and_empty_text(vocabulary):
    robots = vocabulary[0]
    found = matching.suggest_competences(
        text="Robots that learn to grasp", vocabulary=vocabulary, exclude=[robots.pk]
    )
    assert robots not in found
    assert matching.suggest_competences(text="  ", vocabulary=vocabulary) == []


def _form_data(proposal):
    return {
        "title": proposal.title,
        "summary": proposal.summary,
        "focus_area": proposal.focus_area.pk,
        "description": proposal.description,
        "licence": proposal.licence,
        "duration_months": proposal.duration_months,
        "visibility": proposal.visibility,
    }


def test_proposal_edit_offers_suggestions_and_adds_nothing_unticked(client, vocabulary):
    robots = vocabulary[0]
    proposal = ProposalFactory(
        stage=Stage.DEFINE,
        title="Robot hands",
        summary="Robots that learn to grasp fragile things with touch.",
    )
    client.force_login(proposal.lead)
    url = reverse("projects:proposal_edit", args=[proposal.slug])

    page = client.get(url)
    assert robots in page.context["form"].suggested_competences.values()
    assert "Your text suggests these competences" in page.content.decode()

    client.post(url, _form_data(proposal) | {"summary": "Robots that learn to grasp things."})
    assert not ProposalCompetence.objects.filter(proposal=proposal).exists()

    client.post(url, _form_data(proposal) | {"suggested": [robots.pk]})
    assert list(
        ProposalCompetence.objects.filter(proposal=proposal).values_list("competence", "importance")
    ) == [(robots.pk, Importance.IMPORTANT)]
