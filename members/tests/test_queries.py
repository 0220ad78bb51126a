"""Each page issues the same number of queries for 1 row as for 30 rows.

The expected counts are exact so that a change in either direction is noticed; the
docstring of each test lists what the queries are.
"""

import pytest
from django.urls import reverse

from members.enums import MembershipSource, MembershipStatus
from members.tests.factories import (
    CompetenceFactory,
    InstitutionCompetenceFactory,
    InstitutionFactory,
    MembershipFactory,
    PersonCompetenceFactory,
    RepresentativeFactory,
)

pytestmark = pytest.mark.django_db

ROWS = [1, 30]
FILTERS = {"q": "institute", "kind": "university", "country": "DE", "competence": "skill-00"}


@pytest.fixture
def competences(db):
    return [CompetenceFactory(slug=f"skill-{n:02}", name=f"Skill {n:02}") for n in range(30)]


@pytest.fixture
def as_visitor(client):
    return client


@pytest.fixture
def as_researcher(client, db):
    """A signed-in researcher affiliated with an unrelated institution."""
    client.force_login(MembershipFactory(institution=InstitutionFactory(name="Home")).person)
    return client


def _fill_directory(rows: int, competences) -> None:
    """Institutions with competences and people, so every row needs its related data."""
    for n in range(rows):
        institution = InstitutionFactory(name=f"Institute {n:02}")
        for competence in competences[:4]:
            InstitutionCompetenceFactory(institution=institution, competence=competence)
        RepresentativeFactory(institution=institution)
        MembershipFactory(institution=institution)


def _fill_institution(institution, rows: int, competences) -> None:
    for competence in competences[:rows]:
        InstitutionCompetenceFactory(institution=institution, competence=competence)
    for _ in range(rows):
        MembershipFactory(institution=institution)


def _add_pending(institution, rows: int) -> None:
    for n in range(rows):
        MembershipFactory(
            institution=institution,
            status=MembershipStatus.PENDING,
            source=MembershipSource.REQUEST,
            message=f"Request {n}",
        )


# Directory: countries, competences (filter choices), count, page, competences of the page;
# a signed-in person adds session, user (read with the coordinator check and the header's
# unread count, see alliance.auth) and the page's own permission checks.


@pytest.mark.parametrize("rows", ROWS)
@pytest.mark.parametrize("params", [{}, FILTERS], ids=["all", "filtered"])
@pytest.mark.parametrize(("viewer", "queries"), [("as_visitor", 5), ("as_researcher", 8)])
def test_institution_list_queries(
    request, django_assert_num_queries, competences, rows, params, viewer, queries
):
    client = request.getfixturevalue(viewer)
    _fill_directory(rows, competences)

    with django_assert_num_queries(queries):
        response = client.get(reverse("members:institution_list"), params)

    # The researcher's own institution is listed too, unless the filters leave it out.
    home = 1 if viewer == "as_researcher" and not params else 0
    assert response.context["page_obj"].paginator.count == rows + home


@pytest.mark.parametrize("rows", ROWS)
@pytest.mark.parametrize(("viewer", "queries"), [("as_visitor", 5), ("as_researcher", 7)])
def test_institution_list_htmx_queries(
    request, django_assert_num_queries, competences, rows, viewer, queries
):
    client = request.getfixturevalue(viewer)
    _fill_directory(rows, competences)

    with django_assert_num_queries(queries):
        response = client.get(
            reverse("members:institution_list"), FILTERS, headers={"HX-Request": "true"}
        )

    assert response.context["page_obj"].paginator.count == rows


# Institution page: institution, domains, competences, people (counted, then a page of
# them: large institutions have hundreds); a signed-in person adds
# session, user (with the coordinator check and the unread count) and their active
# affiliations (read once for every rule).


@pytest.mark.parametrize("rows", ROWS)
@pytest.mark.parametrize(("viewer", "queries"), [("as_visitor", 5), ("as_researcher", 9)])
def test_institution_detail_queries(
    request, django_assert_num_queries, institution, competences, rows, viewer, queries
):
    client = request.getfixturevalue(viewer)
    _fill_institution(institution, rows, competences)

    with django_assert_num_queries(queries):
        response = client.get(reverse("members:institution_detail", args=["tum"]))

    assert len(response.context["people"].object_list) == rows
    assert response.context["people"].paginator.count == rows
    assert len(response.context["institution"].competence_list) == rows


@pytest.mark.parametrize("rows", ROWS)
def test_institution_detail_queries_for_representative(
    client, django_assert_num_queries, institution, representative, competences, rows
):
    """The representative also gets the count of pending affiliations."""
    _fill_institution(institution, rows, competences)
    _add_pending(institution, rows)
    client.force_login(representative)

    with django_assert_num_queries(10):
        response = client.get(reverse("members:institution_detail", args=["tum"]))

    assert response.context["pending_count"] == rows


# Management pages: session, user (with the coordinator check and the unread count),
# institution, permission, then the rows.


@pytest.mark.parametrize("rows", ROWS)
def test_institution_people_queries(
    client, django_assert_num_queries, institution, representative, rows
):
    _add_pending(institution, rows)
    for _ in range(rows):
        MembershipFactory(institution=institution)
    client.force_login(representative)

    with django_assert_num_queries(7):
        response = client.get(reverse("members:institution_people", args=["tum"]))

    assert len(response.context["pending"]) == rows
    assert len(response.context["people"]) == rows + 1


@pytest.mark.parametrize("rows", ROWS)
def test_representative_inbox_queries(
    client, django_assert_num_queries, institution, representative, rows
):
    _add_pending(institution, rows)
    client.force_login(representative)

    with django_assert_num_queries(5):
        response = client.get(reverse("members:representative_inbox"))

    assert len(response.context["page_obj"]) == rows


@pytest.mark.parametrize("rows", ROWS)
def test_representative_inbox_queries_for_coordinator(
    client, django_assert_num_queries, coordinator, rows
):
    for n in range(rows):
        _add_pending(InstitutionFactory(name=f"Institute {n:02}"), 1)
    client.force_login(coordinator)

    with django_assert_num_queries(5):
        response = client.get(reverse("members:representative_inbox"))

    assert len(response.context["page_obj"]) == rows


# People's own pages.


@pytest.mark.parametrize("rows", ROWS)
def test_person_detail_queries(client, django_assert_num_queries, researcher, competences, rows):
    """Person, competences, affiliations."""
    for competence in competences[:rows]:
        PersonCompetenceFactory(person=researcher, competence=competence)
    for n in range(rows - 1):
        MembershipFactory(person=researcher, institution=InstitutionFactory(name=f"I{n:02}"))

    with django_assert_num_queries(3):
        response = client.get(reverse("members:person_detail", args=[researcher.pk]))

    assert len(response.context["affiliations"]) == rows


@pytest.mark.parametrize("rows", ROWS)
def test_my_affiliations_queries(client, django_assert_num_queries, rows):
    """Session, user, memberships, institutions to request, coordinator check (navigation),
    unread notifications count (header)."""
    person = MembershipFactory().person
    for n in range(rows - 1):
        MembershipFactory(
            person=person,
            institution=InstitutionFactory(name=f"I{n:02}"),
            status=MembershipStatus.ENDED,
        )
    client.force_login(person)

    with django_assert_num_queries(5):
        response = client.get(reverse("members:my_affiliations"))

    assert len(response.context["memberships"]) == rows
