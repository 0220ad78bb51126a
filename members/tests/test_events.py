"""Affiliations write their domain events to the outbox, in the transaction of the change."""

import pytest

from core.exceptions import DomainError
from core.models import OutboxEvent
from members import services
from members.enums import EventKind, MembershipStatus
from members.tests.factories import InstitutionFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _events():
    return list(OutboxEvent.objects.values_list("kind", "subject_id", "actor_id", "payload"))


def test_membership_request_records_affiliation_requested(institution):
    person = UserFactory()

    membership = services.membership_request(
        person=person, institution=institution, message="I lead the robotics lab."
    )

    assert _events() == [
        (
            EventKind.AFFILIATION_REQUESTED,
            membership.pk,
            person.pk,
            {"institution_id": institution.pk, "person_id": person.pk},
        )
    ]
    assert OutboxEvent.objects.get().subject == membership


def test_membership_from_verified_email_pending_records_affiliation_requested(institution):
    person = UserFactory()

    membership = services.membership_from_verified_email(person=person, email="lena@tum.de")

    assert _events() == [
        (
            EventKind.AFFILIATION_REQUESTED,
            membership.pk,
            person.pk,
            {"institution_id": institution.pk, "person_id": person.pk},
        )
    ]


def test_membership_from_verified_email_trusted_records_nothing():
    InstitutionFactory(domains=["ethz.ch"], trusts_email_domains=True)

    services.membership_from_verified_email(person=UserFactory(), email="a@ethz.ch")

    assert _events() == []


def test_membership_from_verified_email_twice_records_one_event(institution):
    person = UserFactory()
    services.membership_from_verified_email(person=person, email="a@tum.de")

    services.membership_from_verified_email(person=person, email="b@tum.de")

    assert OutboxEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("decide", "kind"),
    [
        (services.membership_approve, EventKind.AFFILIATION_APPROVED),
        (services.membership_decline, EventKind.AFFILIATION_DECLINED),
    ],
)
def test_membership_decision_records_its_event(institution, representative, decide, kind):
    pending = MembershipFactory(institution=institution, status=MembershipStatus.PENDING)

    decide(membership=pending, actor=representative)

    assert _events() == [
        (
            kind,
            pending.pk,
            representative.pk,
            {"institution_id": institution.pk, "person_id": pending.person_id},
        )
    ]


def test_membership_decision_refused_records_nothing(institution, representative):
    decided = MembershipFactory(institution=institution, status=MembershipStatus.ACTIVE)

    with pytest.raises(DomainError):
        services.membership_approve(membership=decided, actor=representative)

    assert _events() == []
