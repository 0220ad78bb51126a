"""Every proposal URL × role × stage: the status each cell must answer.

Hidden things answer 404, never 403. The expectations below are written out as the
product rules read, independently of the predicates they test.
"""

from __future__ import annotations

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.db import transaction
from django.db.models import QuerySet
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


# Joining a consortium ------------------------------------------------------------------
#
# Every joining step × who asks × the participation's status × the proposal's stage: what
# the rules allow, what the proposal page offers, and what the step's URL answers. A
# partner institution's participation is in each state; its researcher ("invited") is the
# person named on it, except when the institution as a whole is invited.

PEOPLE = [
    "visitor",
    "outsider",
    "lead",
    "invited",
    "partner_representative",
    "other_representative",
    "coordinator",
]
JOINING_STATES = {
    "define": Stage.DEFINE,  # partners join now
    "review": Stage.REVIEW,  # joining is over, the work has not started
    "completed": Stage.COMPLETED,  # the work is over
}
PARTICIPATION_STATUSES = [
    "invited",
    "invited_institution",
    "requested",
    "accepted",
    "confirmed",
    "declined",
    "withdrawn",
]
STEPS = {
    "accept": "accepted",
    "decline": "declined",
    "confirm": "confirmed",
    "withdraw": "withdrawn",
}
PERMS = {
    "accept": "projects.accept_participation",
    "decline": "projects.decline_participation",
    "confirm": "projects.confirm_participation",
    "withdraw": "projects.withdraw_participation",
    "invite": "projects.invite_partners",
    "request": "projects.request_to_join",
}
OPEN = {"invited", "invited_institution", "requested", "accepted", "confirmed"}
UNANSWERED = {"invited", "invited_institution", "requested"}
DONE, REFUSED = "done", "refused"


def answerer(status: str) -> str | None:
    """The lead answers a request; the person invited, or the representative when the
    institution as a whole is invited, answers an invitation."""
    return {
        "requested": "lead",
        "invited": "invited",
        "invited_institution": "partner_representative",
    }.get(status)


def parties(status: str) -> set[str]:
    """The lead, the person named on the participation and the partner's representative."""
    named = set() if status == "invited_institution" else {"invited"}
    return {"lead", "partner_representative"} | named


def may(action: str, person: str, stage: str, status: str) -> bool:
    joining, over = stage == "define", stage == "completed"
    match action:
        case "accept":
            return person == answerer(status) and joining
        case "decline":
            return person == answerer(status)
        case "confirm":
            return status == "accepted" and person == "partner_representative" and joining
        case "withdraw":
            return status in OPEN and person in parties(status) and not over
        case "invite":
            return person == "lead" and joining
        case "request":
            # With an institution of theirs that is not in the consortium (nor asked).
            free = person in {"outsider", "other_representative"} or (
                person in {"invited", "partner_representative"} and status not in OPEN
            )
            return joining and free
    raise AssertionError(action)


def sees(person: str, stage: str, status: str) -> bool:
    """Open calls in Define: every researcher; Review: the consortium and whoever is asked
    to join or sign off; completed projects: everyone."""
    if person in {"lead", "coordinator"} or stage == "completed":
        return True
    if person == "visitor":
        return False
    if stage == "define":
        return True
    if person == "invited":
        return status in {"accepted", "confirmed"} or (
            status in OPEN and status != "invited_institution"
        )
    return person == "partner_representative" and status in OPEN


def expected_answer(action: str, person: str, stage: str, status: str) -> int | str:
    """What the step's URL answers: hidden is 404; a party is told why it cannot act now,
    unless the step is someone else's to take, which is 404 as for anyone else."""
    if person == "visitor":
        return LOGIN
    if not sees(person, stage, status):
        return 404
    if may(action, person, stage, status):
        return DONE
    match action:
        case "invite":
            return REFUSED if person == "lead" else 404
        case "request":
            return REFUSED
    if person not in parties(status):
        return 404
    match action:
        case "accept" | "decline":
            if status not in UNANSWERED:
                return REFUSED
            return 404 if person != answerer(status) else REFUSED
        case "confirm":
            if status != "accepted":
                return REFUSED
            return 404 if person != "partner_representative" else REFUSED
        case "withdraw":
            return 404 if status not in OPEN else REFUSED
    raise AssertionError(action)


def _joining_world(stages=tuple(JOINING_STATES)):
    """One proposal per stage × participation status, and the people around them."""
    lead_membership = MembershipFactory()
    partner = InstitutionFactory(name="Partner")
    people = {
        "visitor": None,
        "outsider": MembershipFactory(institution=InstitutionFactory(name="Outsider")).person,
        "lead": lead_membership.person,
        "invited": MembershipFactory(institution=partner).person,
        "partner_representative": MembershipFactory(
            institution=partner, role=MembershipRole.REPRESENTATIVE
        ).person,
        "other_representative": MembershipFactory(
            institution=InstitutionFactory(name="Other"), role=MembershipRole.REPRESENTATIVE
        ).person,
        "coordinator": CoordinatorFactory(),
    }
    cells = {}
    for stage_name in stages:
        for status in PARTICIPATION_STATUSES:
            proposal = ProposalFactory(
                stage=JOINING_STATES[stage_name],
                visibility=Visibility.OPEN_CALL,
                lead=lead_membership.person,
                lead_institution=lead_membership.institution,
            )
            participation = ParticipationFactory(
                proposal=proposal,
                institution=partner,
                person=None if status == "invited_institution" else people["invited"],
                status=ParticipationStatus.INVITED if status == "invited_institution" else status,
            )
            cells[stage_name, status] = (proposal, participation)
    return people, cells


def test_joining_rules_allow_exactly_the_product_rules(db):
    people, cells = _joining_world()
    mismatches = []
    for (stage, status), (proposal, participation) in cells.items():
        for person in PEOPLE:
            user = people[person] or AnonymousUser()
            for action, perm in PERMS.items():
                target = proposal if action in {"invite", "request"} else participation
                allowed = rules.has_perm(perm, user, target)
                if allowed != may(action, person, stage, status):
                    mismatches.append(f"{action} × {person} × {stage} × {status}: {allowed}")

    assert mismatches == []


class _Undo(Exception):
    """Raised to roll a step back, so that every cell starts from the same data."""


def _outcome(client, url: str, data: dict, happened: QuerySet) -> int | str:
    """POST a step, tell what came of it (``happened`` finds its result), and undo it."""
    client.cookies.pop("messages", None)  # only this request's messages count
    try:
        with transaction.atomic():
            response = client.post(url, data)
            if response.status_code == 302 and response["Location"].startswith(
                reverse("account_login")
            ):
                outcome = LOGIN
            elif response.status_code == 302:
                levels = {m.level_tag for m in get_messages(response.wsgi_request)}
                done = happened.exists()
                if done and levels == {"success"}:
                    outcome = DONE
                elif not done and levels == {"error"}:
                    outcome = REFUSED
                else:
                    outcome = f"302, done={done}, messages={levels}"
            else:
                outcome = response.status_code
            raise _Undo
    except _Undo:
        pass
    return outcome


@pytest.mark.parametrize("stage", JOINING_STATES)
def test_joining_pages_offer_and_urls_answer_as_the_rules_say(client, stage):
    people, cells = _joining_world(stages=[stage])
    newcomer = InstitutionFactory(name="Newcomer")
    home = {
        "outsider": people["outsider"].memberships.get().institution,
        "lead": cells[stage, "invited"][0].lead_institution,
        "other_representative": people["other_representative"].memberships.get().institution,
    }
    mismatches = []
    for status in PARTICIPATION_STATUSES:
        proposal, participation = cells[stage, status]
        partner = participation.institution
        for person in PEOPLE:
            client.logout()
            if people[person] is not None:
                client.force_login(people[person])
            cell = f"{person} × {stage} × {status}"

            if sees(person, stage, status):
                page = client.get(proposal.get_absolute_url()).context
                row = page["participation_actions"].get(participation.pk)
                offered = {step for step in STEPS if row and getattr(row, step)}
                offered |= {"invite"} if page["can_invite"] else set()
                offered |= {"request"} if page["join_form"] is not None else set()
                expected = {a for a in PERMS if may(a, person, stage, status)}
                if offered != expected:
                    mismatches.append(f"page × {cell}: offers {offered}, expected {expected}")

            for step, target in STEPS.items():
                answer = _outcome(
                    client,
                    reverse("projects:participation_act", args=[participation.pk, step]),
                    # Ticked as on the withdrawal page, which a confirmed partner needs.
                    {"comment": "Plans changed.", "confirm": "on"},
                    participation.transitions.filter(to_status=target),
                )
                expected = expected_answer(step, person, stage, status)
                if answer != expected:
                    mismatches.append(f"{step} × {cell}: {answer}, expected {expected}")

            answer = _outcome(
                client,
                reverse("projects:participation_invite", args=[proposal.slug]),
                {"institution": newcomer.pk},
                proposal.participations.filter(institution=newcomer),
            )
            expected = expected_answer("invite", person, stage, status)
            if answer != expected:
                mismatches.append(f"invite × {cell}: {answer}, expected {expected}")

            institution = home.get(person, partner)
            answer = _outcome(
                client,
                reverse("projects:participation_request", args=[proposal.slug]),
                {"institution": institution.pk, "message": "We bring a robot lab."},
                proposal.participations.filter(
                    institution=institution, status=ParticipationStatus.REQUESTED
                ).exclude(pk=participation.pk),
            )
            expected = expected_answer("request", person, stage, status)
            if answer != expected:
                mismatches.append(f"request × {cell}: {answer}, expected {expected}")

    assert mismatches == []


def test_decision_reasons_are_read_by_the_consortium_and_coordinators(db):
    proposal = ProposalFactory(stage=Stage.APPROVED)
    partner = ParticipationFactory(proposal=proposal, status=ParticipationStatus.CONFIRMED)
    invited = ParticipationFactory(proposal=proposal, status=ParticipationStatus.INVITED)
    people = {
        "visitor": AnonymousUser(),
        "researcher": MembershipFactory(institution=InstitutionFactory()).person,
        "invited_partner": MembershipFactory(institution=invited.institution).person,
        "consortium_member": MembershipFactory(institution=partner.institution).person,
        "colleague": MembershipFactory(institution=proposal.lead_institution).person,
        "lead": proposal.lead,
        "coordinator": CoordinatorFactory(),
    }

    assert {
        person: rules.has_perm("projects.view_decision_reason", user, proposal)
        for person, user in people.items()
    } == {
        "visitor": False,
        "researcher": False,
        "invited_partner": False,
        "consortium_member": True,
        "colleague": True,
        "lead": True,
        "coordinator": True,
    }
