from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.exceptions import DomainError, NotPermitted
from core.models import OutboxEvent
from members.models import Membership, PersonCompetence
from members.tests.factories import (
    CompetenceFactory,
    CoordinatorFactory,
    InstitutionFactory,
    MembershipFactory,
    PersonCompetenceFactory,
)
from projects import matching
from projects.enums import (
    AssignmentStatus,
    EventKind,
    ParticipationStatus,
    Recommendation,
    Stage,
)
from projects.models import ConsortiumRules, Criterion, ReviewAssignment
from projects.selectors import reviewer_page, reviews_visible_to
from projects.services import (
    alliance_rules_update,
    proposal_decide,
    proposal_update,
    review_aggregate,
    review_assign,
    review_submit,
    review_withdraw_assignment,
    reviewer_conflict,
)
from projects.tests.factories import (
    ParticipationFactory,
    ProposalCompetenceFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal():
    return ProposalFactory(stage=Stage.REVIEW)


@pytest.fixture
def independent():
    return MembershipFactory(institution=InstitutionFactory()).person


def _submit(assignment, reviewer, score=4, recommendation=Recommendation.APPROVE):
    return review_submit(
        assignment=assignment,
        actor=reviewer,
        scores=dict.fromkeys(Criterion.objects.all(), score),
        recommendation=recommendation,
        comment="Clear plan.",
    )


def test_criteria_are_seeded():
    assert list(Criterion.objects.values_list("name", flat=True)) == [
        "Openness",
        "Impact",
        "Feasibility",
        "Consortium strength",
        "Responsible AI",
    ]


def test_conflicts_name_their_reason(proposal):
    colleague = MembershipFactory(institution=proposal.lead_institution).person
    partner = ParticipationFactory(proposal=proposal, status=ParticipationStatus.INVITED)
    partner_person = MembershipFactory(institution=partner.institution).person
    unaffiliated = MembershipFactory(status="ended").person

    assert reviewer_conflict(proposal=proposal, reviewer=proposal.lead) == "leads the proposal"
    assert reviewer_conflict(proposal=proposal, reviewer=colleague) == (
        f"works at the lead institution ({proposal.lead_institution})"
    )
    assert reviewer_conflict(proposal=proposal, reviewer=partner_person) == (
        f"works at a participating institution ({partner.institution})"
    )
    assert (
        reviewer_conflict(proposal=proposal, reviewer=unaffiliated) == "has no active affiliation"
    )


def test_conflicted_reviewer_is_refused_and_nothing_is_assigned(proposal):
    colleague = MembershipFactory(institution=proposal.lead_institution).person

    with pytest.raises(DomainError, match="cannot review this proposal: works at the lead"):
        review_assign(proposal=proposal, reviewer=colleague, actor=CoordinatorFactory())

    assert ReviewAssignment.objects.count() == 0


def test_reviewer_page_offers_active_researchers_by_name_or_address(proposal):
    coordinator = CoordinatorFactory()
    zoe = MembershipFactory(person__display_name="Zoe Lang", person__email="z@uni.example").person
    anna = MembershipFactory(
        person__display_name="Anna Berg", person__email="lang@x.example"
    ).person
    MembershipFactory(person__display_name="Max Lang", status="ended")
    MembershipFactory(person__display_name="Ida Lang", person__is_active=False)
    kept = review_assign(proposal=proposal, reviewer=zoe, actor=coordinator)
    ReviewAssignment.objects.create(
        proposal=proposal, reviewer=anna, assigned_by=coordinator, status=AssignmentStatus.WITHDRAWN
    )

    page = reviewer_page(proposal=proposal, search="lang")

    assert [(c.person, c.assigned) for c in page.candidates] == [(anna, False), (zoe, True)]
    assert page.assignments == [kept]


def test_reviewer_search_says_when_it_lists_only_the_first_matches(proposal):
    for n in range(21):
        MembershipFactory(person__display_name=f"Candidate {n:02}")

    page = reviewer_page(proposal=proposal, search="candidate")

    assert (len(page.candidates), page.more) == (20, True)
    assert page.candidates[-1].person.display_name == "Candidate 19"
    assert reviewer_page(proposal=proposal, search="candidate 2").more is False


@pytest.fixture
def fresh_index():
    """A matching index built from this test's data, and none left behind for the next."""
    matching.reset()
    yield
    matching.reset()


@pytest.fixture
def needs():
    """A proposal in Review that requires robot learning (essential) and safety (useful)."""
    proposal = ProposalFactory(stage=Stage.REVIEW, title="Open robot model")
    robotics = CompetenceFactory(name="Robot learning")
    safety = CompetenceFactory(name="Safety evaluation")
    ProposalCompetenceFactory(proposal=proposal, competence=robotics, importance=3)
    ProposalCompetenceFactory(proposal=proposal, competence=safety, importance=1)
    return proposal, robotics, safety


def _expert(name, levels, institution=None):
    person = MembershipFactory(
        institution=institution or InstitutionFactory(), person__display_name=name
    ).person
    for competence, level in levels.items():
        PersonCompetenceFactory(person=person, competence=competence, level=level)
    return person


def test_reviewer_suggestions_rank_by_required_competences_without_conflicts(needs, fresh_index):
    proposal, robotics, safety = needs
    coordinator = CoordinatorFactory()
    partner = ParticipationFactory(proposal=proposal, status=ParticipationStatus.INVITED)
    _expert("Robot Leader", {robotics: 3})
    _expert("Safety Leader", {safety: 3})
    _expert("Both Basic", {robotics: 1, safety: 1})
    _expert("No Match", {CompetenceFactory(name="Chip design"): 3})
    _expert("Lead Colleague", {robotics: 3}, institution=proposal.lead_institution)
    _expert("Invited Partner", {robotics: 3}, institution=partner.institution)
    PersonCompetenceFactory(person=proposal.lead, competence=robotics, level=3)
    busy = _expert("Busy Expert", {robotics: 2, safety: 2})
    for stage, status in [
        (Stage.REVIEW, AssignmentStatus.ASSIGNED),
        (Stage.REVIEW, AssignmentStatus.ASSIGNED),
        (Stage.REVIEW, AssignmentStatus.SUBMITTED),
        (Stage.REVIEW, AssignmentStatus.WITHDRAWN),
        (Stage.APPROVED, AssignmentStatus.ASSIGNED),
    ]:
        ReviewAssignment.objects.create(
            # On another topic: the lead of a public proposal like this one would be suggested
            # for its text (test_reviewer_suggestions_add_people_close_in_meaning).
            proposal=ProposalFactory(
                stage=stage, title="Chronicles", summary="Medieval chronicles and manuscripts."
            ),
            reviewer=busy,
            assigned_by=coordinator,
            status=status,
        )
    ReviewAssignment.objects.create(proposal=proposal, reviewer=busy, assigned_by=coordinator)

    page = reviewer_page(proposal=proposal, search="")

    assert [
        (
            str(c.person),
            [(str(held.competence), held.level) for held in c.competences],
            c.open_reviews,
            c.assigned,
        )
        for c in page.candidates
    ] == [
        ("Robot Leader", [("Robot learning", 3)], 0, False),
        ("Busy Expert", [("Robot learning", 2), ("Safety evaluation", 2)], 3, True),
        ("Both Basic", [("Robot learning", 1), ("Safety evaluation", 1)], 0, False),
        ("Safety Leader", [("Safety evaluation", 3)], 0, False),
    ]


def _writer(name, bio, levels=None, institution=None):
    person = _expert(name, levels or {}, institution=institution)
    person.bio = bio
    person.save(update_fields=["bio"])
    return person


@pytest.fixture
def grasping():
    """A proposal in Review on robot grasping, written in other words than the experts'."""
    proposal = ProposalFactory(
        stage=Stage.REVIEW,
        title="Dexterous manipulation using touch sensors",
        summary="Deciding how mechanical fingers should hold an item, and noticing when a "
        "held thing starts sliding.",
        description="",
    )
    return proposal


def test_reviewer_suggestions_order_equal_coverage_by_meaning_not_a_stray_word(
    grasping, fresh_index
):
    """Equal coverage goes to the closer text; a shared incidental word ("set") is no
    closeness at all, so it does not put its writer ahead."""
    robotics = CompetenceFactory(name="Robot learning")
    ProposalCompetenceFactory(proposal=grasping, competence=robotics, importance=3)
    grasping.description = "We set up a lab with robot hands."
    grasping.save(update_fields=["description"])
    # As in any alliance, a word like "set" is common in profiles.
    for n, field in enumerate(["chip design", "compilers", "databases", "law", "biology"]):
        _writer(f"Other {n}", f"I maintain a test set for {field}.")
    silent = _writer("Silent Expert", "", {robotics: 2})
    stray = _writer("Stray Word", "I curate a test set of medieval chronicles.", {robotics: 2})
    close = _writer(
        "Close Expert", "Robot grasping with tactile sensing and slip detection.", {robotics: 2}
    )

    page = reviewer_page(proposal=grasping, search="")

    assert [c.person for c in page.candidates] == [close, silent, stray]
    assert [c.close_in_meaning for c in page.candidates] == [False, False, False]


def test_reviewer_suggestions_add_people_close_in_meaning_below_coverage(grasping, fresh_index):
    robotics = CompetenceFactory(name="Robot learning")
    ProposalCompetenceFactory(proposal=grasping, competence=robotics, importance=3)
    covering = _writer("Covering", "I build compilers.", {robotics: 1})
    close = _writer(
        "Close Writer", "Robot grasping with tactile sensing and slip detection in the gripper."
    )
    _writer("Far Writer", "Medieval chronicles and manuscripts.")
    _writer(
        "Close Colleague",
        "Robot grasping with tactile sensing and slip detection in the gripper.",
        institution=grasping.lead_institution,
    )

    page = reviewer_page(proposal=grasping, search="")

    assert [(c.person, c.close_in_meaning, c.competences) for c in page.candidates] == [
        (covering, False, list(covering.competences.all())),
        (close, True, []),
    ]


def test_reviewer_suggestions_without_required_competences_go_by_meaning(
    grasping, fresh_index, client
):
    close = _writer(
        "Close Writer", "Robot grasping with tactile sensing and slip detection in the gripper."
    )
    _writer("Far Writer", "Medieval chronicles and manuscripts.")
    coordinator = CoordinatorFactory()
    client.force_login(coordinator)

    response = client.get(reverse("projects:reviewer_assign", args=[grasping.slug]))

    assert [c.person for c in response.context["candidates"]] == [close]
    assert "Their profile is close in meaning to the proposal." in response.content.decode()


def test_reviewer_suggestions_leave_out_what_the_index_does_not_know_yet(needs, fresh_index):
    proposal, robotics, safety = needs
    expert = _expert("Robot Leader", {robotics: 3})
    former = MembershipFactory(person=expert, institution=proposal.lead_institution, status="ended")
    unlearned = _expert("Safety Leader", {safety: 3})
    assert [c.person for c in reviewer_page(proposal=proposal, search="").candidates] == [
        expert,
        unlearned,
    ]
    # Changed in place, which the index's fingerprint misses: back at the lead institution,
    # and a competence dropped from a profile.
    Membership.objects.filter(pk=former.pk).update(status="active")
    PersonCompetence.objects.filter(person=unlearned).delete()

    page = reviewer_page(proposal=proposal, search="")

    assert page.candidates == []


def test_reviewer_suggestions_are_empty_without_required_competences(proposal, fresh_index):
    _expert("Robot Leader", {CompetenceFactory(name="Robot learning"): 3})

    assert reviewer_page(proposal=proposal, search="").candidates == []


def test_only_coordinators_assign_and_only_in_review(independent):
    in_define = ProposalFactory(stage=Stage.DEFINE)
    in_review = ProposalFactory(stage=Stage.REVIEW)

    with pytest.raises(NotPermitted):
        review_assign(proposal=in_review, reviewer=independent, actor=in_review.lead)
    with pytest.raises(DomainError, match="while the proposal is in Review"):
        review_assign(proposal=in_define, reviewer=independent, actor=CoordinatorFactory())
    assert ReviewAssignment.objects.count() == 0


def test_same_reviewer_twice_is_refused(proposal, independent):
    coordinator = CoordinatorFactory()
    review_assign(proposal=proposal, reviewer=independent, actor=coordinator)

    with pytest.raises(DomainError, match="already a reviewer"):
        review_assign(proposal=proposal, reviewer=independent, actor=coordinator)


def test_review_needs_every_criterion_and_a_comment(proposal, independent):
    assignment = review_assign(proposal=proposal, reviewer=independent, actor=CoordinatorFactory())
    criteria = list(Criterion.objects.all())

    with pytest.raises(DomainError, match="missing: Responsible AI"):
        review_submit(
            assignment=assignment,
            actor=independent,
            scores=dict.fromkeys(criteria[:-1], 3),
            recommendation=Recommendation.REVISE,
            comment="x",
        )
    with pytest.raises(DomainError, match="Scores run from 1 to 5"):
        review_submit(
            assignment=assignment,
            actor=independent,
            scores=dict.fromkeys(criteria, 6),
            recommendation=Recommendation.REVISE,
            comment="x",
        )
    with pytest.raises(DomainError, match="explain your recommendation"):
        review_submit(
            assignment=assignment,
            actor=independent,
            scores=dict.fromkeys(criteria, 3),
            recommendation=Recommendation.REVISE,
            comment="  ",
        )
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED


def test_someone_else_cannot_submit_the_review(proposal, independent):
    assignment = review_assign(proposal=proposal, reviewer=independent, actor=CoordinatorFactory())

    with pytest.raises(NotPermitted):
        _submit(assignment, proposal.lead)


def test_reviewer_sees_other_reviews_only_after_submitting_own(proposal):
    coordinator = CoordinatorFactory()
    first, second = (MembershipFactory(institution=InstitutionFactory()).person for _ in range(2))
    a1 = review_assign(proposal=proposal, reviewer=first, actor=coordinator)
    a2 = review_assign(proposal=proposal, reviewer=second, actor=coordinator)
    _submit(a1, first)

    before = reviews_visible_to(proposal=proposal, user=second)
    _submit(a2, second, score=2)
    after = reviews_visible_to(proposal=proposal, user=second)

    assert (before.reviews, before.hidden_until_own) == ([], True)
    assert (len(after.reviews), after.show_names, after.own.assignment) == (2, False, a2)


def test_lead_reads_reviews_after_the_decision_without_names(proposal, independent):
    coordinator = CoordinatorFactory()
    assignment = review_assign(proposal=proposal, reviewer=independent, actor=coordinator)
    _submit(assignment, independent)

    during = reviews_visible_to(proposal=proposal, user=proposal.lead)
    proposal_decide(proposal=proposal, actor=coordinator, outcome="request_changes", reason="More.")
    proposal.refresh_from_db()
    after = reviews_visible_to(proposal=proposal, user=proposal.lead)

    assert during.reviews == []
    assert (len(after.reviews), after.show_names) == (1, False)


def test_coordinators_see_every_review_with_names(proposal, independent):
    coordinator = CoordinatorFactory()
    assignment = review_assign(proposal=proposal, reviewer=independent, actor=coordinator)
    _submit(assignment, independent)

    visible = reviews_visible_to(proposal=proposal, user=coordinator)

    assert (len(visible.reviews), visible.show_names) == (1, True)


def test_aggregate_weights_criteria(proposal):
    coordinator = CoordinatorFactory()
    Criterion.objects.filter(name="Openness").update(weight=Decimal("3"))
    reviewers = [MembershipFactory(institution=InstitutionFactory()).person for _ in range(3)]
    for reviewer, openness, others in zip(reviewers, [5, 3, 1], [1, 3, 5], strict=True):
        assignment = review_assign(proposal=proposal, reviewer=reviewer, actor=coordinator)
        review_submit(
            assignment=assignment,
            actor=reviewer,
            scores={
                c: openness if c.name == "Openness" else others for c in Criterion.objects.all()
            },
            recommendation=Recommendation.APPROVE,
            comment="ok",
        )
    reviews = reviews_visible_to(proposal=proposal, user=coordinator).reviews

    aggregate = review_aggregate(reviews=reviews)

    # Weighted means: (3*5 + 4*1)/7 = 2.71, 3.0, (3*1 + 4*5)/7 = 3.29
    assert (aggregate.count, aggregate.mean, aggregate.median, aggregate.spread) == (
        3,
        3.0,
        3.0,
        0.23,
    )
    assert aggregate.recommendations == {"approve": 3, "revise": 0, "decline": 0}


def test_reviewer_sees_what_changed_since_their_review():
    from projects.selectors import revision_diff

    proposal = ProposalFactory(stage=Stage.REVIEW, summary="Train a model.")
    coordinator = CoordinatorFactory()
    reviewer = MembershipFactory(institution=InstitutionFactory()).person
    assignment = review_assign(proposal=proposal, reviewer=reviewer, actor=coordinator)
    review = _submit(assignment, reviewer)
    proposal_decide(proposal=proposal, actor=coordinator, outcome="request_changes", reason="x")
    proposal.refresh_from_db()

    proposal_update(proposal=proposal, actor=proposal.lead, summary="Train an open model.")

    old, new = (proposal.revisions.get(number=n) for n in (review.revision_number, 2))
    changed = {d.name: str(d.html) for d in revision_diff(old=old, new=new) if d.changed}
    assert changed == {"summary": "Train <del>a</del> <ins>an open</ins> model."}


RULES = {
    "min_partner_institutions": 2,
    "max_partner_institutions": 6,
    "min_countries": 2,
    "min_kinds": 1,
    "company_required": True,
    "require_competence_coverage": True,
}


def _criterion(name: str) -> dict:
    return {"name": name, "description": "", "weight": Decimal(1), "position": 9, "active": True}


def test_alliance_rules_update_saves_rules_and_criteria_together():
    openness = Criterion.objects.get(name="Openness")

    alliance_rules_update(
        actor=CoordinatorFactory(),
        rules=RULES,
        criteria=[(openness, _criterion("Open outputs")), (None, _criterion("Sustainability"))],
    )

    rules = ConsortiumRules.current()
    assert (rules.min_partner_institutions, rules.company_required) == (2, True)
    assert set(Criterion.objects.filter(position=9).values_list("name", flat=True)) == {
        "Open outputs",
        "Sustainability",
    }


def test_alliance_rules_update_refused_criterion_keeps_the_old_rules():
    with pytest.raises(ValidationError):
        alliance_rules_update(
            actor=CoordinatorFactory(), rules=RULES, criteria=[(None, _criterion("Impact"))]
        )

    assert ConsortiumRules.current().min_partner_institutions == 1
    assert Criterion.objects.filter(name="Impact").count() == 1


def test_alliance_rules_update_by_a_researcher_is_refused(independent):
    with pytest.raises(NotPermitted):
        alliance_rules_update(actor=independent, rules=RULES, criteria=[])

    assert ConsortiumRules.current().min_partner_institutions == 1


# Due dates ------------------------------------------------------------------------------

ASSIGNED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_review_is_due_the_configured_days_after_assignment(proposal, independent, settings):
    settings.REVIEW_DUE_DAYS = 10

    with time_machine.travel(ASSIGNED_AT, tick=False):
        assignment = review_assign(
            proposal=proposal, reviewer=independent, actor=CoordinatorFactory()
        )

    assert assignment.due_at == datetime(2026, 3, 12, 9, 30, tzinfo=UTC)
    assert OutboxEvent.objects.about(proposal).get(kind=EventKind.REVIEW_ASSIGNED).payload == {
        "reviewer_id": independent.pk,
        "due_at": "2026-03-12T09:30:00+00:00",
    }


def test_coordinator_may_choose_the_due_date_but_not_a_past_one(proposal, independent):
    coordinator = CoordinatorFactory()

    with time_machine.travel(ASSIGNED_AT, tick=False):
        with pytest.raises(DomainError, match="Choose a due date in the future"):
            review_assign(
                proposal=proposal,
                reviewer=independent,
                actor=coordinator,
                due_at=ASSIGNED_AT - timedelta(days=1),
            )
        assignment = review_assign(
            proposal=proposal,
            reviewer=independent,
            actor=coordinator,
            due_at=ASSIGNED_AT + timedelta(days=3),
        )

    assert assignment.due_at == datetime(2026, 3, 5, 9, 30, tzinfo=UTC)


def test_reviewer_assigned_again_gets_a_new_due_date(proposal, independent):
    coordinator = CoordinatorFactory()
    with time_machine.travel(ASSIGNED_AT, tick=False):
        first = review_assign(proposal=proposal, reviewer=independent, actor=coordinator)
        review_withdraw_assignment(assignment=first, actor=coordinator)

    with time_machine.travel(ASSIGNED_AT + timedelta(days=20), tick=False):
        again = review_assign(proposal=proposal, reviewer=independent, actor=coordinator)
        overdue = again.is_overdue

    assert (again.pk, again.due_at, overdue) == (
        first.pk,
        datetime(2026, 4, 5, 9, 30, tzinfo=UTC),
        False,
    )


def test_open_review_is_overdue_from_its_due_date_and_a_submitted_one_never(proposal, independent):
    with time_machine.travel(ASSIGNED_AT, tick=False):
        assignment = review_assign(
            proposal=proposal, reviewer=independent, actor=CoordinatorFactory()
        )

    with time_machine.travel(assignment.due_at - timedelta(seconds=1), tick=False):
        before = assignment.is_overdue
    with time_machine.travel(assignment.due_at, tick=False):
        at_due = assignment.is_overdue
        _submit(assignment, independent)
        assignment.refresh_from_db()
        submitted = assignment.is_overdue

    assert (before, at_due, submitted) == (False, True, False)


def test_reviewer_inbox_shows_due_dates_and_marks_overdue_reviews(client, independent):
    coordinator = CoordinatorFactory()
    late, on_time = ProposalFactory(stage=Stage.REVIEW), ProposalFactory(stage=Stage.REVIEW)
    with time_machine.travel(ASSIGNED_AT, tick=False):
        review_assign(proposal=late, reviewer=independent, actor=coordinator)
    with time_machine.travel(ASSIGNED_AT + timedelta(days=10), tick=False):
        review_assign(proposal=on_time, reviewer=independent, actor=coordinator)
    client.force_login(independent)

    with time_machine.travel(ASSIGNED_AT + timedelta(days=15), tick=False):
        response = client.get(reverse("projects:reviewer_inbox"))

    assert [a.proposal for a in response.context["assignments"]] == [late, on_time]
    assert response.text.count('<span class="badge badge--danger">Overdue</span>') == 1
    assert '<time datetime="2026-03-16T09:30:00+00:00">16 Mar 2026</time>' in response.text
    assert '<time datetime="2026-03-26T09:30:00+00:00">26 Mar 2026</time>' in response.text
