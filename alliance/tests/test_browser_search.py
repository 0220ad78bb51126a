"""The site search in a real browser: live results as one types, filters, the URL."""

import pytest

from members.tests.factories import (
    CompetenceFactory,
    InstitutionCompetenceFactory,
    InstitutionFactory,
)
from projects.enums import Stage
from projects.tests.factories import ProposalCompetenceFactory, ProposalFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_searches_live_narrows_by_competence_and_keeps_it_in_the_url(page):
    robotics = CompetenceFactory(name="Robotics", slug="robotics")
    ProposalCompetenceFactory(
        proposal=ProposalFactory(stage=Stage.DRIVE, title="Zebrafish robots"), competence=robotics
    )
    ProposalFactory(stage=Stage.DRIVE, title="Zebrafish genome")
    ProposalFactory(stage=Stage.REVIEW, title="Zebrafish secret")
    InstitutionCompetenceFactory(
        institution=InstitutionFactory(name="Zebrafish Robot Works"), competence=robotics
    )

    page.goto("/search/")
    page.locator("#id_q").press_sequentially("zebrafish", delay=20)
    results = page.locator("#results")
    results.get_by_role("link", name="Zebrafish genome").wait_for()
    # Enter after typing asks again without cutting a request short (no error logged).
    page.locator("#id_q").press("Enter")
    results.get_by_role("link", name="Zebrafish genome").wait_for()
    assert "q=zebrafish" in page.url
    assert results.get_by_text("secret").count() == 0

    page.get_by_label("Competence").select_option("robotics")
    results.get_by_role("link", name="Zebrafish genome").wait_for(state="detached")

    assert "competence=robotics" in page.url
    assert [
        results.get_by_role("link", name=name).count()
        for name in ("Zebrafish robots", "Zebrafish Robot Works", "Zebrafish genome")
    ] == [1, 1, 0]
    # The address opens the same results as a plain page.
    page.reload()
    assert page.get_by_label("Competence").input_value() == "robotics"
    assert results.get_by_role("link", name="Zebrafish robots").count() == 1
    assert page.console_errors == []
