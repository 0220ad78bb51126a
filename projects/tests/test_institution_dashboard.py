"""The institution dashboard: who sees it, what it lists, and what it costs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.enums import MembershipRole, MembershipStatus
from members.tests.factories import (
    CoordinatorFactory,
    InstitutionFactory,
    MembershipFactory,
    UserFactory,
)
from projects.enums import ParticipationStatus, Stage, Visibility
from projects.tests.factories import ParticipationFactory, ProposalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tum():
    return InstitutionFactory(name="Technical University of Munich", short_name="TUM", slug="tum")


@pytest.fixture
def ibm():
    return InstitutionFactory(name="IBM Research", short_name="IBM", slug="ibm")


@pytest.fixture
def eth():
    return InstitutionFactory(name="ETH Zurich", short_name="ETH", slug="eth")


@pytest.fixture
def lena(tum):
    """TUM's representative."""
    return MembershipFactory(
        institution=tum,
        role=MembershipRole.REPRESENTATIVE,
        person=UserFactory(display_name="Lena Maier"),
    ).person


@pytest.fixture
def felix(tum):
    """A TUM researcher."""
    return MembershipFactory(
        institution=tum, person=UserFactory(display_name="Felix Wagner")
    ).person


@pytest.fixture
def fixture(tum, ibm, eth, lena, felix):
    """TUM leads two projects, partners one, signs off one; IBM and ETH work with it."""
    led = ProposalFactory(title="Robot hands", lead_institution=tum, lead=felix, stage=Stage.DRIVE)
    ParticipationFactory(proposal=led, institution=ibm)
    ParticipationFactory(proposal=led, institution=eth)
    defined = ProposalFactory(
        title="Alpine sensing",
        lead_institution=tum,
        lead=felix,
        stage=Stage.DEFINE,
        visibility=Visibility.CONFIDENTIAL,
    )
    ParticipationFactory(proposal=defined, institution=ibm)
    partnered = ProposalFactory(title="Quantum chips", lead_institution=ibm, stage=Stage.APPROVED)
    ParticipationFactory(proposal=partnered, institution=tum)
    awaiting = ProposalFactory(title="Ocean models", lead_institution=eth, stage=Stage.DEFINE)
    ParticipationFactory(
        proposal=awaiting, institution=tum, person=felix, status=ParticipationStatus.ACCEPTED
    )
    # Not TUM's: invited only, a draft of its own, and another institution's secret.
    invited = ProposalFactory(title="Invited only", lead_institution=eth, stage=Stage.APPROVED)
    ParticipationFactory(proposal=invited, institution=tum, status=ParticipationStatus.INVITED)
    ProposalFactory(title="Felix's draft", lead_institution=tum, lead=felix, stage=Stage.DRAFT)
    secret = ProposalFactory(
        title="IBM secret",
        lead_institution=ibm,
        stage=Stage.REVIEW,
        visibility=Visibility.CONFIDENTIAL,
    )
    ParticipationFactory(proposal=secret, institution=eth)
    MembershipFactory(
        institution=tum,
        status=MembershipStatus.PENDING,
        person=UserFactory(display_name="Pending Person"),
    )
    MembershipFactory(institution=ibm, role=MembershipRole.REPRESENTATIVE)


def url(institution) -> str:
    return reverse("projects:institution_dashboard", args=[institution.slug])


def test_institution_dashboard_lists_people_projects_signoffs_and_collaborators(
    client, fixture, tum, lena
):
    client.force_login(lena)
    response = client.get(url(tum))

    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert [(m.person.display_name, m.role) for m in dashboard.people] == [
        ("Lena Maier", MembershipRole.REPRESENTATIVE),
        ("Felix Wagner", MembershipRole.RESEARCHER),
    ]
    assert (dashboard.people_count, dashboard.pending_affiliations) == (2, 1)
    assert [p.title for p in dashboard.projects] == [
        "Alpine sensing",
        "Quantum chips",
        "Robot hands",
    ]
    assert [(row.stage, row.count) for row in dashboard.stage_counts] == [
        (Stage.DEFINE, 1),
        (Stage.APPROVED, 1),
        (Stage.DRIVE, 1),
    ]
    assert [p.proposal.title for p in dashboard.signoffs] == ["Ocean models"]
    assert [(c.institution.short_name, c.joint_projects) for c in dashboard.collaborators] == [
        ("IBM", 3),
        ("ETH", 1),
    ]
    page = response.content.decode()
    assert "IBM secret" not in page
    assert "Felix&#x27;s draft" not in page
    assert "Invited only" not in page
    assert reverse("projects:signoffs") in page
    assert reverse("members:representative_inbox") in page
    assert reverse("projects:partnering_inbox") in page


def test_institution_dashboard_is_open_to_coordinators(client, fixture, tum):
    client.force_login(CoordinatorFactory())

    response = client.get(url(tum))

    assert response.status_code == 200
    assert [p.title for p in response.context["dashboard"].projects] == [
        "Alpine sensing",
        "Quantum chips",
        "Robot hands",
    ]


@pytest.mark.parametrize("who", ["researcher", "other_representative", "visitor"])
def test_institution_dashboard_answers_404_to_anyone_else(client, fixture, tum, ibm, felix, who):
    if who == "researcher":
        client.force_login(felix)
    elif who == "other_representative":
        client.force_login(
            MembershipFactory(institution=ibm, role=MembershipRole.REPRESENTATIVE).person
        )

    assert client.get(url(tum)).status_code == 404


def test_institution_dashboard_is_linked_for_representatives_only(
    client, fixture, tum, lena, felix
):
    client.force_login(felix)
    assert url(tum) not in client.get(tum.get_absolute_url()).content.decode()
    assert url(tum) not in client.get(reverse("dashboard")).content.decode()

    client.force_login(lena)
    assert url(tum) in client.get(tum.get_absolute_url()).content.decode()
    assert url(tum) in client.get(reverse("dashboard")).content.decode()


@pytest.mark.parametrize("rows", [1, 50])
def test_institution_dashboard_queries(client, django_assert_num_queries, tum, ibm, lena, rows):
    """Session, user, affiliations, coordinator check, institution, people (list and count),
    pending count, projects, partners, sign-offs: the same for 1 row as for 50."""
    lead = MembershipFactory(institution=tum).person
    for _ in range(rows):
        partner = InstitutionFactory()
        led = ProposalFactory(lead_institution=tum, lead=lead, stage=Stage.DRIVE)
        ParticipationFactory(proposal=led, institution=partner)
        ParticipationFactory(proposal=led, institution=ibm)
        awaiting = ProposalFactory(lead_institution=ibm, stage=Stage.DEFINE)
        ParticipationFactory(
            proposal=awaiting, institution=tum, person=lead, status=ParticipationStatus.ACCEPTED
        )
        MembershipFactory(institution=tum)
        MembershipFactory(institution=tum, status=MembershipStatus.PENDING)
    client.force_login(lena)

    with django_assert_num_queries(11):
        response = client.get(url(tum))

    assert len(response.context["dashboard"].projects) == rows
    assert len(response.context["dashboard"].collaborators) == rows + 1
