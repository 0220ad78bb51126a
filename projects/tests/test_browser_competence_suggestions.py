"""Competences suggested while the lead writes a new proposal, in a real browser."""

import os
from pathlib import Path

import pytest

from members.demo import load_vocabulary
from members.tests.factories import MembershipFactory
from projects.enums import Importance
from projects.models import Proposal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_lead_sees_competences_suggested_as_they_write_ticks_one_and_saves_it(
    signed_in_page, width
):
    load_vocabulary()
    lead = MembershipFactory(person__display_name="Mei Lin Chen").person
    page = signed_in_page(lead)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/proposals/new/")
    block = page.locator("#competence-suggestions")
    block.get_by_text("As you write, the competences your text implies appear here.").wait_for()

    # Written in other words than the vocabulary's: no competence is named.
    page.get_by_label("Title").fill("Hands that feel what they hold")
    with page.expect_response("**/proposals/new/suggestions/"):
        page.get_by_label("Summary").fill(
            "Dexterous manipulation using touch sensors: mechanical fingers that notice when "
            "a held thing starts sliding."
        )
    suggestion = block.get_by_role("checkbox", name="Robot learning")
    suggestion.check()
    if directory := os.environ.get("BROWSER_SCREENSHOTS"):
        # caret="initial": hiding the caret takes an inline style, which the CSP refuses.
        page.screenshot(
            path=Path(directory) / f"competence-suggestions-{width}.png",
            full_page=True,
            caret="initial",
        )
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    # More writing re-renders the block; the tick stays.
    with page.expect_response("**/proposals/new/suggestions/"):
        page.get_by_label("Description").fill("## Plan\n\nTactile skins on a robot gripper.")
    assert block.get_by_role("checkbox", name="Robot learning").is_checked()

    page.get_by_label("Focus area").select_option(index=1)
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("heading", name="Hands that feel what they hold").wait_for()

    proposal = Proposal.objects.get()
    assert list(proposal.required_competences.values_list("competence__name", "importance")) == [
        ("Robot learning", Importance.IMPORTANT)
    ]
    assert page.console_errors == []
