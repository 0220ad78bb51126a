"""axe-core on the main pages as each role sees them, wide and phone-sized, and badge contrast."""

from pathlib import Path

import pytest

from alliance.tests.browser_pages import main_pages, open_page
from notifications.enums import DeliveryState
from projects.enums import Stage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Vendored from npm by `make vendor` (see package.json); injected here only, never served.
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = (1280, 390)


def _serious_violations(page) -> list[tuple[str, str, list[str]]]:
    # The pages forbid inline scripts (CSP); the context that injects axe bypasses that.
    page.add_script_tag(path=AXE)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        (violation["id"], violation["help"], [str(node["target"]) for node in violation["nodes"]])
        for violation in result["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def _open_menus(page) -> None:
    """Open what the header folds away, so its contents are checked too."""
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():
        menu.click()
    user_menu = page.locator(".user-menu summary")
    if user_menu.count():
        user_menu.click()


def test_main_pages_have_no_serious_or_critical_axe_violations_wide_and_on_a_phone(
    browser, live_server
):
    found = []
    for visit in main_pages():
        page = open_page(browser, live_server, visit.user, width=WIDTHS[0], bypass_csp=True)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            for path in visit.paths:
                page.goto(path)
                found += [(visit.role, width, path, *v) for v in _serious_violations(page)]
            _open_menus(page)
            found += [(visit.role, width, "menus", *v) for v in _serious_violations(page)]
        page.context.close()

    assert found == []


def _contrast(page, classes: str) -> float:
    """The contrast ratio of a badge with these classes against its own background."""
    return page.evaluate(
        """(classes) => {
          const badge = document.createElement("span");
          badge.className = classes;
          badge.textContent = "Badge";
          document.querySelector("main").append(badge);
          const { color, backgroundColor } = getComputedStyle(badge);
          badge.remove();
          const luminance = (colour) => {
            const [r, g, b] = colour.match(/[\\d.]+/g).slice(0, 3).map((c) => {
              const s = Number(c) / 255;
              return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
            });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b;
          };
          const [light, dark] = [color, backgroundColor].map(luminance).sort((a, b) => b - a);
          return (light + 0.05) / (dark + 0.05);
        }""",
        classes,
    )


def test_every_badge_colour_has_at_least_4_5_to_1_contrast(page):
    badges = [
        "badge",
        *(f"badge badge--{tone}" for tone in ("primary", "success", "warning", "danger")),
        *(f"badge stage stage--{stage}" for stage in Stage.values),
        *(f"badge delivery delivery--{state}" for state in DeliveryState.values),
    ]
    page.goto("/")

    ratios = {classes: round(_contrast(page, classes), 2) for classes in badges}

    assert {classes: ratio for classes, ratio in ratios.items() if ratio < 4.5} == {}
