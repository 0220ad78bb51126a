"""Phone-sized screens and keyboards: every main page fits 390 px; menus and selects behave."""

from datetime import date

import pytest
from playwright.sync_api import expect

from alliance.tests.browser_pages import main_pages, open_page
from members.tests.factories import PASSWORD, CoordinatorFactory, MembershipFactory
from projects.enums import MilestoneStatus, Stage
from projects.models import Milestone
from projects.tests.factories import ProposalFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = 390


def test_pages_of_every_role_fit_a_390_px_screen(browser, live_server):
    too_wide, not_shown = [], []
    for visit in main_pages():
        page = open_page(browser, live_server, visit.user, width=PHONE)
        for path in visit.all_paths:
            response = page.goto(path)
            if response.status != 200:
                not_shown.append((visit.role, path, response.status))
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE:
                too_wide.append((visit.role, path, width))
        # The pages keep their CSP: no violation, no script error.
        assert (visit.role, page.console_errors) == (visit.role, [])
        page.context.close()

    assert (too_wide, not_shown) == ([], [])


def test_navigation_folds_behind_a_menu_button_on_a_phone_and_escape_closes_it(
    browser, live_server
):
    person = MembershipFactory().person
    page = open_page(browser, live_server, person, width=PHONE, password=PASSWORD)
    menu = page.get_by_role("button", name="Menu")
    projects = page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects")

    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(projects).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(projects).to_be_visible()

    # Escape closes it and hands focus back to the button.
    projects.focus()
    page.keyboard.press("Escape")
    expect(projects).to_be_hidden()
    expect(menu).to_be_focused()

    # A click elsewhere closes it too; a chosen link leads on.
    menu.click()
    page.locator("main").click(position={"x": 5, "y": 5})
    expect(projects).to_be_hidden()
    menu.click()
    projects.click()
    page.wait_for_url("**/proposals/")
    assert page.console_errors == []


def test_navigation_shows_its_links_without_a_menu_button_on_a_wide_screen(browser, live_server):
    person = MembershipFactory().person
    page = open_page(browser, live_server, person, width=1280, password=PASSWORD)
    nav = page.get_by_role("navigation", name="Main")

    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(nav.get_by_role("link", name="My proposals")).to_be_visible()


def test_user_menu_closes_on_escape_and_gives_focus_back_to_its_toggle(browser, live_server):
    person = MembershipFactory(person__display_name="Mei Lin Chen").person
    for width in (1280, PHONE):
        page = open_page(browser, live_server, person, width=width, password=PASSWORD)
        toggle = page.locator(".user-menu summary")
        profile = page.get_by_role("link", name="My profile")

        expect(toggle).to_have_accessible_name("Mei Lin Chen")
        toggle.click()
        expect(profile).to_be_visible()
        profile.focus()
        page.keyboard.press("Escape")

        expect(profile).to_be_hidden()
        expect(toggle).to_be_focused()
        page.context.close()


def _filter_requests(page) -> list[str]:
    """The query strings of the proposal list's htmx requests, as the page sends them."""
    requests: list[str] = []
    page.on(
        "request",
        lambda request: (
            request.headers.get("hx-request")
            and "/proposals/?" in request.url
            and requests.append(request.url.split("?")[1])
        ),
    )
    return requests


def _pause_clock(page) -> None:
    """Stop the page's timers, so that only the test moves time on."""
    page.clock.pause_at(page.evaluate("Date.now()") / 1_000 + 1)  # seconds


def test_arrow_keys_on_a_live_filter_wait_for_a_pause_before_filtering(browser, live_server):
    # A coordinator is offered every stage, in the lifecycle's order.
    coordinator = CoordinatorFactory()
    ProposalFactory(stage=Stage.DEFINE, title="Open robot model")
    ProposalFactory(stage=Stage.DRIVE, title="Open compiler stack")
    page = open_page(browser, live_server, coordinator, width=PHONE, password=PASSWORD)
    page.clock.install()
    page.goto("/proposals/")
    requests = _filter_requests(page)
    stage = page.get_by_label("Stage")
    _pause_clock(page)

    # Two arrow keys in a row: nothing is asked while the reader is still choosing...
    stage.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.clock.run_for(1_000)
    assert requests == []

    # ...then, after the pause, one request for the option the reader stopped at.
    with page.expect_request(lambda request: "stage=define" in request.url):
        page.clock.run_for(300)
    page.clock.resume()
    expect(page).to_have_url(f"{live_server.url}/proposals/?stage=define")
    expect(page.locator("#results")).to_contain_text("Open robot model")
    expect(page.locator(".results")).to_have_count(1)
    expect(stage).to_be_focused()
    assert requests == ["stage=define"]

    # Enter applies a keyboard choice at once, with time standing still.
    _pause_clock(page)
    with page.expect_request(lambda request: "stage=review" in request.url):
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
    page.clock.resume()
    expect(page).to_have_url(f"{live_server.url}/proposals/?stage=review")
    assert requests == ["stage=define", "stage=review"]

    # So does a choice with the mouse (or from the opened list).
    _pause_clock(page)
    with page.expect_request(lambda request: "stage=drive" in request.url):
        stage.select_option("drive")
    page.clock.resume()
    expect(page.locator("#results")).to_contain_text("Open compiler stack")
    assert requests == ["stage=define", "stage=review", "stage=drive"]
    assert page.console_errors == []


def test_arrow_keys_on_a_select_that_leaves_the_page_wait_for_enter(browser, live_server):
    proposal = ProposalFactory(stage=Stage.DRIVE)
    milestone = Milestone.objects.create(
        proposal=proposal, title="Schema published", due_date=date(2027, 3, 31)
    )
    page = open_page(browser, live_server, proposal.lead, width=PHONE, password=PASSWORD)
    page.clock.install()
    page.goto(proposal.get_absolute_url())
    status = page.locator(f"#milestone-{milestone.pk}-status")
    posts: list[str] = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))

    # However long the reader dwells on an option, the page stays...
    status.focus()
    page.keyboard.press("ArrowDown")
    page.clock.run_for(10_000)
    page.wait_for_timeout(500)
    assert posts == []

    # ...until Enter sends the choice.
    with page.expect_response(lambda response: response.request.method == "POST"):
        page.keyboard.press("Enter")
    milestone.refresh_from_db()
    assert (milestone.status, len(posts)) == (MilestoneStatus.IN_PROGRESS, 1)
    assert page.console_errors == []


def test_language_changes_only_on_its_button_not_on_an_arrow_key(browser, live_server):
    page = open_page(browser, live_server, None, width=PHONE)
    page.goto("/proposals/")
    language = page.get_by_label("Language")

    language.focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(1_500)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(language).to_be_focused()

    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page).to_have_url(f"{live_server.url}/proposals/")
