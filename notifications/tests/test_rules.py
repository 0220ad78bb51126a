import pytest
import rules
from django.contrib.auth.models import AnonymousUser

from members.tests.factories import CoordinatorFactory, MembershipFactory, UserFactory
from notifications.tests.factories import NotificationFactory
from projects.enums import ParticipationStatus
from projects.tests.factories import ParticipationFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def test_only_the_recipient_may_read_a_notification():
    notification = NotificationFactory()

    assert [
        rules.has_perm("notifications.read_notification", user, notification)
        for user in (notification.recipient, UserFactory(), CoordinatorFactory(), AnonymousUser())
    ] == [True, False, False, False]


def test_the_lead_and_coordinators_see_the_mail_log():
    proposal = ProposalFactory(stage="define")
    partner = MembershipFactory(
        institution=ParticipationFactory(
            proposal=proposal, status=ParticipationStatus.CONFIRMED
        ).institution
    ).person

    assert [
        rules.has_perm("notifications.view_mail_log", user, proposal)
        for user in (proposal.lead, CoordinatorFactory(), partner, UserFactory(), AnonymousUser())
    ] == [True, True, False, False, False]


def test_only_coordinators_set_who_is_told_of_what():
    proposal = ProposalFactory(stage="define")

    assert [
        rules.has_perm("notifications.manage_matrix", user)
        for user in (CoordinatorFactory(), proposal.lead, UserFactory(), AnonymousUser())
    ] == [True, False, False, False]
