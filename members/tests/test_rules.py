import pytest
from django.contrib.auth.models import AnonymousUser

from members import rules as member_rules
from members.enums import MembershipStatus
from members.tests.factories import (
    InstitutionFactory,
    MembershipFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

INSTITUTION_PERMS = ["members.edit_institution", "members.manage_people"]
GLOBAL_PERMS = ["members.create_institution", "members.suspend_institution"]


@pytest.fixture
def other_institution(db):
    return InstitutionFactory(name="ETH Zürich", domains=["ethz.ch"])


@pytest.fixture
def pending(institution):
    return MembershipFactory(institution=institution, status=MembershipStatus.PENDING)


# Predicates ----------------------------------------------------------------------------


def test_is_coordinator_only_for_coordinators(coordinator, representative, researcher):
    assert [
        member_rules.is_coordinator(user)
        for user in (AnonymousUser(), researcher, representative, coordinator)
    ] == [False, False, False, True]


def test_is_coordinator_for_superuser(db):
    assert member_rules.is_coordinator(UserFactory(is_superuser=True)) is True


def test_is_researcher_needs_an_active_membership(institution, researcher, pending):
    ended = MembershipFactory(institution=institution, status=MembershipStatus.ENDED)

    assert [
        member_rules.is_researcher(user)
        for user in (AnonymousUser(), UserFactory(), pending.person, ended.person, researcher)
    ] == [False, False, False, False, True]


def test_is_representative_of_only_own_institution(
    institution, other_institution, representative, researcher
):
    assert member_rules.is_representative_of(representative, institution) is True
    assert member_rules.is_representative_of(representative, other_institution) is False
    assert member_rules.is_representative_of(researcher, institution) is False
    assert member_rules.is_representative_of(AnonymousUser(), institution) is False
    assert member_rules.is_representative_of(representative, None) is False


def test_is_representative_of_not_when_representative_membership_ended(institution):
    ended = RepresentativeFactory(institution=institution, status=MembershipStatus.ENDED)

    assert member_rules.is_representative_of(ended.person, institution) is False


def test_represents_membership_institution(institution, other_institution, representative, pending):
    elsewhere = MembershipFactory(institution=other_institution, status=MembershipStatus.PENDING)

    assert member_rules.represents_membership_institution(representative, pending) is True
    assert member_rules.represents_membership_institution(representative, elsewhere) is False
    assert member_rules.represents_membership_institution(representative, None) is False


def test_is_membership_person_only_for_the_person(researcher, representative):
    membership = researcher.memberships.get()

    assert member_rules.is_membership_person(researcher, membership) is True
    assert member_rules.is_membership_person(representative, membership) is False


# Permissions by role -------------------------------------------------------------------


def test_visitor_has_no_member_permission(institution, researcher):
    visitor = AnonymousUser()
    membership = researcher.memberships.get()

    assert [visitor.has_perm(perm) for perm in GLOBAL_PERMS] == [False, False]
    assert [visitor.has_perm(perm, institution) for perm in INSTITUTION_PERMS] == [False, False]
    assert visitor.has_perm("members.decide_membership", membership) is False
    assert visitor.has_perm("members.end_membership", membership) is False


def test_researcher_may_only_end_own_membership(institution, researcher, pending):
    own = researcher.memberships.get()
    colleague = MembershipFactory(institution=institution)

    assert [researcher.has_perm(perm) for perm in GLOBAL_PERMS] == [False, False]
    assert [researcher.has_perm(perm, institution) for perm in INSTITUTION_PERMS] == [False, False]
    assert researcher.has_perm("members.decide_membership", pending) is False
    assert researcher.has_perm("members.end_membership", own) is True
    assert researcher.has_perm("members.end_membership", colleague) is False


def test_representative_manages_own_institution_only(
    institution, other_institution, representative, researcher, pending
):
    elsewhere = MembershipFactory(institution=other_institution, status=MembershipStatus.PENDING)
    elsewhere_active = MembershipFactory(institution=other_institution)

    assert [representative.has_perm(perm) for perm in GLOBAL_PERMS] == [False, False]
    assert [representative.has_perm(perm, institution) for perm in INSTITUTION_PERMS] == [
        True,
        True,
    ]
    assert [representative.has_perm(perm, other_institution) for perm in INSTITUTION_PERMS] == [
        False,
        False,
    ]
    assert representative.has_perm("members.decide_membership", pending) is True
    assert representative.has_perm("members.decide_membership", elsewhere) is False
    assert representative.has_perm("members.end_membership", researcher.memberships.get()) is True
    assert representative.has_perm("members.end_membership", elsewhere_active) is False


def test_coordinator_has_every_member_permission(
    institution, other_institution, coordinator, pending
):
    assert [coordinator.has_perm(perm) for perm in GLOBAL_PERMS] == [True, True]
    assert [coordinator.has_perm(perm, other_institution) for perm in INSTITUTION_PERMS] == [
        True,
        True,
    ]
    assert coordinator.has_perm("members.decide_membership", pending) is True
    assert coordinator.has_perm("members.end_membership", pending) is True
