"""Every projects list page issues the same number of queries for 1 row as for 50.

The counts are exact so that a change in either direction is noticed. Every page here
costs the session, the user and the coordinator check (the site menu asks it, and some
views too); each docstring names the rest and gives the total.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.enums import MembershipRole
from members.tests.factories import (
    CompetenceFactory,
    CoordinatorFactory,
    InstitutionCompetenceFactory,
    InstitutionFactory,
    MembershipFactory,
    PersonCompetenceFactory,
)
from projects import matching
from projects.enums import AssignmentStatus, ParticipationStatus, Stage
from projects.models import Criterion, ReviewAssignment, Revision
from projects.tests.factories import (
    ParticipationFactory,
    ProposalCompetenceFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db

ROWS = [1, 50]


@pytest.fixture
def lead():
    """One lead for every proposal a test makes, so that rows cost few inserts."""
    return MembershipFactory()


def _proposals(lead, n: int, **kwargs) -> list:
    return [
        ProposalFactory(lead=lead.person, lead_institution=lead.institution, **kwargs)
        for _ in range(n)
    ]


@pytest.mark.parametrize("rows", ROWS)
def test_pipeline_queries(client, django_assert_num_queries, lead, rows):
    """Each column's count and its top proposals with their institution (5)."""
    stages = [Stage.DEFINE, Stage.REVIEW, Stage.CHANGES_REQUESTED, Stage.APPROVED, Stage.DRIVE]
    for n in range(rows):
        _proposals(lead, 1, stage=stages[n % len(stages)])
    client.force_login(CoordinatorFactory())

    with django_assert_num_queries(5):
        response = client.get(reverse("projects:pipeline"))

    assert sum(len(column.proposals) for column in response.context["columns"]) == rows
    assert sum(column.count for column in response.context["columns"]) == rows


@pytest.mark.parametrize("rows", ROWS)
def test_reviewer_inbox_queries(client, django_assert_num_queries, lead, rows):
    """The assignments with their proposal, its lead institution and focus area (4)."""
    coordinator = CoordinatorFactory()
    reviewer = MembershipFactory(institution=InstitutionFactory()).person
    for n, proposal in enumerate(_proposals(lead, rows, stage=Stage.REVIEW)):
        ReviewAssignment.objects.create(
            proposal=proposal,
            reviewer=reviewer,
            assigned_by=coordinator,
            status=AssignmentStatus.SUBMITTED if n % 2 else AssignmentStatus.ASSIGNED,
        )
    client.force_login(reviewer)

    with django_assert_num_queries(4):
        response = client.get(reverse("projects:reviewer_inbox"))

    assert len(response.context["assignments"]) == rows


@pytest.mark.parametrize("rows", ROWS)
def test_partnering_inbox_queries(client, django_assert_num_queries, lead, rows):
    """Invitations, requests, sent items with what a row shows, and the user's affiliations (7)."""
    home = InstitutionFactory()
    membership = MembershipFactory(institution=home, role=MembershipRole.REPRESENTATIVE)
    user = membership.person
    own = _proposals(membership, rows, stage=Stage.DEFINE)
    for proposal in _proposals(lead, rows, stage=Stage.DEFINE):
        ParticipationFactory(
            proposal=proposal, institution=home, person=None, status=ParticipationStatus.INVITED
        )
    requester = MembershipFactory().person
    for proposal in own:
        ParticipationFactory(
            proposal=proposal, person=requester, status=ParticipationStatus.REQUESTED
        )
        ParticipationFactory(proposal=proposal, status=ParticipationStatus.INVITED)
    client.force_login(user)

    with django_assert_num_queries(7):
        response = client.get(reverse("projects:partnering_inbox"))

    inbox = response.context["inbox"]
    assert (len(inbox.invitations), len(inbox.requests), len(inbox.sent)) == (rows, rows, rows)


@pytest.mark.parametrize("rows", ROWS)
def test_signoffs_queries(client, django_assert_num_queries, lead, rows):
    """Accepted participations of the represented institutions, and the user's affiliations (5)."""
    home = InstitutionFactory()
    representative = MembershipFactory(institution=home, role=MembershipRole.REPRESENTATIVE)
    researcher = MembershipFactory(institution=home).person
    for proposal in _proposals(lead, rows, stage=Stage.DEFINE):
        ParticipationFactory(
            proposal=proposal,
            institution=home,
            person=researcher,
            status=ParticipationStatus.ACCEPTED,
        )
    client.force_login(representative.person)

    with django_assert_num_queries(5):
        response = client.get(reverse("projects:signoffs"))

    assert len(response.context["pending"]) == rows


@pytest.fixture
def fresh_index():
    """A matching index built from this test's data, and none left behind for the next."""
    matching.reset()
    yield
    matching.reset()


@pytest.mark.parametrize("rows", ROWS)
def test_proposals_for_me_queries(client, django_assert_num_queries, lead, fresh_index, rows):
    """Affiliations, the index's fingerprint, needs and rows for person and institution (11)."""
    robotics = CompetenceFactory(name="Robot learning")
    home = InstitutionFactory()
    person = MembershipFactory(institution=home, role=MembershipRole.REPRESENTATIVE).person
    PersonCompetenceFactory(person=person, competence=robotics, level=3)
    for proposal in _proposals(lead, rows, stage=Stage.DEFINE):
        ProposalCompetenceFactory(proposal=proposal, competence=robotics, importance=3)
    client.force_login(person)
    client.get(reverse("projects:proposals_for_me"))  # builds the index

    with django_assert_num_queries(11):
        response = client.get(reverse("projects:proposals_for_me"))

    assert len(response.context["for_me"]) == min(rows, 8)


def _candidates(proposal, n: int) -> None:
    """A required competence for the proposal and n institutions with a researcher who has it."""
    robotics = CompetenceFactory(name="Robot learning")
    ProposalCompetenceFactory(proposal=proposal, competence=robotics, importance=3)
    for k in range(n):
        institution = InstitutionFactory(country=["DE", "FR", "IT"][k % 3])
        InstitutionCompetenceFactory(institution=institution, competence=robotics, level=3)
        person = MembershipFactory(institution=institution, person__bio="Robot learning.").person
        PersonCompetenceFactory(person=person, competence=robotics, level=2)


@pytest.mark.parametrize("rows", ROWS)
def test_find_partners_queries(client, django_assert_num_queries, fresh_index, rows):
    """The proposal, the index's fingerprint, then people and institutions (16).

    The proposal's needs, its consortium, every institution's status and load are read once
    (four queries) for both people and institutions, which then load their rows.
    """
    proposal = ProposalFactory(stage=Stage.DEFINE)
    _candidates(proposal, rows)
    client.force_login(proposal.lead)
    url = reverse("projects:find_partners", args=[proposal.slug])
    client.get(url)  # builds the index

    with django_assert_num_queries(16):
        response = client.get(url)

    assert (len(response.context["people"]), len(response.context["institutions"])) == (
        min(rows, 20),
        min(rows, 10),
    )


@pytest.mark.parametrize("rows", ROWS)
def test_consortium_builder_queries(client, django_assert_num_queries, fresh_index, rows):
    """The proposal, the index's fingerprint, needs, consortium, status, load, options (14).

    The consortium rules are read once for the solver and the page; the participations
    still in play, once for every option's rows.
    """
    proposal = ProposalFactory(stage=Stage.DEFINE)
    _candidates(proposal, rows)
    client.force_login(proposal.lead)
    url = reverse("projects:consortium_builder", args=[proposal.slug])
    client.get(url)  # builds the index

    with django_assert_num_queries(14):
        response = client.get(url)

    assert response.context["result"].blocking_rule is None
    assert len(response.context["choices"][0].members) >= 2


@pytest.mark.parametrize("rows", ROWS)
def test_revision_list_queries(client, django_assert_num_queries, rows):
    """The proposal as the user may see it, its revisions with their authors (5)."""
    proposal = ProposalFactory(stage=Stage.DEFINE)
    Revision.objects.bulk_create(
        Revision(
            proposal=proposal,
            number=number,
            title=proposal.title,
            summary=f"Summary {number}",
            description=proposal.description,
            author=proposal.lead,
        )
        for number in range(2, rows + 1)
    )
    client.force_login(proposal.lead)

    with django_assert_num_queries(5):
        response = client.get(reverse("projects:revision_list", args=[proposal.slug]))

    assert len(response.context["revisions"]) == rows


@pytest.mark.parametrize("rows", ROWS)
def test_alliance_rules_queries(client, django_assert_num_queries, rows):
    """The consortium rules, the criteria (5)."""
    Criterion.objects.all().delete()
    Criterion.objects.bulk_create(Criterion(name=f"Criterion {n}", position=n) for n in range(rows))
    client.force_login(CoordinatorFactory())

    with django_assert_num_queries(5):
        response = client.get(reverse("projects:alliance_rules"))

    assert len(response.context["criteria_formset"].forms) == rows + 1


@pytest.mark.parametrize("rows", ROWS)
def test_reviewer_assign_queries(client, django_assert_num_queries, fresh_index, rows):
    """The proposal, its conflicts, required competences, assigned reviewers and the index's
    fingerprint (9).

    A proposal that requires no competence is ranked by its text alone; nobody here writes
    anything close to it.
    """
    proposal = ProposalFactory(stage=Stage.REVIEW)
    coordinator = CoordinatorFactory()
    ReviewAssignment.objects.bulk_create(
        ReviewAssignment(
            proposal=proposal,
            reviewer=MembershipFactory(institution=InstitutionFactory()).person,
            assigned_by=coordinator,
        )
        for _ in range(rows)
    )
    client.force_login(coordinator)
    url = reverse("projects:reviewer_assign", args=[proposal.slug])
    client.get(url)  # builds the index

    with django_assert_num_queries(9):
        response = client.get(url)

    assert len(response.context["assignments"]) == rows
    assert response.context["candidates"] == []


@pytest.mark.parametrize("rows", ROWS)
def test_reviewer_suggestions_queries(client, django_assert_num_queries, fresh_index, rows):
    """The proposal, its conflicts, required competences, assigned reviewers, the index's
    fingerprint, then the suggested people with their load, affiliations and competences (12).
    """
    proposal = ProposalFactory(stage=Stage.REVIEW)
    _candidates(proposal, rows)
    coordinator = CoordinatorFactory()
    client.force_login(coordinator)
    url = reverse("projects:reviewer_assign", args=[proposal.slug])
    client.get(url)  # builds the index

    with django_assert_num_queries(12):
        response = client.get(url)

    assert len(response.context["candidates"]) == min(rows, 10)


@pytest.mark.parametrize("rows", [1, 20])
def test_reviewer_search_queries(client, django_assert_num_queries, rows):
    """The proposal, its conflicts, required competences, assigned reviewers, then the people
    found (at most 20) with their load, their affiliations and competences (10)."""
    proposal = ProposalFactory(stage=Stage.REVIEW)
    robotics = CompetenceFactory(name="Robot learning")
    ProposalCompetenceFactory(proposal=proposal, competence=robotics, importance=3)
    for n in range(rows):
        person = MembershipFactory(
            institution=InstitutionFactory(), person__display_name=f"Candidate {n}"
        ).person
        PersonCompetenceFactory(person=person, competence=robotics, level=2)
    client.force_login(CoordinatorFactory())

    with django_assert_num_queries(10):
        response = client.get(
            reverse("projects:reviewer_assign", args=[proposal.slug]), {"q": "Candidate"}
        )

    assert [len(c.competences) for c in response.context["candidates"]] == [1] * rows
