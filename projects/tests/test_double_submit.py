"""The same form posted twice at once (a double click, a retried request) creates once.

Real threads post through the whole stack against PostgreSQL, as two browser requests would.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from conftest import require
from core.models import OutboxEvent
from core.tests.concurrency import logged_in, post_at_once
from members.tests.factories import (
    CoordinatorFactory,
    FocusAreaFactory,
    InstitutionFactory,
    MembershipFactory,
)
from projects.enums import EventKind, Stage
from projects.models import Milestone, ProgressUpdate, Proposal, Review
from projects.services import review_assign
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db(transaction=True)

TRIALS = 5


@pytest.fixture(autouse=True)
def _postgresql():
    require(connection.vendor == "postgresql", "concurrent writes need PostgreSQL")


def _token(client: Client, url: str, *, action: str = "") -> str:
    """The token the form (posting to ``action``) carries when the page shows it."""
    page = client.get(url).content.decode()
    form = rf'<form[^>]*action="{action}"[^>]*>' if action else r'<form method="post"[^>]*>'
    tokens = re.findall(
        form + r'.*?name="request_token" value="([0-9a-f-]{36})"', page, flags=re.DOTALL
    )
    assert len(tokens) == 1
    return tokens[0]


def _events(kind: EventKind) -> int:
    return OutboxEvent.objects.filter(kind=kind).count()


def test_milestone_posted_twice_at_once_is_added_once():
    proposal = ProposalFactory(stage=Stage.DRIVE)
    clients = [logged_in(proposal.lead), logged_in(proposal.lead)]
    url = reverse("projects:milestone_create", args=[proposal.slug])

    for trial in range(1, TRIALS + 1):
        token = _token(clients[0], proposal.get_absolute_url(), action=url)
        data = {"title": f"Release {trial}", "due_date": "2027-06-30", "request_token": token}
        responses = post_at_once(clients, url, [data, data])

        assert [(r.status_code, r["Location"]) for r in responses] == [
            (302, proposal.get_absolute_url() + "#milestones")
        ] * 2
        assert Milestone.objects.filter(proposal=proposal).count() == trial
        assert _events(EventKind.MILESTONE) == trial
    assert list(Milestone.objects.values_list("title", flat=True)) == [
        f"Release {n}" for n in range(1, TRIALS + 1)
    ]


def test_progress_update_posted_twice_at_once_is_posted_once():
    proposal = ProposalFactory(stage=Stage.DRIVE)
    clients = [logged_in(proposal.lead), logged_in(proposal.lead)]
    url = reverse("projects:progress_update_create", args=[proposal.slug])

    for trial in range(1, TRIALS + 1):
        token = _token(clients[0], proposal.get_absolute_url(), action=url)
        data = {"body": f"Week {trial}: data pipeline done.", "request_token": token}
        responses = post_at_once(clients, url, [data, data])

        assert [(r.status_code, r["Location"]) for r in responses] == [
            (302, proposal.get_absolute_url() + "#updates")
        ] * 2
        assert ProgressUpdate.objects.filter(proposal=proposal).count() == trial
        assert _events(EventKind.PROGRESS_UPDATE) == trial


def test_review_submitted_twice_at_once_records_one_review_and_one_event(seeded_criteria):
    url_name = "projects:review_submit"
    for _trial in range(TRIALS):
        proposal = ProposalFactory(stage=Stage.REVIEW)
        reviewer = MembershipFactory(institution=InstitutionFactory()).person
        review_assign(proposal=proposal, reviewer=reviewer, actor=CoordinatorFactory())
        clients = [logged_in(reviewer), logged_in(reviewer)]
        url = reverse(url_name, args=[proposal.slug])
        data = {f"score_{c.pk}": "4" for c in seeded_criteria} | {
            "recommendation": "approve",
            "comment": "Strong consortium.",
            "request_token": _token(clients[0], url),
        }

        responses = post_at_once(clients, url, [data, data])

        assert [(r.status_code, r["Location"]) for r in responses] == [
            (302, proposal.get_absolute_url())
        ] * 2
        assert Review.objects.filter(assignment__proposal=proposal).count() == 1
        assert (
            OutboxEvent.objects.about(proposal).filter(kind=EventKind.REVIEW_SUBMITTED).count() == 1
        )
    assert _events(EventKind.REVIEW_SUBMITTED) == TRIALS


def _proposal_data(*, institution, area, title: str) -> dict:
    return {
        "title": title,
        "lead_institution": institution.pk,
        "summary": "A model for many robots.",
        "focus_area": area.pk,
        "description": "## Plan",
        "licence": "Apache-2.0",
        "duration_months": 18,
        "visibility": "open_call",
    }


def test_new_proposal_posted_twice_at_once_is_created_once():
    membership = MembershipFactory()
    area = FocusAreaFactory()
    clients = [logged_in(membership.person), logged_in(membership.person)]
    url = reverse("projects:proposal_create")

    for trial in range(1, TRIALS + 1):
        data = _proposal_data(
            institution=membership.institution, area=area, title="Open robot model"
        ) | {"request_token": _token(clients[0], url)}
        responses = post_at_once(clients, url, [data, data])

        assert Proposal.objects.count() == trial
        newest = Proposal.objects.order_by("-pk").first()
        assert [(r.status_code, r["Location"]) for r in responses] == [
            (302, newest.get_absolute_url())
        ] * 2
        assert newest.revisions.count() == 1
        assert newest.participations.count() == 1


def test_two_new_proposals_with_one_title_at_once_both_get_a_slug():
    area = FocusAreaFactory()
    memberships = [MembershipFactory(), MembershipFactory()]
    clients = [logged_in(m.person) for m in memberships]
    url = reverse("projects:proposal_create")

    for trial in range(1, TRIALS + 1):
        title = f"Shared idea {trial}"
        data = [
            _proposal_data(institution=m.institution, area=area, title=title)
            | {"request_token": _token(client, url)}
            for m, client in zip(memberships, clients, strict=True)
        ]
        responses = post_at_once(clients, url, data)

        assert [r.status_code for r in responses] == [302, 302]
        slugs = sorted(Proposal.objects.filter(title=title).values_list("slug", flat=True))
        assert slugs == [f"shared-idea-{trial}", f"shared-idea-{trial}-2"]
        assert sorted(r["Location"] for r in responses) == sorted(
            reverse("projects:proposal_detail", args=[slug]) for slug in slugs
        )
