"""The admin shows what the services own, and changes none of it."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from core.models import OutboxEvent
from core.tests.admin import change_form_data
from members.tests.factories import CoordinatorFactory, UserFactory
from projects.enums import AssignmentStatus, MilestoneStatus, ParticipationStatus, Stage
from projects.models import Decision, Milestone, ProgressUpdate, Proposal, ReviewAssignment
from projects.tests.factories import (
    ParticipationFactory,
    ProposalFactory,
    ReviewAssignmentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _milestone():
    proposal = ProposalFactory(stage=Stage.DRIVE)
    return Milestone.objects.create(
        proposal=proposal, title="Release", due_date=datetime.date(2027, 6, 30)
    )


def _update():
    proposal = ProposalFactory(stage=Stage.DRIVE)
    return ProgressUpdate.objects.create(proposal=proposal, author=proposal.lead, body="Done.")


def _decision():
    return Decision.objects.create(
        proposal=ProposalFactory(stage=Stage.APPROVED),
        outcome=Decision.Outcome.APPROVE,
        reason="Strong.",
        decided_by=CoordinatorFactory(),
    )


def _revision():
    return ProposalFactory().revisions.get()


# Each row, the field a change would touch, and the value it would write.
ROWS = {
    "milestone": (_milestone, "status", MilestoneStatus.DONE),
    "progressupdate": (_update, "body", "Rewritten."),
    "decision": (_decision, "outcome", Decision.Outcome.DECLINE),
    "revision": (_revision, "title", "Rewritten"),
    "reviewassignment": (ReviewAssignmentFactory, "status", AssignmentStatus.WITHDRAWN),
    # Its text and required competences are what a revision records for the reviewers.
    "proposal": (ProposalFactory, "summary", "Lowered."),
}


@pytest.mark.parametrize("model", ROWS)
def test_admin_shows_service_owned_rows_read_only(staff, model):
    make, field, _value = ROWS[model]
    row = make()

    page = staff.get(reverse(f"admin:projects_{model}_change", args=[row.pk]))

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert 'name="_save"' not in page.content.decode()
    assert f'name="{field}"' not in page.content.decode()


@pytest.mark.parametrize("model", ROWS)
def test_admin_post_changes_no_service_owned_row(staff, model):
    make, field, value = ROWS[model]
    row = make()
    before = getattr(row, field)
    events = OutboxEvent.objects.count()

    add = staff.post(reverse(f"admin:projects_{model}_add"), {field: value})
    change = staff.post(reverse(f"admin:projects_{model}_change", args=[row.pk]), {field: value})
    delete = staff.post(reverse(f"admin:projects_{model}_delete", args=[row.pk]), {"post": "yes"})

    assert [add.status_code, change.status_code, delete.status_code] == [403, 403, 403]
    row.refresh_from_db()
    assert getattr(row, field) == before
    assert type(row).objects.count() == 1
    assert OutboxEvent.objects.count() == events


def test_admin_changelists_of_service_owned_rows_offer_no_delete_action(staff):
    _milestone()

    page = staff.get(reverse("admin:projects_milestone_changelist"))

    assert page.status_code == 200
    assert page.context["action_form"] is None


def test_admin_proposal_page_shows_participations_read_only_and_keeps_them(staff):
    partner = ParticipationFactory(
        proposal=ProposalFactory(stage=Stage.DEFINE), status=ParticipationStatus.CONFIRMED
    )
    url = reverse("admin:projects_proposal_change", args=[partner.proposal.pk])
    page = staff.get(url)
    data = change_form_data(page)
    prefix = next(
        inline.formset.prefix
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.model.__name__ == "Participation"
    )

    response = staff.post(
        url,
        data
        | {
            f"{prefix}-0-id": partner.pk,
            f"{prefix}-0-status": ParticipationStatus.WITHDRAWN,
            f"{prefix}-0-DELETE": "on",
        },
    )

    assert response.status_code == 403
    assert f'name="{prefix}-0-status"' not in page.content.decode()
    partner.refresh_from_db()
    assert partner.status == ParticipationStatus.CONFIRMED


def test_admin_proposal_cannot_be_deleted(staff):
    proposal = ProposalFactory(stage=Stage.REVIEW)
    ReviewAssignmentFactory(proposal=proposal)

    response = staff.post(
        reverse("admin:projects_proposal_delete", args=[proposal.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Proposal.objects.filter(pk=proposal.pk).exists()
    assert ReviewAssignment.objects.filter(proposal=proposal).count() == 1
