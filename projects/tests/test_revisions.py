"""Revisions keep every field the lead edits, and the diff shows what changed in any of them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from members.tests.factories import CompetenceFactory, CoordinatorFactory, MembershipFactory
from projects.enums import Importance, Licence, Recommendation, Stage, Visibility
from projects.models import Criterion, Revision
from projects.selectors import revision_diff
from projects.services import proposal_decide, proposal_update, review_assign, review_submit
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


def _squash(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()


def _diff(html: str) -> list[tuple[str, str]]:
    """The (label, markup) pairs of the first diff on a page."""
    listing = html.split('<dl class="diff">', 1)[1].split("</dl>", 1)[0]
    return [
        (_squash(name), _squash(text))
        for name, text in re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", listing, re.S)
    ]


@pytest.fixture
def competences():
    return {
        "robots": CompetenceFactory(name="Robot learning", slug="robot-learning"),
        "vision": CompetenceFactory(name="Embodied perception", slug="embodied-perception"),
        "safety": CompetenceFactory(name="Safety <evaluation>", slug="safety-evaluation"),
    }


@pytest.fixture
def proposal(competences):
    """A proposal in Define that requires robot learning (essential) and embodied perception."""
    proposal = ProposalFactory(stage=Stage.DEFINE, duration_months=12)
    return proposal_update(
        proposal=proposal,
        actor=proposal.lead,
        competences={competences["robots"]: Importance.ESSENTIAL, competences["vision"]: 2},
    )


def test_revision_records_required_competences_and_the_other_fields(proposal):
    revision = proposal.revisions.first()

    assert (revision.number, revision.details) == (
        2,
        {
            "focus_area": proposal.focus_area.name,
            "licence": "Apache-2.0",
            "duration_months": 12,
            "visibility": "open_call",
            "competences": [
                ["embodied-perception", "Embodied perception", 2],
                ["robot-learning", "Robot learning", 3],
            ],
        },
    )


def test_lowering_a_competence_importance_makes_a_revision_whose_diff_shows_it(
    proposal, competences
):
    proposal_update(
        proposal=proposal,
        actor=proposal.lead,
        competences={
            competences["robots"]: Importance.USEFUL,
            competences["safety"]: Importance.IMPORTANT,
        },
    )

    old, new = proposal.revisions.get(number=2), proposal.revisions.get(number=3)
    changed = {d.name: str(d.html) for d in revision_diff(old=old, new=new) if d.changed}
    assert changed == {
        "competences": (
            '<span class="diff__line"><del>Embodied perception (Important)</del></span>'
            '<span class="diff__line">Robot learning: <del>Essential</del> <ins>Useful</ins></span>'
            '<span class="diff__line"><ins>Safety &lt;evaluation&gt; (Important)</ins></span>'
        )
    }


def test_changing_the_other_fields_makes_a_revision_whose_diff_shows_them(proposal):
    proposal_update(
        proposal=proposal,
        actor=proposal.lead,
        licence=Licence.MIT,
        duration_months=24,
        visibility=Visibility.CONFIDENTIAL,
    )

    old, new = proposal.revisions.get(number=2), proposal.revisions.get(number=3)
    changed = {d.name: str(d.html) for d in revision_diff(old=old, new=new) if d.changed}
    assert changed == {
        "licence": "<del>Apache-2.0</del> <ins>MIT</ins>",
        "duration_months": "<del>12 months</del> <ins>24 months</ins>",
        "visibility": "<del>Open call</del> <ins>Confidential</ins>",
    }


def test_saving_without_a_change_adds_no_revision_and_saves_nothing(proposal, competences):
    updated_at = proposal.updated_at

    saved = proposal_update(
        proposal=proposal,
        actor=proposal.lead,
        title=proposal.title,
        competences={competences["vision"]: 2, competences["robots"]: Importance.ESSENTIAL},
    )

    assert list(proposal.revisions.values_list("number", flat=True)) == [2, 1]
    assert saved.updated_at == updated_at


def test_edit_page_says_nothing_changed_when_nothing_did(client, proposal, competences):
    client.force_login(proposal.lead)
    url = reverse("projects:proposal_edit", args=[proposal.slug])
    data = {
        "title": proposal.title,
        "summary": proposal.summary,
        "focus_area": proposal.focus_area_id,
        "description": proposal.description,
        "goals": "",
        "expected_outcomes": "",
        "resources_offered": "",
        "licence": proposal.licence,
        "duration_months": proposal.duration_months,
        "visibility": proposal.visibility,
        f"competence_{competences['robots'].pk}": 3,
        f"competence_{competences['vision'].pk}": 2,
    }

    unchanged = client.post(url, data, follow=True)
    data[f"competence_{competences['robots'].pk}"] = 1
    changed = client.post(url, data, follow=True)

    assert [str(m) for m in unchanged.context["messages"]] == ["Nothing changed."]
    assert [str(m) for m in changed.context["messages"]] == ["Saved. A new revision is on record."]
    assert list(proposal.revisions.values_list("number", flat=True)) == [3, 2, 1]


def test_revisions_page_shows_the_competence_change(client, proposal, competences):
    proposal_update(proposal=proposal, actor=proposal.lead, competences={competences["robots"]: 1})
    client.force_login(proposal.lead)

    response = client.get(reverse("projects:revision_list", args=[proposal.slug]))

    assert _diff(response.content.decode()) == [
        (
            "Required competences",
            '<span class="diff__line"><del>Embodied perception (Important)</del></span>'
            '<span class="diff__line">Robot learning: <del>Essential</del> <ins>Useful</ins></span>',
        )
    ]


def test_reviewer_sees_a_lowered_competence_in_the_diff_since_their_review(
    client, proposal, competences
):
    proposal.stage = Stage.REVIEW
    proposal.save(update_fields=["stage"])
    coordinator = CoordinatorFactory()
    reviewer = MembershipFactory().person
    assignment = review_assign(proposal=proposal, reviewer=reviewer, actor=coordinator)
    review_submit(
        assignment=assignment,
        actor=reviewer,
        scores=dict.fromkeys(Criterion.objects.filter(active=True), 4),
        recommendation=Recommendation.REVISE,
        comment="Fine.",
    )
    proposal_decide(
        proposal=proposal, actor=coordinator, outcome="request_changes", reason="Sharpen it."
    )
    proposal.refresh_from_db()
    proposal_update(
        proposal=proposal,
        actor=proposal.lead,
        competences={competences["robots"]: 1, competences["vision"]: 2},
    )
    client.force_login(reviewer)

    response = client.get(proposal.get_absolute_url())

    page = response.content.decode()
    assert "What changed since your review" in page
    assert _diff(page.split("What changed since your review", 1)[1]) == [
        (
            "Required competences",
            '<span class="diff__line">Robot learning: <del>Essential</del> <ins>Useful</ins></span>',
        )
    ]


def test_a_revision_saved_before_details_were_kept_still_compares_by_its_text(client, proposal):
    Revision.objects.filter(proposal=proposal, number=1).update(details={})
    client.force_login(proposal.lead)

    response = client.get(
        reverse("projects:revision_list", args=[proposal.slug]), {"old": 1, "new": 2}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "No changes." in page
    assert "only the text is compared." in _squash(page)


def test_saving_back_a_field_changed_outside_the_form_saves_it(proposal):
    # As the admin might: the proposal differs from its latest revision.
    type(proposal).objects.filter(pk=proposal.pk).update(visibility=Visibility.CONFIDENTIAL)
    proposal.refresh_from_db()

    saved = proposal_update(proposal=proposal, actor=proposal.lead, visibility=Visibility.OPEN_CALL)

    saved.refresh_from_db()
    assert saved.visibility == Visibility.OPEN_CALL
    assert list(proposal.revisions.values_list("number", flat=True)) == [2, 1]
