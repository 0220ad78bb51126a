"""The dashboard: what waits for the person first, then their place in the alliance."""

import pytest
from django.urls import reverse

from members.enums import MembershipSource, MembershipStatus
from members.tests.factories import (
    CoordinatorFactory,
    InstitutionFactory,
    MembershipFactory,
    RepresentativeFactory,
)
from notifications.selectors import PANEL_SIZE
from projects.enums import AssignmentStatus, ParticipationStatus, Stage
from projects.tests.factories import (
    ParticipationFactory,
    ProposalFactory,
    ReviewAssignmentFactory,
)

pytestmark = pytest.mark.django_db

DASHBOARD_URL = "/dashboard/"


@pytest.fixture
def pending(institution):
    return MembershipFactory(
        institution=institution,
        status=MembershipStatus.PENDING,
        source=MembershipSource.REQUEST,
        message="I run the robotics lab.",
        person__display_name="Lena Maier",
    )


def test_dashboard_keeps_its_address():
    assert reverse("dashboard") == DASHBOARD_URL


def test_dashboard_requires_login(client):
    response = client.get(DASHBOARD_URL)

    assert response.url == f"{reverse('account_login')}?next={DASHBOARD_URL}"


def test_dashboard_shows_researchers_affiliations(client, institution, researcher):
    client.force_login(researcher)

    response = client.get(DASHBOARD_URL)

    dashboard = response.context["dashboard"]
    assert response.templates[0].name == "dashboard.html"
    assert dashboard.open_memberships == [researcher.memberships.get()]
    assert dashboard.represented == []
    assert "Technical University of Munich" in response.text
    assert reverse("members:representative_inbox") not in response.text


def test_dashboard_prompts_person_without_affiliation_to_request_one(client, institution):
    ended = MembershipFactory(institution=institution, status=MembershipStatus.ENDED)
    client.force_login(ended.person)

    response = client.get(DASHBOARD_URL)

    assert response.context["dashboard"].open_memberships == []
    assert "You are not affiliated with an institution yet." in response.text
    assert f'href="{reverse("members:my_affiliations")}">Request an affiliation' in response.text


def test_dashboard_counts_pending_affiliations_for_representative(
    client, institution, representative, pending
):
    MembershipFactory(institution=InstitutionFactory(), status=MembershipStatus.PENDING)
    client.force_login(representative)

    response = client.get(DASHBOARD_URL)

    dashboard = response.context["dashboard"]
    assert (dashboard.represented, dashboard.pending_to_review) == ([institution], 1)
    assert reverse("members:representative_inbox") in response.text
    assert f'href="{reverse("members:institution_people", args=["tum"])}"' in response.text


def test_dashboard_links_coordinator_to_institution_create(client, coordinator, pending):
    client.force_login(coordinator)

    response = client.get(DASHBOARD_URL)

    assert response.context["dashboard"].pending_to_review == 1
    assert reverse("members:institution_create") in response.text


# Waiting for you ------------------------------------------------------------------------


def test_waiting_for_you_is_the_first_panel_with_its_count(
    client, institution, representative, pending
):
    client.force_login(representative)

    response = client.get(DASHBOARD_URL)

    html = response.text
    row_url = f"{reverse('members:institution_people', args=['tum'])}#membership-{pending.pk}"
    assert response.context["actions"].count == 1
    assert html.index('id="open-actions-heading"') < html.index('id="affiliations-heading"')
    assert html.index('id="open-actions-heading"') < html.index('id="matches-heading"')
    assert (
        '<span class="open-actions__count">1</span>\n    <span class="visually-hidden">open action</span>'
        in html
    )
    assert f'<a class="button button--small" href="{row_url}">Decide' in html
    assert f'<a href="{pending.person.get_absolute_url()}">Lena Maier</a>' in html


def test_waiting_for_you_says_so_when_nothing_waits(client, researcher):
    client.force_login(researcher)

    response = client.get(DASHBOARD_URL)

    assert response.context["actions"].items == []
    assert (
        '<span class="open-actions__count open-actions__count--zero">0</span>\n    <span class="visually-hidden">open actions</span>'
        in response.text
    )
    assert "Nothing is waiting for you." in response.text


def test_waiting_for_you_folds_what_does_not_fit(client, institution, representative):
    for _ in range(PANEL_SIZE + 2):
        MembershipFactory(institution=institution, status=MembershipStatus.PENDING)
    client.force_login(representative)

    response = client.get(DASHBOARD_URL)

    actions = response.context["actions"]
    assert (actions.count, len(actions.shown), len(actions.more)) == (PANEL_SIZE + 2, PANEL_SIZE, 2)
    assert response.text.count('class="item open-action"') == PANEL_SIZE + 2
    assert "Show 2 more" in response.text


def test_waiting_for_you_marks_an_overdue_review(client, institution, researcher):
    ReviewAssignmentFactory(reviewer=researcher, due_at="2020-01-02T00:00:00Z")
    client.force_login(researcher)

    response = client.get(DASHBOARD_URL)

    assert '<time datetime="2020-01-02T00:00:00+00:00">2 Jan 2020</time>' in response.text
    assert response.text.count('<span class="badge badge--danger">Overdue</span>') == 1


# Queries --------------------------------------------------------------------------------

ROWS = [1, 30]


def _fill_every_action(person, institution, rows: int) -> None:
    """``rows`` items of each action a representative who leads and reviews can have."""
    for _ in range(rows):
        ParticipationFactory(
            proposal=ProposalFactory(stage=Stage.DEFINE),
            institution=institution,
            status=ParticipationStatus.INVITED,
        )
        ParticipationFactory(
            proposal=ProposalFactory(stage=Stage.DEFINE),
            institution=institution,
            person=MembershipFactory(institution=institution).person,
            status=ParticipationStatus.ACCEPTED,
        )
        ParticipationFactory(
            proposal=ProposalFactory(stage=Stage.DEFINE, lead=person, lead_institution=institution),
            person=MembershipFactory().person,
            status=ParticipationStatus.REQUESTED,
        )
        MembershipFactory(institution=institution, status=MembershipStatus.PENDING)
        ReviewAssignmentFactory(reviewer=person)
        ProposalFactory(stage=Stage.CHANGES_REQUESTED, lead=person, lead_institution=institution)


@pytest.mark.parametrize("rows", ROWS)
def test_dashboard_queries(client, django_assert_num_queries, rows):
    """Session, user; coordinator check, participations, affiliations, reviews, returned
    proposals (Waiting for you); memberships, pending count (the person's affiliations)."""
    membership = RepresentativeFactory()
    _fill_every_action(membership.person, membership.institution, rows)
    client.force_login(membership.person)

    with django_assert_num_queries(9):
        response = client.get(DASHBOARD_URL)

    assert response.context["actions"].count == 6 * rows


@pytest.mark.parametrize("rows", ROWS)
def test_dashboard_queries_for_a_coordinator(client, django_assert_num_queries, rows):
    """As above plus the proposals awaiting the coordinators."""
    coordinator = CoordinatorFactory()
    RepresentativeFactory(person=coordinator)
    for _ in range(rows):
        ProposalFactory(stage=Stage.REVIEW)
        ReviewAssignmentFactory(status=AssignmentStatus.SUBMITTED)
    client.force_login(coordinator)

    with django_assert_num_queries(10):
        response = client.get(DASHBOARD_URL)

    assert response.context["actions"].count == 2 * rows
