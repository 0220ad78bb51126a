"""The define-and-drive journey in a real browser, from draft to the first milestone."""

import pytest

from members.tests.factories import (
    CompetenceFactory,
    CoordinatorFactory,
    FocusAreaFactory,
    InstitutionCompetenceFactory,
    InstitutionFactory,
    MembershipFactory,
    PersonCompetenceFactory,
)
from projects import matching
from projects.enums import ParticipationRole, ParticipationStatus, Stage
from projects.models import Participation, Proposal
from projects.tests.factories import ProposalCompetenceFactory, ProposalFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_drafts_partners_confirm_reviewers_review_coordinator_approves_lead_drives(
    signed_in_page, seeded_criteria
):
    area = FocusAreaFactory(name="Multimodal models")
    robotics = CompetenceFactory(name="Robot learning", focus_area=area)
    ibm = InstitutionFactory(name="IBM", short_name="IBM", slug="ibm", country="US", kind="company")
    tum = InstitutionFactory(name="Technical University of Munich", short_name="TUM", slug="tum")
    InstitutionCompetenceFactory(institution=tum, competence=robotics, level=3)
    lead = MembershipFactory(institution=ibm, person__display_name="Mei Lin Chen").person
    coordinator = CoordinatorFactory(display_name="Alex Morgan")
    reviewers = [
        MembershipFactory(institution=InstitutionFactory(), person__display_name=name).person
        for name in ("Henrik Larsen", "Maya Thompson")
    ]

    # The lead drafts a proposal.
    page = signed_in_page(lead)
    page.goto("/proposals/new/")
    page.get_by_label("Title").fill("Multimodal foundation models for robot learning")
    page.get_by_label("Summary").fill("An open vision-language-action model for many robots.")
    page.get_by_label("Focus area").select_option(label="Multimodal models")
    page.get_by_label("Description").fill("## Plan\n\nPool demonstrations, then train.")
    page.get_by_text("Required competences").click()
    page.get_by_label("Robot learning").select_option(label="Essential")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("heading", name="Multimodal foundation models for robot learning").wait_for()
    proposal = Proposal.objects.get()
    assert (proposal.stage, proposal.lead) == (Stage.DRAFT, lead)

    # Draft → Define.
    page.get_by_role("link", name="Open for partners").click()
    page.get_by_role("button", name="Open for partners").click()
    page.get_by_text("The proposal is now in Define.").wait_for()

    # Without a confirmed partner the review step is disabled and the rule that fails is
    # listed once, with where to find partners.
    assert page.get_by_role("button", name="Submit for review").is_disabled()
    assert page.get_by_text("At least 1 confirmed partner institution (0 so far)").count() == 1
    assert page.locator("#ready").get_by_role("link", name="Whole consortia").first.is_visible()

    # TU Munich joins and its representative confirms (the joining pages come with matching).
    Participation.objects.create(
        proposal=proposal,
        institution=tum,
        role=ParticipationRole.PARTNER,
        status=ParticipationStatus.CONFIRMED,
    )
    page.reload()
    page.get_by_role("link", name="Submit for review").click()
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text("The proposal is now in Review.").wait_for()

    # A coordinator assigns two reviewers.
    desk = signed_in_page(coordinator)
    desk.goto("/review/queue/")
    desk.get_by_role("link", name="Multimodal foundation models for robot learning").click()
    desk.get_by_role("link", name="Reviewers").click()
    for reviewer in reviewers:
        desk.get_by_label("Find a reviewer").fill(reviewer.display_name)
        desk.get_by_role("button", name=f"Assign {reviewer.display_name}").click()
        desk.get_by_text(f"{reviewer.display_name} now reviews this proposal.").wait_for()

    # Both review.
    for reviewer, score in zip(reviewers, ("5", "4"), strict=True):
        reviewer_page = signed_in_page(reviewer)
        reviewer_page.goto("/review/inbox/")
        reviewer_page.get_by_role("link", name="Write review").click()
        for group in reviewer_page.locator("fieldset.scale-field").all():
            group.get_by_label(score, exact=True).check()
        reviewer_page.get_by_label("Approve").check()
        reviewer_page.get_by_label("Comment").fill("A strong, open plan.")
        reviewer_page.get_by_role("button", name="Submit review").click()
        reviewer_page.get_by_text("Thank you: your review is submitted.").wait_for()
        assert reviewer_page.console_errors == []

    # The coordinator reads the aggregate and approves.
    desk.goto(proposal.get_absolute_url())
    desk.get_by_role("link", name="Decide").click()
    desk.get_by_text("Weighted score from 2 reviews: mean 4.5, median 4.5, spread 0.5.").wait_for()
    desk.get_by_label("Approve").check()
    desk.get_by_role("textbox", name="Reason").fill("Clear plan and open outputs.")
    desk.get_by_role("button", name="Record decision").click()
    desk.get_by_text("Decision recorded; the lead sees it on the proposal.").wait_for()
    assert desk.console_errors == []

    # The lead reads the decision, kicks off Drive and adds a milestone.
    page.goto(proposal.get_absolute_url())
    page.get_by_text("Clear plan and open outputs.").first.wait_for()
    page.get_by_role("link", name="Kick off").click()
    page.get_by_role("button", name="Kick off").click()
    page.get_by_text("The proposal is now in Drive.").wait_for()
    page.get_by_label("Title").fill("Demonstration schema published")
    page.get_by_label("Due date").fill("2027-03-31")
    page.get_by_role("button", name="Add milestone").click()
    page.get_by_text("Milestone added.").wait_for()

    proposal.refresh_from_db()
    assert proposal.stage == Stage.DRIVE
    assert list(proposal.milestones.values_list("title", flat=True)) == [
        "Demonstration schema published"
    ]
    assert list(proposal.transitions.values_list("to_stage", flat=True)) == [
        "define",
        "review",
        "approved",
        "drive",
    ]
    assert page.console_errors == []


@pytest.fixture
def fresh_index():
    """A matching index built from this test's data, and none left behind for the next."""
    matching.reset()
    yield
    matching.reset()


def test_coordinator_picks_a_suggested_reviewer_on_a_phone(signed_in_page, fresh_index):
    robotics = CompetenceFactory(name="Robot learning")
    proposal = ProposalFactory(stage=Stage.REVIEW, title="Open robot model")
    ProposalCompetenceFactory(proposal=proposal, competence=robotics, importance=3)
    expert = MembershipFactory(
        institution=InstitutionFactory(name="Robot Lab"),
        person__display_name="Henrik Larsen",
        person__email="henrik@robotlab.example",
    ).person
    PersonCompetenceFactory(person=expert, competence=robotics, level=3)
    MembershipFactory(institution=proposal.lead_institution, person__display_name="Lead Colleague")
    desk = signed_in_page(CoordinatorFactory())
    desk.set_viewport_size({"width": 390, "height": 844})

    desk.goto(f"/proposals/{proposal.slug}/reviewers/")
    suggestion = desk.locator("#candidates li.item", has_text="Henrik Larsen")
    suggestion.get_by_text("Robot learning · Leading").wait_for()
    suggestion.get_by_role("button", name="Assign Henrik Larsen").click()
    desk.get_by_text("Henrik Larsen now reviews this proposal.").wait_for()

    rows = desk.locator("#candidates li.item")
    assert [" ".join(text.split()) for text in rows.all_inner_texts()] == [
        "Henrik Larsen henrik@robotlab.example Robot Lab · 1 open review "
        "Robot learning · Leading Assigned"
    ]
    assert desk.evaluate("document.documentElement.scrollWidth") <= 390
    assert desk.console_errors == []
