"""Who may do what with institutions and affiliations (``rules`` predicates)."""

from __future__ import annotations

from dataclasses import dataclass

import rules

from members.enums import MembershipRole, MembershipStatus


@dataclass(frozen=True)
class Affiliations:
    """The institutions where a user is an active researcher, and those they represent."""

    member_of: frozenset[int]
    represents: frozenset[int]


NO_AFFILIATIONS = Affiliations(member_of=frozenset(), represents=frozenset())


def affiliations_of(user) -> Affiliations:
    """The user's active affiliations, read once per request and kept on the user object.

    Every predicate that asks "is a researcher", "represents" or "is in the consortium"
    uses this one read, so a page with a row per participation stays at one query.
    """
    if not user.is_authenticated:
        return NO_AFFILIATIONS
    # Asked with getattr, not __dict__: request.user is a lazy object that forwards attributes.
    if getattr(user, "_affiliations", None) is None:
        rows = list(
            user.memberships.filter(status=MembershipStatus.ACTIVE).values_list(
                "institution_id", "role"
            )
        )
        user._affiliations = Affiliations(
            member_of=frozenset(institution for institution, _role in rows),
            represents=frozenset(
                institution for institution, role in rows if role == MembershipRole.REPRESENTATIVE
            ),
        )
    return user._affiliations


def forget_affiliations(user) -> None:
    """Read the affiliations again when next asked: the user's own have just changed."""
    if user.is_authenticated:
        user._affiliations = None


@rules.predicate
def is_coordinator(user) -> bool:
    return bool(user.is_authenticated and user.is_coordinator)


@rules.predicate
def is_researcher(user) -> bool:
    """An active affiliation makes a researcher."""
    return bool(affiliations_of(user).member_of)


@rules.predicate
def is_representative_of(user, institution) -> bool:
    return institution is not None and institution.pk in affiliations_of(user).represents


@rules.predicate
def represents_membership_institution(user, membership) -> bool:
    return membership is not None and membership.institution_id in affiliations_of(user).represents


@rules.predicate
def is_membership_person(user, membership) -> bool:
    return membership is not None and membership.person_id == user.pk


rules.add_perm("members.create_institution", is_coordinator)
rules.add_perm("members.suspend_institution", is_coordinator)
# Standing, capacity and the trust in email domains: coordinators' fields of a profile.
rules.add_perm("members.administer_institutions", is_coordinator)
rules.add_perm("members.edit_institution", is_representative_of | is_coordinator)
rules.add_perm("members.manage_people", is_representative_of | is_coordinator)
rules.add_perm("members.decide_membership", represents_membership_institution | is_coordinator)
rules.add_perm(
    "members.end_membership",
    represents_membership_institution | is_coordinator | is_membership_person,
)
# Single sign-on: coordinators configure an institution's provider; its representatives see it.
rules.add_perm("members.configure_sso", is_coordinator)
rules.add_perm("members.view_sso", is_representative_of | is_coordinator)
