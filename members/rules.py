"""Who may do what with institutions and affiliations (``rules`` predicates)."""

from __future__ import annotations

import rules

from members.enums import MembershipRole, MembershipStatus


@rules.predicate
def is_coordinator(user) -> bool:
    return bool(user.is_authenticated and user.is_coordinator)


@rules.predicate
def is_researcher(user) -> bool:
    """An active affiliation makes a researcher."""
    if not user.is_authenticated:
        return False
    if not hasattr(user, "_is_researcher"):
        user._is_researcher = user.memberships.filter(status=MembershipStatus.ACTIVE).exists()
    return user._is_researcher


@rules.predicate
def is_representative_of(user, institution) -> bool:
    if not user.is_authenticated or institution is None:
        return False
    return user.memberships.filter(
        institution=institution,
        status=MembershipStatus.ACTIVE,
        role=MembershipRole.REPRESENTATIVE,
    ).exists()


@rules.predicate
def represents_membership_institution(user, membership) -> bool:
    return membership is not None and is_representative_of(user, membership.institution)


@rules.predicate
def is_membership_person(user, membership) -> bool:
    return membership is not None and membership.person_id == user.pk


rules.add_perm("members.create_institution", is_coordinator)
rules.add_perm("members.suspend_institution", is_coordinator)
rules.add_perm("members.edit_institution", is_representative_of | is_coordinator)
rules.add_perm("members.manage_people", is_representative_of | is_coordinator)
rules.add_perm("members.decide_membership", represents_membership_institution | is_coordinator)
rules.add_perm(
    "members.end_membership",
    represents_membership_institution | is_coordinator | is_membership_person,
)
