"""Waiting for you and the bell in a real browser: from the dashboard to where each action is done."""

import pytest

from members.enums import MembershipRole
from members.tests.factories import InstitutionFactory, MembershipFactory
from projects.enums import ParticipationStatus, Stage
from projects.models import Participation
from projects.services import participation_invite
from projects.tests.factories import ProposalFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_invitee_and_representative_act_from_waiting_for_you(signed_in_page):
    ibm = InstitutionFactory(name="IBM", short_name="IBM", kind="company")
    tum = InstitutionFactory(name="Technical University of Munich", short_name="TUM")
    lead = MembershipFactory(institution=ibm, person__display_name="Mei Lin Chen").person
    felix = MembershipFactory(institution=tum, person__display_name="Felix Wagner").person
    lena = MembershipFactory(
        institution=tum, role=MembershipRole.REPRESENTATIVE, person__display_name="Lena Maier"
    ).person
    proposal = ProposalFactory(
        stage=Stage.DEFINE, lead=lead, lead_institution=ibm, title="Open robot learning"
    )
    participation_invite(proposal=proposal, actor=lead, institution=tum, person=felix)

    # Felix signs in to his dashboard; the bell says he was told, and the invitation is the
    # first thing on it.
    felix_page = signed_in_page(felix)
    assert felix_page.locator("#notification-bell .bell__count").inner_text() == "1"
    panel = felix_page.locator(".open-actions")
    assert panel.locator(".open-actions__count").inner_text() == "1"
    assert panel.locator(".open-action__kind").all_inner_texts() == ["INVITATION TO ANSWER"]
    panel.get_by_role("link", name="Answer Open robot learning").click()
    felix_page.get_by_role("button", name="Accept").click()
    felix_page.get_by_text("Accepted.").wait_for()
    felix_page.goto("/dashboard/")
    felix_page.get_by_text("Nothing is waiting for you.").wait_for()

    # Lena, TUM's representative, was told that a commitment awaits her sign-off, and does it
    # from the dashboard.
    lena_page = signed_in_page(lena)
    assert lena_page.locator("#notification-bell .bell__count").inner_text() == "1"
    lena_panel = lena_page.locator(".open-actions")
    assert lena_panel.locator(".open-action__kind").all_inner_texts() == ["COMMITMENT TO SIGN OFF"]
    lena_panel.get_by_role("link", name="Sign off Open robot learning").click()
    lena_page.get_by_role("button", name="Confirm commitment").click()
    lena_page.get_by_text("Confirmed: your institution's commitment now counts.").wait_for()
    lena_page.goto("/dashboard/")
    lena_page.get_by_text("Nothing is waiting for you.").wait_for()

    participation = Participation.objects.get(institution=tum)
    assert (participation.status, participation.confirmed_by) == (
        ParticipationStatus.CONFIRMED,
        lena,
    )
    # The lead was told of the acceptance and of the confirmation.
    lead_page = signed_in_page(lead)
    assert lead_page.locator("#notification-bell .bell__count").inner_text() == "2"
    for page in (felix_page, lena_page, lead_page):
        assert page.console_errors == []


def test_dashboard_fits_a_phone_screen(signed_in_page):
    researcher = MembershipFactory(person__display_name="Felix Wagner").person
    page = signed_in_page(researcher)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()

    assert page.evaluate("document.documentElement.scrollWidth") == 390
    assert page.console_errors == []
