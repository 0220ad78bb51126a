"""Affiliation requests and new institutions sent twice at once: one row, a clear answer.

Real threads post through the whole stack against PostgreSQL, as two browser requests would.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from conftest import require
from core.models import OutboxEvent
from core.tests.concurrency import logged_in, post_at_once
from members.enums import EventKind, MembershipStatus
from members.models import Institution, Membership
from members.tests.factories import CoordinatorFactory, InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

TRIALS = 5


@pytest.fixture(autouse=True)
def _postgresql():
    require(connection.vendor == "postgresql", "concurrent writes need PostgreSQL")


def _errors(responses) -> list[str]:
    """What a request that answered 500 raised, to show beside a failed assertion."""
    return [repr(r.exc_info[1]) for r in responses if getattr(r, "exc_info", None)]


def test_affiliation_request_sent_twice_at_once_is_made_once():
    url = reverse("members:my_affiliations")
    for trial in range(1, TRIALS + 1):
        person = UserFactory()
        institution = InstitutionFactory(name=f"Institute {trial}")
        clients = [logged_in(person), logged_in(person)]

        responses = post_at_once(
            clients, url, {"institution": institution.pk, "message": "I run the robot lab."}
        )

        assert sorted(r.status_code for r in responses) == [200, 302], _errors(responses)
        refused = next(r for r in responses if r.status_code == 200)
        # Racing, the service refuses; a moment later the form no longer offers the choice.
        assert refused.context["form"].errors in (
            {"__all__": [f"You already have a pending affiliation with Institute {trial}."]},
            {
                "institution": [
                    "Select a valid choice. That choice is not one of the available choices."
                ]
            },
        )
        assert Membership.objects.filter(person=person).count() == 1
        assert (
            OutboxEvent.objects.filter(kind=EventKind.AFFILIATION_REQUESTED, actor=person).count()
            == 1
        )
    assert Membership.objects.filter(status=MembershipStatus.PENDING).count() == TRIALS


def test_new_institution_sent_twice_at_once_is_created_once():
    coordinator = CoordinatorFactory()
    clients = [logged_in(coordinator), logged_in(coordinator)]
    url = reverse("members:institution_create")

    for trial in range(1, TRIALS + 1):
        data = {
            "name": f"Open Lab {trial}",
            "slug": f"open-lab-{trial}",
            "kind": "university",
            "country": "DE",
            "capacity": 3,
            "status": "member",
            "domains": f"lab{trial}.example",
        }
        responses = post_at_once(clients, url, data)

        assert sorted(r.status_code for r in responses) == [200, 302], _errors(responses)
        refused = next(r for r in responses if r.status_code == 200)
        assert refused.context["form"].errors
        assert Institution.objects.filter(slug=f"open-lab-{trial}").count() == 1
