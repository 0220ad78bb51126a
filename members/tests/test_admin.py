"""Affiliations are shown in the admin; its actions decide them through the services."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from core.models import OutboxEvent
from core.tests.admin import change_form_data
from members.enums import EventKind, InstitutionStatus, MembershipRole, MembershipStatus
from members.models import Membership
from members.tests.factories import (
    InstitutionFactory,
    MembershipFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:members_membership_changelist")


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_admin_shows_a_membership_read_only(staff):
    membership = MembershipFactory()

    page = staff.get(reverse("admin:members_membership_change", args=[membership.pk]))

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert 'name="status"' not in page.content.decode()


def test_admin_post_adds_changes_and_deletes_no_membership(staff):
    membership = MembershipFactory(status=MembershipStatus.PENDING)
    changed = {
        "person": membership.person.pk,
        "institution": membership.institution.pk,
        "role": MembershipRole.REPRESENTATIVE,
        "status": MembershipStatus.ACTIVE,
        "source": membership.source,
    }

    responses = [
        staff.post(reverse("admin:members_membership_add"), changed),
        staff.post(reverse("admin:members_membership_change", args=[membership.pk]), changed),
        staff.post(reverse("admin:members_membership_delete", args=[membership.pk]), {"post": "y"}),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    membership.refresh_from_db()
    assert (membership.status, membership.role) == (
        MembershipStatus.PENDING,
        MembershipRole.RESEARCHER,
    )
    assert Membership.objects.count() == 1
    assert OutboxEvent.objects.count() == 0


@pytest.mark.parametrize("owner", ["institution", "user"])
def test_admin_institution_and_user_pages_keep_their_memberships(staff, owner):
    membership = MembershipFactory(status=MembershipStatus.PENDING)
    admin_url = {
        "institution": reverse(
            "admin:members_institution_change", args=[membership.institution.pk]
        ),
        "user": reverse("admin:members_user_change", args=[membership.person.pk]),
    }[owner]
    page = staff.get(admin_url)
    data = change_form_data(page)
    prefix = next(
        inline.formset.prefix
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.model is Membership
    )

    response = staff.post(
        admin_url,
        data
        | {
            f"{prefix}-0-id": membership.pk,
            f"{prefix}-0-status": MembershipStatus.ACTIVE,
            f"{prefix}-0-role": MembershipRole.REPRESENTATIVE,
            f"{prefix}-0-DELETE": "on",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert f'name="{prefix}-0-status"' not in page.content.decode()
    membership.refresh_from_db()
    assert (membership.status, membership.role) == (
        MembershipStatus.PENDING,
        MembershipRole.RESEARCHER,
    )


def test_admin_approve_action_goes_through_the_service(staff):
    pending = MembershipFactory(status=MembershipStatus.PENDING)
    active = MembershipFactory()

    response = staff.post(
        CHANGELIST, {"action": "approve", "_selected_action": [pending.pk, active.pk]}
    )

    assert response["Location"] == CHANGELIST
    pending.refresh_from_db()
    assert pending.status == MembershipStatus.ACTIVE
    assert pending.decided_by is not None
    assert list(OutboxEvent.objects.values_list("kind", flat=True)) == [
        EventKind.AFFILIATION_APPROVED
    ]
    assert _messages(response) == [
        f"{active.person}, {active.institution}: This affiliation was already active.",
        "1 affiliation approved.",
    ]


def test_admin_end_action_keeps_the_last_representative(staff):
    representative = RepresentativeFactory()

    response = staff.post(CHANGELIST, {"action": "end", "_selected_action": [representative.pk]})

    representative.refresh_from_db()
    assert representative.status == MembershipStatus.ACTIVE
    assert _messages(response) == [
        f"{representative.person}, {representative.institution}: "
        f"{representative.person} is the last representative of {representative.institution}. "
        "Make someone else a representative first."
    ]


def test_admin_institution_page_leaves_the_status_to_its_service(staff):
    institution = InstitutionFactory(status=InstitutionStatus.MEMBER)
    url = reverse("admin:members_institution_change", args=[institution.pk])
    page = staff.get(url)
    data = change_form_data(page)

    response = staff.post(url, data | {"status": InstitutionStatus.SUSPENDED, "city": "Geneva"})

    assert response.status_code == 302
    assert 'name="status"' not in page.content.decode()
    institution.refresh_from_db()
    assert (institution.status, institution.city) == (InstitutionStatus.MEMBER, "Geneva")
