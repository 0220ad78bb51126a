"""Reminders: nothing before a threshold, one after it, none the day after, one per new threshold."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from celery import current_app as app
from django.db import IntegrityError

from core.models import OutboxEvent
from members.tests.factories import (
    CoordinatorFactory,
    InstitutionFactory,
    MembershipFactory,
    RepresentativeFactory,
)
from notifications.enums import NotificationKind
from notifications.models import Reminder
from notifications.reminders import reminders_send
from notifications.tasks import task_send_reminders
from projects.enums import Stage
from projects.models import Criterion
from projects.services import (
    participation_accept,
    participation_confirm,
    participation_invite,
    participation_request,
    proposal_update,
    review_assign,
    review_submit,
    review_withdraw_assignment,
)
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
K = NotificationKind


def _run(at: datetime) -> list[dict]:
    """Run the reminders at ``at``; the payloads of the reminder events written by that run."""
    known = set(OutboxEvent.objects.filter(kind="reminder").values_list("pk", flat=True))
    with time_machine.travel(at, tick=False):
        task_send_reminders()
    return [
        {"subject": event.subject, **event.payload}
        for event in OutboxEvent.objects.filter(kind="reminder").exclude(pk__in=known)
    ]


def _at(days: float) -> datetime:
    return T0 + timedelta(days=days)


@pytest.fixture
def proposal():
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        return ProposalFactory(stage=Stage.DEFINE)


@pytest.fixture
def partner():
    return InstitutionFactory()


@pytest.fixture
def partner_researcher(partner):
    return MembershipFactory(institution=partner).person


# Invitations, join requests, sign-offs --------------------------------------------------


def test_invitation_is_reminded_once_seven_days_on(proposal, partner, partner_researcher):
    with time_machine.travel(T0, tick=False):
        invitation = participation_invite(
            proposal=proposal, actor=proposal.lead, institution=partner, person=partner_researcher
        )

    runs = [_run(_at(days)) for days in (6.9, 7.1, 8, 20)]

    assert runs == [
        [],
        [
            {
                "subject": proposal,
                "notification_kind": K.REMINDER_INVITATION,
                "recipient_ids": [partner_researcher.pk],
                "threshold": "7d",
                "participation_id": invitation.pk,
            }
        ],
        [],
        [],
    ]
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.subject, reminder.since, reminder.threshold) == (
        K.REMINDER_INVITATION,
        invitation,
        T0,
        "7d",
    )
    assert reminder.event == OutboxEvent.objects.get(kind="reminder")
    assert reminder.event.actor is None


def test_institution_invitation_reminds_its_active_representatives(proposal, partner):
    representatives = RepresentativeFactory.create_batch(2, institution=partner)
    RepresentativeFactory(institution=partner, status="ended")
    MembershipFactory(institution=partner)
    with time_machine.travel(T0, tick=False):
        participation_invite(proposal=proposal, actor=proposal.lead, institution=partner)

    (reminder,) = _run(_at(7.5))

    assert reminder["recipient_ids"] == sorted(r.person.pk for r in representatives)


def test_answered_invitation_is_not_reminded(proposal, partner, partner_researcher):
    with time_machine.travel(T0, tick=False):
        invitation = participation_invite(
            proposal=proposal, actor=proposal.lead, institution=partner, person=partner_researcher
        )
    with time_machine.travel(_at(3), tick=False):
        participation_accept(participation=invitation, actor=partner_researcher)

    assert [r["notification_kind"] for r in _run(_at(8))] == []


def test_invitation_without_anyone_to_answer_it_is_reminded_once_someone_can(proposal, partner):
    with time_machine.travel(T0, tick=False):
        participation_invite(proposal=proposal, actor=proposal.lead, institution=partner)

    nobody = _run(_at(8))
    representative = RepresentativeFactory(institution=partner).person
    later = _run(_at(9))

    assert (nobody, [r["recipient_ids"] for r in later]) == ([], [[representative.pk]])


def test_join_request_reminds_the_lead(proposal, partner, partner_researcher):
    with time_machine.travel(T0, tick=False):
        request = participation_request(
            proposal=proposal, actor=partner_researcher, institution=partner, message="Data."
        )

    runs = [_run(_at(days)) for days in (6, 7, 8)]

    assert runs == [
        [],
        [
            {
                "subject": proposal,
                "notification_kind": K.REMINDER_JOIN_REQUEST,
                "recipient_ids": [proposal.lead.pk],
                "threshold": "7d",
                "participation_id": request.pk,
            }
        ],
        [],
    ]


def test_signoff_reminds_the_representatives_seven_days_after_acceptance(
    proposal, partner, partner_researcher
):
    representative = RepresentativeFactory(institution=partner).person
    with time_machine.travel(T0, tick=False):
        invitation = participation_invite(
            proposal=proposal, actor=proposal.lead, institution=partner, person=partner_researcher
        )
    with time_machine.travel(_at(2), tick=False):
        participation_accept(participation=invitation, actor=partner_researcher)

    runs = [_run(_at(days)) for days in (8.9, 9.1, 10)]
    with time_machine.travel(_at(10), tick=False):
        participation_confirm(participation=invitation, actor=representative)

    assert runs == [
        [],
        [
            {
                "subject": proposal,
                "notification_kind": K.REMINDER_SIGNOFF,
                "recipient_ids": [representative.pk],
                "threshold": "7d",
                "participation_id": invitation.pk,
            }
        ],
        [],
    ]
    assert _run(_at(39)) == []


# Reviews --------------------------------------------------------------------------------


@pytest.fixture
def in_review():
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        return ProposalFactory(stage=Stage.REVIEW)


@pytest.fixture
def reviewer():
    return MembershipFactory(institution=InstitutionFactory()).person


def test_overdue_review_is_reminded_at_its_due_date_and_again_a_week_later(in_review, reviewer):
    """REVIEW_DUE_DAYS = 14 and REMINDER_DAYS: 0 and 7 days past due."""
    with time_machine.travel(T0, tick=False):
        assignment = review_assign(
            proposal=in_review, reviewer=reviewer, actor=CoordinatorFactory()
        )

    runs = [_run(_at(days)) for days in (13.9, 14.1, 15, 20.9, 21.1, 22, 60)]

    expected = {
        "subject": in_review,
        "notification_kind": K.REMINDER_REVIEW_DUE,
        "recipient_ids": [reviewer.pk],
        "assignment_id": assignment.pk,
    }
    assert runs == [
        [],
        [{**expected, "threshold": "0d"}],
        [],
        [],
        [{**expected, "threshold": "7d"}],
        [],
        [],
    ]
    assert sorted(Reminder.objects.values_list("since", "threshold")) == [
        (_at(14), "0d"),
        (_at(14), "7d"),
    ]


def test_late_run_sends_only_the_highest_threshold_passed(in_review, reviewer):
    with time_machine.travel(T0, tick=False):
        review_assign(proposal=in_review, reviewer=reviewer, actor=CoordinatorFactory())

    first_run = _run(_at(25))

    assert [r["threshold"] for r in first_run] == ["7d"]
    assert _run(_at(26)) == []


def test_submitted_or_withdrawn_reviews_are_not_reminded(in_review, reviewer):
    coordinator = CoordinatorFactory()
    withdrawn_reviewer = MembershipFactory(institution=InstitutionFactory()).person
    with time_machine.travel(T0, tick=False):
        submitted = review_assign(proposal=in_review, reviewer=reviewer, actor=coordinator)
        withdrawn = review_assign(
            proposal=in_review, reviewer=withdrawn_reviewer, actor=coordinator
        )
    with time_machine.travel(_at(10), tick=False):
        review_submit(
            assignment=submitted,
            actor=reviewer,
            scores=dict.fromkeys(Criterion.objects.all(), 3),
            recommendation="approve",
            comment="Fine.",
        )
        review_withdraw_assignment(assignment=withdrawn, actor=coordinator)

    assert _run(_at(30)) == []


def test_reviewer_assigned_again_is_reminded_of_the_new_due_date(in_review, reviewer):
    coordinator = CoordinatorFactory()
    with time_machine.travel(T0, tick=False):
        assignment = review_assign(proposal=in_review, reviewer=reviewer, actor=coordinator)
    first = _run(_at(15))
    with time_machine.travel(_at(16), tick=False):
        review_withdraw_assignment(assignment=assignment, actor=coordinator)
        review_assign(proposal=in_review, reviewer=reviewer, actor=coordinator)

    runs = [_run(_at(days)) for days in (29.9, 30.1)]

    assert [r["threshold"] for r in first] == ["0d"]
    assert [[r["threshold"] for r in run] for run in runs] == [[], ["0d"]]


# Idle proposals -------------------------------------------------------------------------


def test_proposal_idle_in_define_reminds_its_lead_and_again_after_new_activity(proposal):
    """Created (and last changed) a day before T0, so idle for 30 days at T0 + 29."""
    runs = [_run(_at(days)) for days in (28.9, 29.1, 30)]
    with time_machine.travel(_at(35), tick=False):
        proposal_update(proposal=proposal, actor=proposal.lead, summary="A sharper plan.")
    after_activity = [_run(_at(days)) for days in (40, 64.9, 65.1)]

    reminder = {
        "subject": proposal,
        "notification_kind": K.REMINDER_IDLE_DEFINE,
        "recipient_ids": [proposal.lead.pk],
        "threshold": "30d",
    }
    assert runs == [[], [reminder], []]
    assert after_activity == [[], [], [reminder]]


def test_consortium_activity_keeps_a_proposal_from_being_idle(
    proposal, partner, partner_researcher
):
    with time_machine.travel(_at(20), tick=False):
        participation_invite(
            proposal=proposal, actor=proposal.lead, institution=partner, person=partner_researcher
        )

    kinds = [r["notification_kind"] for r in _run(_at(35))]

    assert kinds == [K.REMINDER_INVITATION]


def test_only_proposals_in_define_are_reminded_of_idleness(in_review):
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        ProposalFactory(stage=Stage.DRAFT)
        ProposalFactory(stage=Stage.CHANGES_REQUESTED)

    assert _run(_at(100)) == []


# Settings and safety --------------------------------------------------------------------


def test_thresholds_come_from_settings(settings, proposal, partner, partner_researcher):
    settings.REMINDER_DAYS = {**settings.REMINDER_DAYS, K.REMINDER_INVITATION: [2, 5]}
    with time_machine.travel(T0, tick=False):
        participation_invite(
            proposal=proposal, actor=proposal.lead, institution=partner, person=partner_researcher
        )

    runs = [_run(_at(days)) for days in (1.9, 2.1, 3, 5.1)]

    assert [[r["threshold"] for r in run] for run in runs] == [[], ["2d"], [], ["5d"]]


def test_an_empty_threshold_list_switches_a_reminder_off(settings, in_review, reviewer):
    settings.REMINDER_DAYS = {**settings.REMINDER_DAYS, K.REMINDER_REVIEW_DUE: []}
    with time_machine.travel(T0, tick=False):
        review_assign(proposal=in_review, reviewer=reviewer, actor=CoordinatorFactory())

    assert _run(_at(40)) == []


def test_a_reminder_cannot_be_recorded_twice(proposal):
    Reminder.objects.create(
        kind=K.REMINDER_IDLE_DEFINE, subject=proposal, since=T0, threshold="30d"
    )

    with pytest.raises(IntegrityError):
        Reminder.objects.create(
            kind=K.REMINDER_IDLE_DEFINE, subject=proposal, since=T0, threshold="30d"
        )


def test_reminders_send_counts_per_kind(proposal, partner, partner_researcher):
    with time_machine.travel(T0, tick=False):
        participation_invite(
            proposal=proposal, actor=proposal.lead, institution=partner, person=partner_researcher
        )

    with time_machine.travel(_at(8), tick=False):
        counts = reminders_send()

    assert counts == {
        K.REMINDER_REVIEW_DUE: 0,
        K.REMINDER_INVITATION: 1,
        K.REMINDER_JOIN_REQUEST: 0,
        K.REMINDER_SIGNOFF: 0,
        K.REMINDER_IDLE_DEFINE: 0,
    }


def test_reminders_run_on_beat_every_hour():
    assert app.conf.beat_schedule["send-reminders"] == {
        "task": "notifications.tasks.task_send_reminders",
        "schedule": 3600.0,
    }
