"""Every proposal URL × role × stage: the status each cell must answer.

Hidden things answer 404, never 403. The expectations below are written out as the
product rules read, independently of the predicates they test.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.enums import MembershipRole
from members.tests.factories import (
    CoordinatorFactory,
    InstitutionFactory,
    MembershipFactory,
)
from projects.enums import ParticipationStatus, Stage, Visibility
from projects.models import ReviewAssignment
from projects.tests.factories import ParticipationFactory, ProposalFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "outsider",
    "consortium_member",
    "lead",
    "representative",
    "reviewer",
    "conflicted_reviewer",
    "coordinator",
]
STATES = {
    "draft": (Stage.DRAFT, Visibility.OPEN_CALL),
    "define_open_call": (Stage.DEFINE, Visibility.OPEN_CALL),
    "define_confidential": (Stage.DEFINE, Visibility.CONFIDENTIAL),
    "review": (Stage.REVIEW, Visibility.CONFIDENTIAL),
    "approved": (Stage.APPROVED, Visibility.CONFIDENTIAL),
    "drive": (Stage.DRIVE, Visibility.CONFIDENTIAL),
}

EVERYONE = set(ROLES)
RESEARCHERS = EVERYONE - {"anonymous"}
# The consortium: the lead, people of a confirmed partner, and the representative of an
# invited partner (who must be able to read what they are asked to sign off).
CONSORTIUM = {"lead", "consortium_member", "representative", "conflicted_reviewer"}

VISIBLE = {
    "draft": {"lead"},
    "define_open_call": RESEARCHERS,
    "define_confidential": CONSORTIUM | {"coordinator"},
    "review": CONSORTIUM | {"coordinator", "reviewer"},
    "approved": EVERYONE,
    "drive": EVERYONE,
}


LOGIN_REQUIRED = {
    "edit",
    "submit",
    "reviewers",
    "review",
    "decide",
    "milestones",
    "updates",
    "partners",
    "consortia",
}
LOGIN = "login"  # a redirect to the sign-in page, the same whether the proposal exists or not


def expected_status(url: str, role: str, state: str) -> int | str:
    if role == "anonymous" and url in LOGIN_REQUIRED:
        return LOGIN
    visible = role in VISIBLE[state]
    if not visible:
        return 404
    match url:
        case "detail" | "revisions":
            return 200
        case "edit":
            return (
                200
                if role == "lead" and state in {"draft", "define_open_call", "define_confidential"}
                else 404
            )
        case "submit":
            if role == "lead" and state == "draft":
                return 200
            # Someone who sees the proposal is sent back to it: not available now.
            return 302
        case "reviewers" | "decide":
            return 200 if role == "coordinator" and state == "review" else 404
        case "review":
            return 200 if role == "reviewer" and state == "review" else 404
        case "partners" | "consortia":
            return 200 if role in {"lead", "coordinator"} else 404
        case "milestones" | "updates":
            return (
                302
                if state == "drive" and role in {"lead", "consortium_member", "conflicted_reviewer"}
                else 404
            )
    raise AssertionError(url)


URLS = {
    "detail": ("get", "projects:proposal_detail", {}),
    "edit": ("get", "projects:proposal_edit", {}),
    "revisions": ("get", "projects:revision_list", {}),
    "submit": ("get", "projects:proposal_transition", {"name": "submit"}),
    "reviewers": ("get", "projects:reviewer_assign", {}),
    "review": ("get", "projects:review_submit", {}),
    "decide": ("get", "projects:proposal_decide", {}),
    "milestones": ("post", "projects:milestone_create", {}),
    "updates": ("post", "projects:progress_update_create", {}),
    "partners": ("get", "projects:find_partners", {}),
    "consortia": ("get", "projects:consortium_builder", {}),
}


@pytest.fixture
def world():
    """One proposal per state, and one person per role around each."""
    coordinator = CoordinatorFactory()
    outsider = MembershipFactory(institution=InstitutionFactory()).person
    reviewer = MembershipFactory(institution=InstitutionFactory()).person
    proposals = {}
    people = {}
    for state, (stage, visibility) in STATES.items():
        proposal = ProposalFactory(stage=stage, visibility=visibility)
        partner = ParticipationFactory(proposal=proposal, status=ParticipationStatus.CONFIRMED)
        invited = ParticipationFactory(proposal=proposal, status=ParticipationStatus.INVITED)
        if stage not in (Stage.DRAFT, Stage.DEFINE):
            ReviewAssignment.objects.create(
                proposal=proposal, reviewer=reviewer, assigned_by=coordinator
            )
        proposals[state] = proposal
        people[state] = {
            "anonymous": None,
            "outsider": outsider,
            "consortium_member": MembershipFactory(institution=partner.institution).person,
            "lead": proposal.lead,
            "representative": MembershipFactory(
                institution=invited.institution, role=MembershipRole.REPRESENTATIVE
            ).person,
            "reviewer": reviewer,
            # A researcher at the lead institution: part of the consortium, never a reviewer.
            "conflicted_reviewer": MembershipFactory(institution=proposal.lead_institution).person,
            "coordinator": coordinator,
        }
    return proposals, people


def test_permission_matrix(client, world):
    proposals, people = world
    mismatches = []
    cells = 0
    for state, proposal in proposals.items():
        for role in ROLES:
            person = people[state][role]
            client.logout()
            if person is not None:
                client.force_login(person)
            for name, (method, route, kwargs) in URLS.items():
                url = reverse(route, kwargs={"slug": proposal.slug, **kwargs})
                data = {"title": "Plan", "due_date": "2027-01-01", "body": "Done."}
                response = getattr(client, method)(url, data if method == "post" else None)
                status = response.status_code
                if status == 302 and response["Location"].startswith(reverse("account_login")):
                    status = LOGIN
                expected = expected_status(name, role, state)
                cells += 1
                if status != expected:
                    mismatches.append(f"{name} × {role} × {state}: {status}, expected {expected}")

    assert mismatches == []
    assert cells == len(URLS) * len(ROLES) * len(STATES)
