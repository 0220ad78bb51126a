"""Pages: forms answer bad input with a clear error and change nothing; htmx gets partials."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.cache import has_vary_header

from core.models import OutboxEvent
from members.enums import MembershipStatus
from members.tests.factories import (
    CompetenceFactory,
    CoordinatorFactory,
    FocusAreaFactory,
    InstitutionFactory,
    MembershipFactory,
)
from projects.enums import ParticipationStatus, Recommendation, Stage
from projects.models import (
    ConsortiumRules,
    Criterion,
    Decision,
    Milestone,
    Proposal,
    Review,
    ReviewAssignment,
    StageTransition,
)
from projects.services import ProposalMovedOn, review_assign, review_submit
from projects.tests.factories import (
    ParticipationFactory,
    ProposalCompetenceFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _template(response) -> str:
    return response.templates[0].name


# Creating and editing -------------------------------------------------------------------


def test_proposal_create_saves_a_private_draft_with_its_first_revision(client):
    membership = MembershipFactory()
    area = FocusAreaFactory()
    robotics = CompetenceFactory(name="Robot learning")
    client.force_login(membership.person)

    response = client.post(
        reverse("projects:proposal_create"),
        {
            "title": "Open robot model",
            "lead_institution": membership.institution.pk,
            "summary": "A model for many robots.",
            "focus_area": area.pk,
            "description": "## Plan",
            "licence": "Apache-2.0",
            "duration_months": 18,
            "visibility": "open_call",
            f"competence_{robotics.pk}": 3,
        },
    )

    proposal = Proposal.objects.get()
    assert response["Location"] == proposal.get_absolute_url()
    assert (proposal.stage, proposal.lead, proposal.slug) == (
        Stage.DRAFT,
        membership.person,
        "open-robot-model",
    )
    assert list(proposal.revisions.values_list("number", flat=True)) == [1]
    assert list(proposal.required_competences.values_list("competence__name", "importance")) == [
        ("Robot learning", 3)
    ]
    assert list(proposal.participations.values_list("role", "status")) == [("lead", "confirmed")]


def test_proposal_create_with_missing_fields_shows_errors_and_creates_nothing(client):
    membership = MembershipFactory()
    client.force_login(membership.person)

    response = client.post(
        reverse("projects:proposal_create"),
        {"title": "", "lead_institution": membership.institution.pk, "duration_months": 0},
    )

    form = response.context["form"]
    assert _template(response) == "projects/proposal_form.html"
    assert form.errors["title"] == ["This field is required."]
    assert form.errors["duration_months"] == ["Ensure this value is greater than or equal to 1."]
    assert Proposal.objects.count() == 0


def test_proposal_create_without_active_affiliation_points_to_affiliations(client):
    person = MembershipFactory(status=MembershipStatus.PENDING).person
    client.force_login(person)

    response = client.get(reverse("projects:proposal_create"))

    assert response["Location"] == reverse("members:my_affiliations")
    assert _messages(response) == ["Proposals are led by researchers with an active affiliation."]


def test_proposal_edit_keeps_a_revision_per_change(client):
    proposal = ProposalFactory(stage=Stage.DEFINE)
    client.force_login(proposal.lead)
    data = {
        "title": proposal.title,
        "summary": "A sharper summary.",
        "focus_area": proposal.focus_area.pk,
        "description": proposal.description,
        "licence": proposal.licence,
        "duration_months": proposal.duration_months,
        "visibility": proposal.visibility,
    }

    client.post(reverse("projects:proposal_edit", args=[proposal.slug]), data)
    client.post(reverse("projects:proposal_edit", args=[proposal.slug]), data)  # no change

    assert list(proposal.revisions.values_list("number", "summary")) == [
        (2, "A sharper summary."),
        (1, proposal.summary),
    ]


# Transitions ----------------------------------------------------------------------------


def test_withdraw_without_comment_is_refused_and_changes_nothing(client):
    proposal = ProposalFactory(stage=Stage.DEFINE)
    client.force_login(proposal.lead)

    response = client.post(
        reverse("projects:proposal_transition", args=[proposal.slug, "withdraw"]),
        {"comment": "  "},
    )

    assert response.context["form"].errors["comment"] == ["Please give a reason."]
    proposal.refresh_from_db()
    assert proposal.stage == Stage.DEFINE
    assert StageTransition.objects.count() == 0


def test_transition_refused_for_another_reason_does_not_blame_the_comment(client, monkeypatch):
    proposal = ProposalFactory(stage=Stage.DEFINE)
    client.force_login(proposal.lead)

    def moved_on(**kwargs):
        # What a second tab that withdrew first makes the service answer.
        raise ProposalMovedOn("The proposal has moved on.")

    monkeypatch.setattr("projects.views.proposals.services.proposal_transition", moved_on)
    response = client.post(
        reverse("projects:proposal_transition", args=[proposal.slug, "withdraw"]),
        {"comment": "We found another home."},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"__all__": ["The proposal has moved on."]}


def test_action_no_longer_on_offer_sends_the_user_back_with_a_message(client):
    proposal = ProposalFactory(stage=Stage.DEFINE)
    client.force_login(proposal.lead)

    response = client.post(reverse("projects:proposal_transition", args=[proposal.slug, "submit"]))

    assert response["Location"] == proposal.get_absolute_url()
    assert _messages(response) == ["That action is not available for this proposal now."]


def test_unknown_action_is_404(client):
    proposal = ProposalFactory(stage=Stage.DEFINE)
    client.force_login(proposal.lead)

    response = client.get(reverse("projects:proposal_transition", args=[proposal.slug, "teleport"]))

    assert response.status_code == 404


def test_forged_to_review_lists_each_failing_rule_once_and_changes_nothing(client):
    robotics = CompetenceFactory(name="Robot learning")
    proposal = ProposalFactory(stage=Stage.DEFINE)
    ProposalCompetenceFactory(proposal=proposal, competence=robotics)
    client.force_login(proposal.lead)

    response = client.post(
        reverse("projects:proposal_transition", args=[proposal.slug, "to_review"])
    )

    page = response.content.decode()
    partners = "At least 1 confirmed partner institution (0 so far)"
    coverage = "Every required competence covered (missing: Robot learning)"
    assert response.context["form"].non_field_errors() == []
    assert [r.detail for r in response.context["blockers"]] == [partners, coverage]
    assert (page.count(partners), page.count(coverage)) == (1, 1)
    assert "Not yet: these 2 consortium rules do not hold." in page
    assert f"?competence={robotics.pk}" in page
    assert '<button type="submit"\n              class=""\n              disabled>' in page
    proposal.refresh_from_db()
    assert (proposal.stage, proposal.transitions.count()) == (Stage.DEFINE, 0)


def test_proposal_page_disables_submit_for_review_while_rules_fail(client):
    robotics = CompetenceFactory(name="Robot learning")
    proposal = ProposalFactory(stage=Stage.DEFINE)
    ProposalCompetenceFactory(proposal=proposal, competence=robotics)
    ParticipationFactory(proposal=proposal, status=ParticipationStatus.ACCEPTED)
    client.force_login(proposal.lead)

    response = client.get(proposal.get_absolute_url())

    page = response.content.decode()
    to_review = reverse("projects:proposal_transition", args=[proposal.slug, "to_review"])
    find = reverse("projects:find_partners", args=[proposal.slug])
    whole = reverse("projects:consortium_builder", args=[proposal.slug])
    partners = "At least 1 confirmed partner institution (0 so far; 1 more awaiting sign-off)"
    assert to_review not in page
    assert 'disabled\n                  aria-describedby="blocked-to_review">' in page
    assert "Waits for 2 consortium rules" in page
    assert page.count(partners) == 1
    assert page.count("Every required competence covered (missing: Robot learning)") == 1
    assert (
        f'<a href="{find}?competence={robotics.pk}">Find partners with Robot learning</a>' in page
    )
    assert f'<a href="{proposal.get_absolute_url()}#consortium">Sign-offs awaited</a>' in page
    assert page.count(f'<a href="{whole}">Whole consortia</a>') == 2


def test_proposal_page_offers_submit_for_review_once_rules_hold(client):
    proposal = ProposalFactory(stage=Stage.DEFINE)
    ParticipationFactory(proposal=proposal)
    client.force_login(proposal.lead)

    response = client.get(proposal.get_absolute_url())

    page = response.content.decode()
    to_review = reverse("projects:proposal_transition", args=[proposal.slug, "to_review"])
    assert f'href="{to_review}">Submit for review</a>' in page
    assert "Waits for" not in page


# Decisions ------------------------------------------------------------------------------


def test_decision_on_a_proposal_that_moved_on_is_refused_with_a_message(client):
    proposal = ProposalFactory(stage=Stage.APPROVED)
    client.force_login(CoordinatorFactory())

    response = client.post(
        reverse("projects:proposal_decide", args=[proposal.slug]),
        {"stage": "review", "outcome": "decline", "reason": "Too late."},
    )

    assert _messages(response) == [
        "The proposal has moved on: it is now in Approved. Reload to see the change."
    ]
    assert Decision.objects.count() == 0


def test_decision_without_reason_shows_the_error_and_changes_nothing(client):
    proposal = ProposalFactory(stage=Stage.REVIEW)
    client.force_login(CoordinatorFactory())

    response = client.post(
        reverse("projects:proposal_decide", args=[proposal.slug]),
        {"stage": "review", "outcome": "approve", "reason": ""},
    )

    assert response.context["form"].errors == {"reason": ["This field is required."]}
    proposal.refresh_from_db()
    assert proposal.stage == Stage.REVIEW


def test_decision_with_a_tampered_stage_shows_that_error_and_changes_nothing(client):
    proposal = ProposalFactory(stage=Stage.REVIEW)
    client.force_login(CoordinatorFactory())

    response = client.post(
        reverse("projects:proposal_decide", args=[proposal.slug]),
        {"stage": "bogus", "outcome": "approve", "reason": "Good."},
    )

    message = "This page is out of date; reload it and try again."
    assert response.status_code == 200
    assert response.context["form"].errors == {"stage": [message]}
    assert message in response.content.decode()
    assert Decision.objects.count() == 0
    proposal.refresh_from_db()
    assert proposal.stage == Stage.REVIEW


# Review ---------------------------------------------------------------------------------


def test_review_missing_scores_shows_errors_and_saves_nothing(client):
    proposal = ProposalFactory(stage=Stage.REVIEW)
    reviewer = MembershipFactory(institution=InstitutionFactory()).person
    review_assign(proposal=proposal, reviewer=reviewer, actor=CoordinatorFactory())
    client.force_login(reviewer)
    openness = Criterion.objects.get(name="Openness")

    response = client.post(
        reverse("projects:review_submit", args=[proposal.slug]),
        {f"score_{openness.pk}": "4", "recommendation": "approve", "comment": "Fine."},
    )

    errors = response.context["form"].errors
    assert sorted(errors) == sorted(
        f"score_{c.pk}" for c in Criterion.objects.exclude(pk=openness.pk)
    )
    assert Review.objects.count() == 0


def test_assigning_a_conflicted_reviewer_shows_the_reason_and_assigns_nobody(client):
    proposal = ProposalFactory(stage=Stage.REVIEW)
    colleague = MembershipFactory(
        institution=proposal.lead_institution, person__display_name="Conflicted Colleague"
    ).person
    client.force_login(CoordinatorFactory())
    url = reverse("projects:reviewer_assign", args=[proposal.slug])

    search = client.get(url, {"q": "Conflicted"}, headers={"HX-Request": "true"})
    response = client.post(url, {"reviewer": colleague.pk})

    assert search.templates[0].name == "candidates"
    assert [(c.person, c.conflict) for c in search.context["candidates"]] == [
        (colleague, f"works at the lead institution ({proposal.lead_institution})")
    ]
    assert response.status_code == 200
    assert response.context["assign_form"].errors == {
        "reviewer": [
            f"Conflicted Colleague cannot review this proposal: works at the lead institution "
            f"({proposal.lead_institution})."
        ]
    }
    assert ReviewAssignment.objects.count() == 0


@pytest.mark.parametrize(
    "reviewer",
    [
        pytest.param("abc", id="text"),
        pytest.param("", id="empty"),
        pytest.param("1.5", id="decimal"),
        pytest.param("2147483647", id="nobody"),
        pytest.param(None, id="missing"),
    ],
)
def test_assigning_a_tampered_reviewer_id_shows_a_form_error_and_assigns_nobody(client, reviewer):
    proposal = ProposalFactory(stage=Stage.REVIEW)
    client.force_login(CoordinatorFactory())

    response = client.post(
        reverse("projects:reviewer_assign", args=[proposal.slug]),
        {} if reviewer is None else {"reviewer": reviewer},
    )

    expected = (
        "Choose a reviewer from the list."
        if reviewer in ("", None)
        else "That reviewer is not in the list of people who can review; choose one from the list."
    )
    assert (response.status_code, response.context["assign_form"].errors) == (
        200,
        {"reviewer": [expected]},
    )
    assert f'<p class="message message--error" role="alert">{expected}</p>' in (
        response.content.decode()
    )
    assert (ReviewAssignment.objects.count(), OutboxEvent.objects.count()) == (0, 0)


def test_lead_never_sees_reviewer_names(client):
    proposal = ProposalFactory(stage=Stage.REVIEW)
    coordinator = CoordinatorFactory()
    reviewer = MembershipFactory(
        institution=InstitutionFactory(), person__display_name="Secret Reviewer"
    ).person
    assignment = review_assign(proposal=proposal, reviewer=reviewer, actor=coordinator)
    review_submit(
        assignment=assignment,
        actor=reviewer,
        scores=dict.fromkeys(Criterion.objects.all(), 4),
        recommendation=Recommendation.REVISE,
        comment="Add an evaluation plan.",
    )
    client.force_login(coordinator)
    client.post(
        reverse("projects:proposal_decide", args=[proposal.slug]),
        {"stage": "review", "outcome": "request_changes", "reason": "See the review."},
    )
    client.force_login(proposal.lead)

    page = client.get(proposal.get_absolute_url()).content.decode()

    assert "Add an evaluation plan." in page
    assert "Secret Reviewer" not in page


def test_withdrawing_a_reviewer_keeps_submitted_reviews(client):
    proposal = ProposalFactory(stage=Stage.REVIEW)
    coordinator = CoordinatorFactory()
    reviewer = MembershipFactory(institution=InstitutionFactory()).person
    assignment = review_assign(proposal=proposal, reviewer=reviewer, actor=coordinator)
    client.force_login(coordinator)

    client.post(reverse("projects:reviewer_withdraw", args=[assignment.pk]))
    again = client.post(reverse("projects:reviewer_withdraw", args=[assignment.pk]))

    assignment.refresh_from_db()
    assert assignment.status == "withdrawn"
    assert again.status_code == 302


# Lists ----------------------------------------------------------------------------------


def test_proposal_list_filters_by_stage_and_answers_htmx_with_the_results(client):
    ProposalFactory(stage=Stage.APPROVED, title="Approved one")
    ProposalFactory(stage=Stage.DRIVE, title="Driven one")

    response = client.get(
        reverse("projects:proposal_list"), {"stage": "drive"}, headers={"HX-Request": "true"}
    )

    assert response.templates[0].name == "results"
    assert [p.title for p in response.context["page_obj"]] == ["Driven one"]


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["page", "htmx"])
@pytest.mark.parametrize(
    ("route", "who"),
    [
        ("projects:proposal_list", "visitor"),
        ("projects:review_queue", "coordinator"),
        ("projects:reviewer_assign", "coordinator"),
        ("projects:find_partners", "lead"),
        ("projects:proposals_for_me", "researcher"),
    ],
)
def test_view_answering_htmx_varies_on_hx_request(client, route, who, headers):
    proposal = ProposalFactory(
        stage=Stage.REVIEW if route == "projects:reviewer_assign" else Stage.DEFINE
    )
    user = {
        "coordinator": CoordinatorFactory,
        "lead": lambda: proposal.lead,
        "researcher": lambda: MembershipFactory().person,
    }.get(who)
    if user is not None:
        client.force_login(user())
    takes_slug = route in ("projects:reviewer_assign", "projects:find_partners")

    response = client.get(
        reverse(route, args=[proposal.slug] if takes_slug else []), {"q": "a"}, headers=headers
    )

    assert response.status_code == 200
    assert has_vary_header(response, "HX-Request")


def test_review_queue_is_for_coordinators_only(client):
    client.force_login(MembershipFactory().person)

    response = client.get(reverse("projects:review_queue"))

    assert response.status_code == 404


def test_review_queue_filters_by_focus_area(client):
    area = FocusAreaFactory(name="Robotics")
    ProposalFactory(stage=Stage.REVIEW, focus_area=area, title="Robots")
    ProposalFactory(stage=Stage.REVIEW, title="Other")
    client.force_login(CoordinatorFactory())

    response = client.get(reverse("projects:review_queue"), {"focus_area": area.pk})

    assert [p.title for p in response.context["page_obj"]] == ["Robots"]


# Drive ----------------------------------------------------------------------------------


def test_milestone_without_due_date_is_refused_with_a_message(client):
    proposal = ProposalFactory(stage=Stage.DRIVE)
    client.force_login(proposal.lead)

    response = client.post(
        reverse("projects:milestone_create", args=[proposal.slug]), {"title": "Release"}
    )

    assert _messages(response) == ["The milestone was not added. Due date: This field is required."]
    assert Milestone.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            "x" * 100_000,
            "Progress update: Ensure this value has at most 20000 characters (it has 100000).",
        ),
        ("Done.\x00", "Progress update: Null characters are not allowed."),
        ("   ", "Progress update: An update needs some text."),
    ],
    ids=["too-long", "nul", "blank"],
)
def test_progress_update_with_bad_text_names_what_is_wrong_and_posts_nothing(client, body, error):
    proposal = ProposalFactory(stage=Stage.DRIVE)
    client.force_login(proposal.lead)

    response = client.post(
        reverse("projects:progress_update_create", args=[proposal.slug]), {"body": body}
    )

    assert (response.status_code, response["Location"]) == (
        302,
        proposal.get_absolute_url() + "#updates",
    )
    assert _messages(response) == [f"The update was not posted. {error}"]
    assert proposal.progress_updates.count() == 0
    assert OutboxEvent.objects.count() == 0


def test_milestone_with_bad_fields_names_each_and_adds_nothing(client):
    proposal = ProposalFactory(stage=Stage.DRIVE)
    client.force_login(proposal.lead)

    response = client.post(
        reverse("projects:milestone_create", args=[proposal.slug]),
        {"title": "x" * 201, "due_date": "soon", "description": "a\x00b"},
    )

    assert response.status_code == 302
    assert _messages(response) == [
        "The milestone was not added. "
        "Title: Ensure this value has at most 200 characters (it has 201). "
        "Due date: Enter a valid date. "
        "Description: Null characters are not allowed."
    ]
    assert Milestone.objects.count() == 0


def test_partner_researcher_posts_progress_in_drive(client):
    proposal = ProposalFactory(stage=Stage.DRIVE)
    partner = ParticipationFactory(proposal=proposal, status=ParticipationStatus.CONFIRMED)
    researcher = MembershipFactory(institution=partner.institution).person
    client.force_login(researcher)

    client.post(
        reverse("projects:progress_update_create", args=[proposal.slug]),
        {"body": "Data pipeline done."},
    )

    assert list(proposal.progress_updates.values_list("author", "body")) == [
        (researcher.pk, "Data pipeline done.")
    ]


# Rules and criteria ---------------------------------------------------------------------


def _rules_data(**overrides):
    criteria = list(Criterion.objects.all())
    data = {
        "rules-min_partner_institutions": 2,
        "rules-max_partner_institutions": 6,
        "rules-min_countries": 2,
        "rules-min_kinds": 1,
        "rules-company_required": "on",
        "rules-require_competence_coverage": "on",
        "criteria-TOTAL_FORMS": len(criteria) + 1,
        "criteria-INITIAL_FORMS": len(criteria),
    }
    for i, c in enumerate(criteria):
        data |= {
            f"criteria-{i}-id": c.pk,
            f"criteria-{i}-name": c.name,
            f"criteria-{i}-description": c.description,
            f"criteria-{i}-weight": c.weight,
            f"criteria-{i}-position": c.position,
            f"criteria-{i}-active": "on",
        }
    return data | overrides


def test_coordinator_sets_rules_and_adds_a_criterion(client):
    client.force_login(CoordinatorFactory())
    n = Criterion.objects.count()

    client.post(
        reverse("projects:alliance_rules"),
        _rules_data(
            **{
                f"criteria-{n}-name": "Sustainability",
                f"criteria-{n}-weight": "0.5",
                f"criteria-{n}-position": "9",
                f"criteria-{n}-active": "on",
            }
        ),
    )

    rules = ConsortiumRules.current()
    assert (rules.min_partner_institutions, rules.min_countries, rules.company_required) == (
        2,
        2,
        True,
    )
    assert Criterion.objects.filter(name="Sustainability").count() == 1


def test_rules_with_minimum_above_maximum_are_refused_and_nothing_changes(client):
    client.force_login(CoordinatorFactory())

    response = client.post(
        reverse("projects:alliance_rules"),
        _rules_data(**{"rules-min_partner_institutions": 9, "rules-max_partner_institutions": 2}),
    )

    assert response.context["rules_form"].errors == {
        "max_partner_institutions": ["The maximum cannot be below the minimum (9)."]
    }
    assert ConsortiumRules.current().min_partner_institutions == 1


def test_rules_page_is_hidden_from_researchers(client):
    client.force_login(MembershipFactory().person)

    assert client.get(reverse("projects:alliance_rules")).status_code == 404


def test_coordinators_manage_vocabulary_criteria_and_rules_in_the_admin(client):
    coordinator = CoordinatorFactory(is_staff=True)
    client.force_login(coordinator)

    pages = {
        name: client.get(reverse(f"admin:{name}_changelist")).status_code
        for name in (
            "members_focusarea",
            "members_competence",
            "members_institution",
            "projects_criterion",
            "projects_consortiumrules",
            "projects_proposal",
        )
    }

    assert pages == {
        "members_focusarea": 200,
        "members_competence": 200,
        "members_institution": 200,
        "projects_criterion": 200,
        "projects_consortiumrules": 200,
        "projects_proposal": 403,
    }
