"""A visitor's journey: search, a project, the collaboration network, then all of it in German."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext
from playwright.sync_api import expect

from alliance.tests.browser_pages import open_page
from members.tests.factories import FocusAreaFactory, InstitutionFactory
from projects.enums import Stage
from projects.tests.factories import ParticipationFactory, ProposalFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _german(message: str) -> str:
    with translation.override("de"):
        return gettext(message)


def _german_node_title(name: str, *, projects: int, partners: int) -> str:
    """A node's name in the German catalogue, as the picture composes it."""
    with translation.override("de"):
        return gettext("%(name)s: %(projects)s, %(partners)s") % {
            "name": name,
            "projects": ngettext("%(count)d public project", "%(count)d public projects", projects)
            % {"count": projects},
            "partners": ngettext("%(count)d partner", "%(count)d partners", partners)
            % {"count": partners},
        }


@pytest.mark.parametrize("width", [1280, 390])
def test_visitor_finds_a_project_sees_its_institution_in_the_network_and_reads_it_in_german(
    browser, live_server, width
):
    tum = InstitutionFactory(name="TU Munich", short_name="TUM", country="DE")
    ibm = InstitutionFactory(name="IBM Research", short_name="IBM", country="US")
    project = ProposalFactory(
        stage=Stage.DRIVE,
        title="Multimodal foundation models for robot learning",
        focus_area=FocusAreaFactory(name="AI robotics", slug="ai-robotics"),
        lead_institution=tum,
    )
    ParticipationFactory(proposal=project, institution=ibm)
    page = open_page(browser, live_server, None, width=width)

    # Search, and open the project from the results.
    page.goto("/search/")
    query = page.locator("main").get_by_role("searchbox", name="Search")
    # Typed as a reader types: the results come live, without pressing Enter.
    query.press_sequentially("robot learning")
    result = page.locator("#results").get_by_role("link", name=project.title)
    expect(result).to_be_visible()
    # The URL holds the query (htmx pushes the form's fields).
    expect(page).to_have_url(re.compile(r"/search/\?q=robot(\+|%20)learning"))
    result.click()
    page.wait_for_url(f"**{project.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text(project.title)

    # The network picture, from the link every page has, shows the lead institution.
    page.get_by_role("contentinfo").get_by_role("link", name="Collaboration network").click()
    page.wait_for_url("**/network/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Collaboration network")
    node = page.locator(f'a.network__node[href="{tum.get_absolute_url()}"]').filter(visible=True)
    expect(node).to_have_count(1)
    expect(node).to_have_accessible_name("TU Munich: 1 public project, 1 partner")
    expect(
        page.locator(".network__labels text", has_text="TUM").filter(visible=True)
    ).to_have_count(1)
    page.get_by_text("Numbers").click()
    # A table on a wide screen, labelled cards on a phone: the same cells.
    row = page.locator(".chart__numbers tr", has=page.get_by_role("link", name="TU Munich"))
    expect(row.locator("td")).to_have_text(["Germany", "1", "1"])
    expect(row).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") == width

    # Deutsch, with the switcher's button: the same page, in German.
    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page).to_have_url(f"{live_server.url}/network/")
    expect(page.get_by_role("heading", level=1)).to_have_text(_german("Collaboration network"))
    expect(page.get_by_label("Schwerpunkt")).to_have_value("")
    expect(page.get_by_label("Schwerpunkt").locator("option").first).to_have_text(
        "Alle Schwerpunkte"
    )
    expect(page.get_by_label(re.compile(r"^Land:?$"))).to_be_visible()
    expect(page.get_by_role("button", name="Anzeigen")).to_be_visible()
    expect(page.get_by_text("Zahlen", exact=True)).to_be_visible()
    expect(
        page.get_by_role("contentinfo").get_by_role("link", name="Die Allianz im Überblick")
    ).to_be_visible()
    expect(page.get_by_label("Sprache")).to_have_value("de")
    expect(node).to_have_accessible_name(_german_node_title("TU Munich", projects=1, partners=1))
    assert page.console_errors == [], page.console_errors
