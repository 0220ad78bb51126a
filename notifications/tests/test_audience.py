"""Who hears of which event (notifications.audience), checked on every kind of event."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import OutboxEvent
from members.enums import MembershipRole
from members.tests.factories import MembershipFactory
from notifications.audience import CELLS, MATRIX_CELLS, audience_resolve
from notifications.enums import NotificationKind, RecipientRole
from notifications.models import Notification, RoleSetting
from notifications.reminders import reminders_send
from notifications.tests.scenarios import SCENARIOS, build_world, link
from projects import services
from projects.enums import EventKind, ParticipationStatus, Stage, Visibility
from projects.models import Decision
from projects.tests.factories import ParticipationFactory, ReviewAssignmentFactory

K = NotificationKind
R = RecipientRole

pytestmark = pytest.mark.django_db


def _last_event(kind: str) -> OutboxEvent:
    return OutboxEvent.objects.filter(kind=kind).latest("pk")


def _told(kind: str) -> set[tuple]:
    notifications = Notification.objects.filter(event=_last_event(kind)).select_related("recipient")
    return {(n.recipient, n.role, n.kind, n.action_required) for n in notifications}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=str)
def test_audience_tells_exactly_these_people(scenario):
    world = build_world()

    scenario.act(world)

    assert _told(scenario.event_kind) == scenario.told(world)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=str)
def test_audience_links_each_person_to_where_it_is_done(scenario):
    world = build_world()
    scenario.act(world)

    notifications = Notification.objects.filter(event=_last_event(scenario.event_kind))
    assert {n.url for n in notifications} == {link(world, n.kind, n.role) for n in notifications}


def test_audience_every_matrix_cell_is_told_in_some_story():
    world = build_world()

    cells = {(kind, role) for s in SCENARIOS for _user, role, kind, _action in s.told(world)}

    assert cells == MATRIX_CELLS


def test_audience_never_tells_the_actor():
    world = build_world()
    # The lead is also a coordinator: as one they would hear of the submission, as its actor not.
    world.lead.groups.add(*world.coordinator.groups.all())

    services.proposal_transition(proposal=world.proposal, to=Stage.REVIEW, actor=world.lead)

    assert world.lead not in {user for user, *_rest in _told(EventKind.STAGE_CHANGED)}


def test_audience_tells_a_person_once_with_the_role_that_asks_for_action():
    world = build_world()
    # The requester represents their institution: their sign-off is awaited, which says it all.
    world.guest.memberships.update(role=MembershipRole.REPRESENTATIVE)
    participation = services.participation_request(
        proposal=world.at(Stage.DEFINE, Visibility.OPEN_CALL),
        actor=world.guest,
        institution=world.guest_institution,
        message="Robots.",
    )

    services.participation_accept(participation=participation, actor=world.lead)

    assert _told(EventKind.PARTICIPATION_CHANGED) == {
        (world.guest, R.REPRESENTATIVE, K.SIGNOFF_AWAITED, True),
        (world.guest_rep, R.REPRESENTATIVE, K.SIGNOFF_AWAITED, True),
    }


def test_audience_tells_a_coordinator_in_the_consortium_of_a_decision_once():
    world = build_world()
    MembershipFactory(person=world.other_coordinator, institution=world.partner_institution)
    world.at(Stage.REVIEW)

    services.proposal_decide(
        proposal=world.proposal,
        actor=world.coordinator,
        outcome=Decision.Outcome.APPROVE,
        reason="Strong consortium.",
    )

    assert _told(EventKind.DECISION) == set()
    assert (world.other_coordinator, R.PARTNER, K.PROPOSAL_APPROVED, False) in _told(
        EventKind.STAGE_CHANGED
    )


def test_audience_of_a_reminder_run_is_the_person_it_names():
    world = build_world()
    world.at(Stage.REVIEW)
    ReviewAssignmentFactory(
        proposal=world.proposal,
        reviewer=world.reviewer,
        assigned_by=world.coordinator,
        due_at=timezone.now() - timedelta(days=1),
    )

    reminders_send()

    assert _told("reminder") == {(world.reviewer, R.REVIEWER, K.REMINDER_REVIEW_DUE, True)}
    assert Notification.objects.get().url == f"/proposals/{world.proposal.slug}/review/"


def test_audience_leaves_out_a_cell_switched_off():
    world = build_world()
    RoleSetting.objects.create(kind=K.PROPOSAL_SUBMITTED, role=R.PARTNER, enabled=False)

    services.proposal_transition(proposal=world.proposal, to=Stage.REVIEW, actor=world.lead)

    assert _told(EventKind.STAGE_CHANGED) == world.coordinators(K.PROPOSAL_SUBMITTED, action=True)


def test_audience_with_a_cell_switched_off_tells_through_another_role():
    world = build_world()
    MembershipFactory(person=world.coordinator, institution=world.partner_institution)
    RoleSetting.objects.create(kind=K.PROPOSAL_SUBMITTED, role=R.COORDINATOR, enabled=False)

    services.proposal_transition(proposal=world.proposal, to=Stage.REVIEW, actor=world.lead)

    assert _told(EventKind.STAGE_CHANGED) == world.consortium(
        K.PROPOSAL_SUBMITTED, but=world.lead
    ) | {(world.coordinator, R.PARTNER, K.PROPOSAL_SUBMITTED, False)}


def test_audience_leaves_out_inactive_accounts():
    world = build_world()
    world.partner.is_active = False
    world.partner.save()

    services.proposal_transition(proposal=world.proposal, to=Stage.REVIEW, actor=world.lead)

    assert world.partner not in {user for user, *_rest in _told(EventKind.STAGE_CHANGED)}


def test_audience_of_an_event_about_a_deleted_proposal_is_empty():
    world = build_world()
    services.proposal_transition(proposal=world.proposal, to=Stage.REVIEW, actor=world.lead)
    event = _last_event(EventKind.STAGE_CHANGED)
    Notification.objects.all().delete()
    world.proposal.delete()

    assert audience_resolve(event=event) == []


def test_audience_cells_name_every_kind_and_only_known_roles():
    assert set(CELLS) == set(NotificationKind)
    assert {role for _kind, role in MATRIX_CELLS} == set(RecipientRole)


@pytest.mark.parametrize("partners", [1, 30])
def test_audience_resolve_queries_do_not_grow_with_the_audience(partners):
    world = build_world()
    for _ in range(partners):
        institution = MembershipFactory().institution
        ParticipationFactory(
            proposal=world.proposal,
            institution=institution,
            status=ParticipationStatus.CONFIRMED,
        )
        MembershipFactory(institution=institution)
    world.at(Stage.DRAFT)
    services.proposal_transition(proposal=world.proposal, to=Stage.DEFINE, actor=world.lead)
    event = _last_event(EventKind.STAGE_CHANGED)

    with CaptureQueriesContext(connection) as queries:
        entries = audience_resolve(event=event)

    assert len(entries) == 5 + 2 * partners
    # subject, consortium, coordinators, switched-off cells, people, who sees the proposal
    assert len(queries) == 7
