"""The affiliation journey in a real browser: sign up, verify, get approved."""

import re

import pytest
from django.core import mail

from members.enums import Language, MembershipStatus
from members.models import Membership
from members.tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.usefixtures("eager_tasks")  # the verification email is sent by a task
def test_signup_at_tum_domain_becomes_a_tum_researcher_after_approval(
    page, signed_in_page, live_server, institution, representative
):
    # A researcher signs up with a TU Munich address.
    page.goto("/")
    page.get_by_role("link", name="Join", exact=True).click()
    page.get_by_label("Your name").fill("Jonas Becker")
    page.get_by_label("Email").fill("jonas.becker@tum.de")
    page.get_by_label("Password", exact=True).fill("a-long-and-unusual-passphrase")
    page.get_by_label("Password (again)").fill("a-long-and-unusual-passphrase")
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_role("heading", name="Verify Your Email Address").wait_for()

    # The verification link arrives by email and is followed in the browser.
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    page.goto(link.replace(link.split("/accounts/")[0], live_server.url))
    page.get_by_role("button", name="Confirm").click()

    # The address matched TU Munich's domain: a pending affiliation awaits approval.
    page.get_by_text("A representative will review your affiliation").wait_for()
    membership = Membership.objects.get(person__email="jonas.becker@tum.de")
    assert (membership.institution, membership.status) == (institution, MembershipStatus.PENDING)

    # TU Munich's representative approves it from the people page.
    rep_page = signed_in_page(representative)
    rep_page.goto(f"/institutions/{institution.slug}/people/")
    row = rep_page.locator(f"#membership-{membership.pk}")
    row.get_by_role("button", name="Approve").click()
    row.get_by_text("Active").wait_for()

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE

    # The researcher now sees TU Munich as their institution.
    page.goto("/me/affiliations/")
    affiliation = page.locator("li", has_text="Technical University of Munich").first
    affiliation.get_by_text("Active").wait_for()
    page.goto("/dashboard/")
    assert page.get_by_text("Technical University of Munich").first.is_visible()
    assert page.console_errors == []


def test_language_switch_waits_for_its_button_and_is_kept_on_the_profile(signed_in_page):
    person = UserFactory(language=Language.ENGLISH)
    page = signed_in_page(person)

    # An arrow key in the list only chooses; the page stays English until the button.
    page.get_by_label("Language").focus()
    page.keyboard.press("ArrowDown")
    assert page.get_by_label("Language").input_value() == "de"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("option", name="Deutsch").count() == 1

    page.get_by_role("button", name="Change").click()
    page.get_by_role("heading", name=f"Willkommen, {person.display_name}").wait_for()
    assert page.locator("html").get_attribute("lang") == "de"
    person.refresh_from_db()
    assert person.language == Language.GERMAN
