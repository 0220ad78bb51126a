"""Reads of institutions, people and affiliations, shaped so each page needs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django_countries import countries

from core import search
from members.enums import MembershipRole, MembershipStatus
from members.models import (
    Competence,
    Institution,
    InstitutionCompetence,
    Membership,
    PersonCompetence,
    User,
)
from members.signals import ALLIANCE_FIGURES_KEY

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

DIRECTORY_PAGE_SIZE = 24
INBOX_PAGE_SIZE = 50
PEOPLE_PAGE_SIZE = 48

_representatives_first = Case(
    When(role=MembershipRole.REPRESENTATIVE, then=Value(0)),
    default=Value(1),
    output_field=IntegerField(),
)


# Vocabulary -----------------------------------------------------------------------------


def competence_vocabulary() -> QuerySet[Competence]:
    return Competence.objects.select_related("focus_area")


def competence_choices() -> dict[str, list[tuple[str, str]]]:
    """Competences by slug, grouped by focus area (for a select with optgroups)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for competence in competence_vocabulary():
        groups.setdefault(competence.focus_area.name, []).append((competence.slug, competence.name))
    return groups


# Alliance-wide figures ------------------------------------------------------------------

# A safety net for changes made outside the services (the admin, scripts): figures at most
# this old; the services drop them at once.
ALLIANCE_FIGURES_TIMEOUT = 10 * 60


@dataclass(frozen=True)
class AllianceFigures:
    institutions: int
    countries: int
    people: int


def alliance_figures() -> AllianceFigures:
    """Member institutions, their countries and their active people: public, the same for all."""
    figures = cache.get(ALLIANCE_FIGURES_KEY)
    if figures is None:
        institutions = Institution.objects.members()
        figures = AllianceFigures(
            institutions=institutions.count(),
            countries=institutions.order_by().values("country").distinct().count(),
            # Counted from the affiliations (one active one per person and institution at
            # most): distinct people, without reading a column of theirs.
            people=Membership.objects.active()
            .filter(institution__in=institutions)
            .order_by()
            .values("person_id")
            .distinct()
            .count(),
        )
        cache.set(ALLIANCE_FIGURES_KEY, figures, ALLIANCE_FIGURES_TIMEOUT)
    return figures


# Institutions ---------------------------------------------------------------------------


def institution_country_choices(*, user: User | AnonymousUser) -> list[tuple[str, str]]:
    """The countries of the institutions the user can see, by name."""
    codes = (
        Institution.objects.visible_to(user).order_by().values_list("country", flat=True).distinct()
    )
    return sorted(((code, countries.name(code)) for code in codes), key=lambda c: c[1])


def _active_people() -> Coalesce:
    """An institution's people with an active affiliation.

    A subquery rather than a joined Count: a paginator counts without it, and it runs for
    the institutions of the page alone.
    """
    return Coalesce(
        Subquery(
            Membership.objects.active()
            .filter(institution=OuterRef("pk"))
            .order_by()
            .values("institution")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def institution_directory(
    *,
    user: User | AnonymousUser,
    search: str = "",
    kind: str = "",
    country: str = "",
    competence: str = "",
    focus_area: str = "",
) -> QuerySet[Institution]:
    """The visible institutions matching the filters, with competences and head counts."""
    institutions = Institution.objects.visible_to(user).search(search)
    if kind:
        institutions = institutions.filter(kind=kind)
    if country:
        institutions = institutions.filter(country=country)
    if competence:
        institutions = institutions.filter(competences__competence__slug=competence)
    if focus_area:
        # Exists: an institution with several competences in the area is listed once.
        institutions = institutions.filter(
            Exists(
                InstitutionCompetence.objects.filter(
                    institution=OuterRef("pk"), competence__focus_area__slug=focus_area
                )
            )
        )
    return (
        institutions.annotate(active_people=_active_people())
        # Meta.ordering does not apply to aggregating queries; pagination needs an order.
        .order_by("name")
        .prefetch_related(
            Prefetch(
                "competences",
                queryset=InstitutionCompetence.objects.select_related("competence"),
                to_attr="competence_list",
            )
        )
    )


def institution_profiles(*, user: User | AnonymousUser) -> QuerySet[Institution]:
    """Visible institutions with what their profile page shows (single sign-on in the same row)."""
    return (
        Institution.objects.visible_to(user)
        .select_related("sso")
        .prefetch_related(
            "domains",
            Prefetch(
                "competences",
                queryset=InstitutionCompetence.objects.select_related("competence"),
                to_attr="competence_list",
            ),
        )
    )


def institution_profile(*, user: User | AnonymousUser, slug: str) -> Institution:
    """A visible institution with its profile and ``active_people``; 404 for any other."""
    return get_object_or_404(
        institution_profiles(user=user).annotate(active_people=_active_people()), slug=slug
    )


def institution_competence_levels(*, institution: Institution) -> dict[int, int]:
    return dict(institution.competences.values_list("competence_id", "level"))


def institution_people(
    *, user: User | AnonymousUser, institution: Institution
) -> QuerySet[Membership]:
    """Active affiliations the user may see, representatives first."""
    return (
        Membership.objects.visible_to(user)
        .active()
        .filter(institution=institution)
        .select_related("person")
        .order_by(_representatives_first, "person__display_name")
    )


def institution_pending(*, institution: Institution) -> QuerySet[Membership]:
    return (
        Membership.objects.pending()
        .filter(institution=institution)
        .select_related("person", "institution")
        .order_by("created_at")
    )


def requestable_institutions(*, person: User) -> QuerySet[Institution]:
    """Member institutions the person has no pending or active affiliation with."""
    return Institution.objects.members().exclude(
        pk__in=Membership.objects.filter(
            person=person, status__in=[MembershipStatus.PENDING, MembershipStatus.ACTIVE]
        ).values("institution")
    )


# Affiliations ---------------------------------------------------------------------------


def membership_inbox(*, user: User) -> QuerySet[Membership]:
    """Pending affiliations the user decides on: at institutions they represent (all for staff)."""
    pending = Membership.objects.pending().select_related("person", "institution")
    if not user.is_coordinator:
        represented = Membership.objects.representatives().filter(person=user)
        pending = pending.filter(institution__in=represented.values("institution"))
    return pending.order_by("created_at")


def person_memberships(*, person: User) -> QuerySet[Membership]:
    """All of a person's affiliations, open ones first."""
    open_first = Case(
        When(status__in=[MembershipStatus.ACTIVE, MembershipStatus.PENDING], then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        Membership.objects.filter(person=person)
        .select_related("institution")
        .order_by(open_first, "-created_at")
    )


@dataclass(frozen=True)
class Dashboard:
    memberships: list[Membership]
    represented: list[Institution]
    pending_to_review: int

    @property
    def open_memberships(self) -> list[Membership]:
        return [m for m in self.memberships if m.is_active or m.is_pending]


def dashboard_for(*, user: User) -> Dashboard:
    memberships = list(person_memberships(person=user))
    represented = [m.institution for m in memberships if m.is_active and m.is_representative]
    pending = membership_inbox(user=user).count() if represented or user.is_coordinator else 0
    return Dashboard(memberships=memberships, represented=represented, pending_to_review=pending)


# People ---------------------------------------------------------------------------------


def person_profiles() -> QuerySet[User]:
    """Active accounts with their competences."""
    return User.objects.filter(is_active=True).prefetch_related(
        Prefetch(
            "competences",
            queryset=PersonCompetence.objects.select_related("competence"),
            to_attr="competence_list",
        )
    )


def person_affiliations(*, user: User | AnonymousUser, person: User) -> QuerySet[Membership]:
    """The person's active affiliations that the viewer may see."""
    return (
        Membership.objects.visible_to(user)
        .active()
        .filter(person=person)
        .select_related("institution")
        .order_by(_representatives_first, "institution__name")
    )


def person_competence_levels(*, person: User) -> dict[int, int]:
    return dict(person.competences.values_list("competence_id", "level"))


# Search ---------------------------------------------------------------------------------

# The weights of the search vectors; the GIN indexes in migration 0005 are built on them,
# the SQLite FTS5 indexes in migration 0006 on their fields.
INSTITUTION_SEARCH_FIELDS = (
    ("name", "A"),
    ("short_name", "A"),
    ("city", "B"),
    ("description", "C"),
)
PERSON_SEARCH_FIELDS = (("display_name", "A"), ("bio", "C"))


def institution_search(
    *,
    user: User | AnonymousUser,
    text: str,
    kind: str = "",
    country: str = "",
    competence: str = "",
) -> QuerySet[Institution]:
    """The institutions the user may see that match ``text`` (and offer ``competence``)."""
    institutions = Institution.objects.visible_to(user)
    if kind:
        institutions = institutions.filter(kind=kind)
    if country:
        institutions = institutions.filter(country=country)
    if competence:
        # One row per institution and competence (a unique constraint): no duplicates.
        institutions = institutions.filter(competences__competence__slug=competence)
    return search.ranked(
        institutions,
        text=text,
        fields=INSTITUTION_SEARCH_FIELDS,
        title="name",
        body=("description",),
    )


def person_search(*, text: str, competence: str = "") -> QuerySet[User]:
    """The public profiles (name and bio, as the person page shows them) that match ``text``.

    ``competence`` keeps the people whose profile lists it (the person page shows them).
    """
    # The same accounts person_detail shows; e-mail addresses are never searched.
    people = User.objects.filter(is_active=True)
    if competence:
        people = people.filter(competences__competence__slug=competence)
    return search.ranked(
        people, text=text, fields=PERSON_SEARCH_FIELDS, title="display_name", body=("bio",)
    )
