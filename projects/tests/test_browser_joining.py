"""Finding and bringing in a partner in a real browser."""

import pytest

from members.enums import MembershipRole
from members.tests.factories import (
    CompetenceFactory,
    InstitutionCompetenceFactory,
    InstitutionFactory,
    MembershipFactory,
    PersonCompetenceFactory,
)
from projects import matching
from projects.enums import ParticipationStatus, Stage
from projects.models import Participation
from projects.tests.factories import ProposalCompetenceFactory, ProposalFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_finds_and_invites_a_tum_researcher_who_accepts_and_tum_confirms(signed_in_page):
    matching.reset()
    robotics = CompetenceFactory(name="Robot learning")
    ibm = InstitutionFactory(name="IBM", short_name="IBM", country="US", kind="company")
    tum = InstitutionFactory(name="Technical University of Munich", short_name="TUM")
    InstitutionFactory(name="Mohamed bin Zayed University of Artificial Intelligence in Abu Dhabi")
    InstitutionCompetenceFactory(institution=tum, competence=robotics, level=3)
    lead = MembershipFactory(institution=ibm, person__display_name="Mei Lin Chen").person
    felix = MembershipFactory(
        institution=tum,
        person__display_name="Felix Wagner",
        person__bio="Robot learning from demonstrations on real manipulators.",
    ).person
    PersonCompetenceFactory(person=felix, competence=robotics, level=3)
    lena = MembershipFactory(
        institution=tum, role=MembershipRole.REPRESENTATIVE, person__display_name="Lena Maier"
    ).person
    proposal = ProposalFactory(
        stage=Stage.DEFINE,
        lead=lead,
        lead_institution=ibm,
        title="Multimodal foundation models for robot learning",
        summary="Robot learning from demonstrations with an open multimodal model.",
    )
    ProposalCompetenceFactory(proposal=proposal, competence=robotics, importance=3)

    # The lead opens Find partners and reads why Felix is suggested.
    page = signed_in_page(lead)
    page.goto(proposal.get_absolute_url())
    page.locator("#consortium").get_by_role("link", name="Find partners").click()
    people = page.locator("#people-heading + ol > li")
    felix_row = people.filter(has_text="Felix Wagner").first
    # The card says it in words; the numbers wait behind a disclosure.
    assert "Has the required competence: Robot learning (level 3)" in felix_row.inner_text()
    felix_row.get_by_text("Why this suggestion, in numbers").click()
    felix_row.get_by_role("rowheader", name="Shared topics").wait_for()

    # On a phone the page, long institution names included, fits the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") == 390
    page.set_viewport_size({"width": 1280, "height": 720})

    # One click invites him, with a line of message.
    felix_row.get_by_placeholder("A line on why them (optional)").fill("Your robot lab fits.")
    felix_row.get_by_role("button", name="Invite Felix Wagner").click()
    page.get_by_text("Felix Wagner is invited.").wait_for()

    # Felix accepts from his invitations.
    felix_page = signed_in_page(felix)
    felix_page.goto("/partnering/")
    felix_page.get_by_role("button", name="Accept").click()
    felix_page.get_by_text("Accepted.").wait_for()

    # TU Munich's representative confirms the commitment.
    lena_page = signed_in_page(lena)
    lena_page.goto("/partnering/sign-off/")
    lena_page.get_by_role("button", name="Confirm commitment").click()
    lena_page.get_by_text("Confirmed: your institution's commitment now counts.").wait_for()

    participation = Participation.objects.get(institution=tum)
    assert (participation.status, participation.person, participation.confirmed_by) == (
        ParticipationStatus.CONFIRMED,
        felix,
        lena,
    )
    page.goto(proposal.get_absolute_url())
    assert page.locator("#consortium").get_by_text("Confirmed").is_visible()
    for p in (page, felix_page, lena_page):
        assert p.console_errors == []


@pytest.mark.parametrize("width", [1280, 390])
def test_lead_goes_from_a_failing_rule_to_inviting_a_whole_consortium(signed_in_page, width):
    matching.reset()
    robotics = CompetenceFactory(name="Robot learning")
    ibm = InstitutionFactory(name="IBM", short_name="IBM", country="US", kind="company")
    lead = MembershipFactory(institution=ibm, person__display_name="Mei Lin Chen").person
    for name in ("Technical University of Munich", "Inria"):
        institution = InstitutionFactory(name=name)
        InstitutionCompetenceFactory(institution=institution, competence=robotics, level=3)
    proposal = ProposalFactory(
        stage=Stage.DEFINE,
        lead=lead,
        lead_institution=ibm,
        title="Robot learning from shared demonstrations",
    )
    ProposalCompetenceFactory(proposal=proposal, competence=robotics, importance=3)
    page = signed_in_page(lead)
    page.set_viewport_size({"width": width, "height": 900})

    page.goto(proposal.get_absolute_url())
    assert page.get_by_role("button", name="Submit for review").is_disabled()
    page.locator("#ready").get_by_role("link", name="Whole consortia").first.click()
    page.get_by_role("heading", name="Whole consortia").wait_for()
    option = page.locator("section.consortium-option").first
    assert option.get_by_text("Lead", exact=True).is_visible()
    assert option.get_by_role("button", name="Invite IBM").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    option.get_by_role("button", name="Invite this consortium").click()
    page.get_by_role("heading", name="Invite this consortium").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    to_invite = page.locator("form.card li").all_inner_texts()
    page.get_by_role("button", name=f"Send {len(to_invite)} invitation").click()

    page.get_by_text(f"invitation{'s' if len(to_invite) > 1 else ''} sent:").wait_for()
    assert Participation.objects.filter(
        proposal=proposal, status=ParticipationStatus.INVITED
    ).count() == len(to_invite)
    assert page.console_errors == []
