"""Competences suggested from a proposal's text: ranked, above a floor, added only when ticked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.tests.factories import (
    CompetenceFactory,
    CoordinatorFactory,
    FocusAreaFactory,
    MembershipFactory,
    UserFactory,
)
from projects import matching
from projects.enums import Importance, Stage, Visibility
from projects.models import Proposal, ProposalCompetence
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
    assert robots in page.context["form"].suggested_competences
    assert "Your text suggests these competences" in page.content.decode()

    client.post(url, _form_data(proposal) | {"summary": "Robots that learn to grasp things."})
    assert not ProposalCompetence.objects.filter(proposal=proposal).exists()

    client.post(url, _form_data(proposal) | {"suggested": [robots.pk]})
    assert list(
        ProposalCompetence.objects.filter(proposal=proposal).values_list("competence", "importance")
    ) == [(robots.pk, Importance.IMPORTANT)]


# While the lead writes: the suggestions endpoint ----------------------------------------

SUGGEST = "projects:proposal_competence_suggestions"
PARAPHRASE = "Dexterous manipulation using touch sensors on mechanical hands"


def _suggested(response) -> list[str]:
    return [c.name for c in response.context["form"].suggested_competences]


def _ticked(response) -> set[int]:
    return response.context["form"].ticked_suggestions


@pytest.fixture
def researcher():
    return MembershipFactory().person


def test_suggestions_follow_the_posted_text_and_render_only_the_block(
    client, vocabulary, researcher
):
    client.force_login(researcher)

    response = client.post(reverse(SUGGEST), {"title": "Hands", "summary": PARAPHRASE})

    assert response.status_code == 200
    assert [t.name for t in response.templates] == ["suggestions"]
    assert _suggested(response)[0] == "Robot learning"
    body = response.content.decode()
    assert "<html" not in body
    assert 'name="suggested"' in body
    assert f'for="id_suggested_{vocabulary[0].pk}">Robot learning</label>' in body


def test_suggestions_without_text_say_what_to_do(client, vocabulary, researcher):
    client.force_login(researcher)

    response = client.post(reverse(SUGGEST), {"title": "  "})

    assert _suggested(response) == []
    assert "the competences your text implies appear here" in response.content.decode()


def test_suggestions_leave_out_competences_chosen_in_the_form(client, vocabulary, researcher):
    robots = vocabulary[0]
    client.force_login(researcher)

    response = client.post(
        reverse(SUGGEST), {"summary": PARAPHRASE, f"competence_{robots.pk}": "3"}
    )

    assert "Robot learning" not in _suggested(response)


def test_suggestions_keep_ticked_ones_listed_and_ticked(client, vocabulary, researcher):
    robots, _speech, history = vocabulary
    client.force_login(researcher)

    response = client.post(
        reverse(SUGGEST), {"summary": PARAPHRASE, "suggested": [str(history.pk), str(robots.pk)]}
    )

    assert _suggested(response) == ["Robot learning", "Medieval history"]
    assert _ticked(response) == {robots.pk, history.pk}
    assert response.content.decode().count("checked") == 2


def test_suggestions_refuse_oversized_text_keep_ticks_and_change_nothing(
    client, vocabulary, researcher
):
    history = vocabulary[2]
    proposal = ProposalFactory(
        lead=researcher, lead_institution=researcher.memberships.get().institution
    )
    client.force_login(researcher)
    before = list(Proposal.objects.values_list("pk", "title", "summary", "updated_at"))

    response = client.post(
        reverse(SUGGEST, args=[proposal.slug]),
        {"title": "x" * 201, "summary": PARAPHRASE, "suggested": [str(history.pk)]},
    )

    assert response.context["form"].suggestion_errors == [
        "Title: Ensure this value has at most 200 characters (it has 201)."
    ]
    assert _suggested(response) == ["Medieval history"]
    assert "at most 200 characters" in response.content.decode()
    assert list(Proposal.objects.values_list("pk", "title", "summary", "updated_at")) == before
    assert not ProposalCompetence.objects.exists()


def test_suggestions_read_only_the_first_part_of_a_very_long_description(
    client, vocabulary, researcher
):
    client.force_login(researcher)
    filler = "lorem ipsum dolor " * 2000  # beyond what is read

    response = client.post(reverse(SUGGEST), {"description": filler + PARAPHRASE})

    assert response.status_code == 200
    assert "Robot learning" not in _suggested(response)


def test_suggestions_report_a_tampered_tick(client, vocabulary, researcher):
    client.force_login(researcher)

    response = client.post(reverse(SUGGEST), {"summary": PARAPHRASE, "suggested": ["999999"]})

    assert response.context["form"].suggestion_errors == [
        "Your text suggests these competences: One of the ticked competences is not in the "
        "alliance's vocabulary; reload the page and tick it again."
    ]
    assert _suggested(response) == []


def test_suggestions_send_anonymous_visitors_to_sign_in(client, vocabulary):
    response = client.post(reverse(SUGGEST), {"summary": PARAPHRASE})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_suggestions_answer_only_post(client, researcher):
    client.force_login(researcher)

    assert client.get(reverse(SUGGEST)).status_code == 405


def test_suggestions_for_a_new_proposal_are_404_without_an_active_affiliation(client, vocabulary):
    client.force_login(UserFactory())

    response = client.post(reverse(SUGGEST), {"summary": PARAPHRASE})

    assert response.status_code == 404


@pytest.mark.parametrize("who", ["other researcher", "coordinator", "lead of a proposal in review"])
def test_suggestions_for_a_proposal_the_user_may_not_edit_are_404(client, vocabulary, who):
    proposal = ProposalFactory(
        stage=Stage.REVIEW if who.endswith("review") else Stage.DEFINE,
        visibility=Visibility.OPEN_CALL,
    )
    user = {
        "other researcher": lambda: MembershipFactory().person,
        "coordinator": CoordinatorFactory,
        "lead of a proposal in review": lambda: proposal.lead,
    }[who]()
    client.force_login(user)

    response = client.post(reverse(SUGGEST, args=[proposal.slug]), {"summary": PARAPHRASE})

    assert response.status_code == 404


def test_suggestions_never_read_a_saved_text_only_what_is_sent(client, vocabulary, researcher):
    """The endpoint suggests from the posted text: neither the user's own saved proposal nor
    someone else's confidential one (about speech here) leaks into it."""
    ProposalFactory(
        stage=Stage.DEFINE,
        visibility=Visibility.CONFIDENTIAL,
        title="Transcribing spoken audio",
        summary="Transcribing spoken audio in noisy rooms.",
    )
    own = ProposalFactory(
        lead=researcher,
        lead_institution=researcher.memberships.get().institution,
        summary="Transcribing spoken audio for voice assistants.",
    )
    client.force_login(researcher)

    for url in (reverse(SUGGEST), reverse(SUGGEST, args=[own.slug])):
        assert _suggested(client.post(url, {"summary": PARAPHRASE})) == ["Robot learning"]
        assert _suggested(client.post(url, {})) == []


@pytest.mark.parametrize("size", [1, 30])
def test_suggestions_queries(client, django_assert_num_queries, researcher, size):
    """The session, the user, then their affiliation (who may create) or the proposal (who
    may edit it), and the vocabulary (4), however many competences the alliance has and the
    form chose or ticked."""
    extra = [CompetenceFactory(description=f"Topic number {n}") for n in range(size)]
    chosen = {f"competence_{c.pk}": "2" for c in extra[: size // 2]}
    ticked = [str(c.pk) for c in extra[size // 2 :]]
    proposal = ProposalFactory(
        lead=researcher, lead_institution=researcher.memberships.get().institution
    )
    client.force_login(researcher)
    data = {"summary": PARAPHRASE, "suggested": ticked, **chosen}

    with django_assert_num_queries(4):
        client.post(reverse(SUGGEST), data)
    with django_assert_num_queries(4):
        client.post(reverse(SUGGEST, args=[proposal.slug]), data)


# Saving what was ticked -----------------------------------------------------------------


def _create_data(researcher, **extra):
    return {
        "title": "Robot hands",
        "lead_institution": researcher.memberships.get().institution.pk,
        "summary": PARAPHRASE,
        "focus_area": FocusAreaFactory().pk,
        "description": "## Plan",
        "licence": "Apache-2.0",
        "duration_months": 12,
        "visibility": "open_call",
        **extra,
    }


def test_proposal_create_saves_ticked_suggestions_as_important(client, vocabulary, researcher):
    robots, speech, _history = vocabulary
    client.force_login(researcher)

    response = client.post(
        reverse("projects:proposal_create"),
        _create_data(researcher, suggested=[str(robots.pk)], **{f"competence_{speech.pk}": "1"}),
    )

    proposal = Proposal.objects.get()
    assert response["Location"] == proposal.get_absolute_url()
    assert sorted(proposal.required_competences.values_list("competence__name", "importance")) == [
        ("Robot learning", Importance.IMPORTANT),
        ("Speech recognition", Importance.USEFUL),
    ]


def test_proposal_create_keeps_the_importance_chosen_in_the_picker(client, vocabulary, researcher):
    robots = vocabulary[0]
    client.force_login(researcher)

    client.post(
        reverse("projects:proposal_create"),
        _create_data(researcher, suggested=[str(robots.pk)], **{f"competence_{robots.pk}": "3"}),
    )

    assert list(
        Proposal.objects.get().required_competences.values_list("competence__name", "importance")
    ) == [("Robot learning", Importance.ESSENTIAL)]


def test_proposal_create_with_a_tampered_tick_shows_an_error_and_saves_nothing(
    client, vocabulary, researcher
):
    client.force_login(researcher)

    response = client.post(
        reverse("projects:proposal_create"), _create_data(researcher, suggested=["999999"])
    )

    assert response.status_code == 200
    assert response.context["form"].suggestion_errors == [
        "One of the ticked competences is not in the alliance's vocabulary; reload the page "
        "and tick it again."
    ]
    assert "reload the page and tick it again" in response.content.decode()
    assert not Proposal.objects.exists()


def test_proposal_create_with_errors_suggests_from_the_posted_text(client, vocabulary, researcher):
    _robots, _speech, history = vocabulary
    client.force_login(researcher)

    response = client.post(
        reverse("projects:proposal_create"),
        _create_data(researcher, title="", suggested=[str(history.pk)]),
    )

    assert response.context["form"].errors["title"] == ["This field is required."]
    assert _suggested(response) == ["Robot learning", "Medieval history"]
    assert _ticked(response) == {history.pk}
    assert not Proposal.objects.exists()


def test_proposal_create_page_offers_no_suggestions_before_any_text(client, vocabulary, researcher):
    client.force_login(researcher)

    response = client.get(reverse("projects:proposal_create"))

    body = response.content.decode()
    assert _suggested(response) == []
    assert 'aria-live="polite"' in body
    assert f'hx-post="{reverse(SUGGEST)}"' in body


def test_proposal_edit_with_errors_suggests_from_the_posted_text_not_the_saved(client, vocabulary):
    proposal = ProposalFactory(
        stage=Stage.DEFINE,
        title="Voices",
        summary="Transcribing spoken audio for voice assistants.",
        description="",
    )
    client.force_login(proposal.lead)
    url = reverse("projects:proposal_edit", args=[proposal.slug])
    assert _suggested(client.get(url))[0] == "Speech recognition"

    response = client.post(url, _form_data(proposal) | {"title": "", "summary": PARAPHRASE})

    assert response.context["form"].errors["title"] == ["This field is required."]
    assert _suggested(response) == ["Robot learning"]
    proposal.refresh_from_db()
    assert proposal.summary == "Transcribing spoken audio for voice assistants."
    body = response.content.decode()
    assert f'hx-post="{reverse(SUGGEST, args=[proposal.slug])}"' in body
