"""The bell and the notifications page in a real browser."""

import pytest
from playwright.sync_api import expect

from members.tests.factories import MembershipFactory
from notifications.enums import NotificationKind
from notifications.models import Notification
from notifications.tests.factories import NotificationFactory
from projects.tests.factories import ProposalFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bell_counts_unread_until_all_are_marked_read(signed_in_page):
    person = MembershipFactory().person
    proposal = ProposalFactory(title="Open robot model")
    NotificationFactory(recipient=person, proposal=proposal)
    NotificationFactory(recipient=person, proposal=proposal, kind=NotificationKind.INVITATION_SENT)
    page = signed_in_page(person)

    # The header of any page shows the count; the bell leads to the notifications page.
    bell = page.locator("#notification-bell")
    expect(bell.locator(".bell__count")).to_have_text("2")
    bell.click()
    page.wait_for_url("**/notifications/")
    expect(page.locator(".notification--unread")).to_have_count(2)

    # Marking all read swaps the list and the bell in place (htmx): no count any more.
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_text("All read.")).to_be_visible()
    expect(page.locator(".notification--unread")).to_have_count(0)
    expect(bell.locator(".bell__count")).to_have_count(0)
    assert Notification.objects.filter(recipient=person, read_at=None).count() == 0

    # And it stays so on the next page.
    page.goto("/proposals/")
    expect(page.locator("#notification-bell .bell__count")).to_have_count(0)

    # Something new happens; the bell learns of it when it refreshes (each minute, or when
    # the reader comes back to the tab), without reloading the page.
    NotificationFactory(recipient=person, proposal=proposal)
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    expect(page.locator("#notification-bell .bell__count")).to_have_text("1")
    assert page.console_errors == []
