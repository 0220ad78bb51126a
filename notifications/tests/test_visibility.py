"""Whoever cannot see the proposal is never told of it: proved for every kind of event."""

from dataclasses import dataclass, replace

import pytest

from core.outbox import event_recorded
from members.enums import EventKind as MemberEvent
from notifications import audience
from notifications.enums import REMINDER_EVENT
from notifications.models import Notification
from notifications.tests.scenarios import SCENARIOS, build_world
from projects.enums import EventKind
from projects.models import Proposal

pytestmark = pytest.mark.django_db

ABOUT_PROPOSALS = [s for s in SCENARIOS if s.event_kind not in MemberEvent.values]


@dataclass(frozen=True)
class Told:
    kind: str
    recipient_id: int
    could_see: bool


@pytest.fixture
def told_as_recorded():
    """For each notification: could its recipient see the proposal when the event was recorded?

    Connected after the notifications app's receiver, so it runs right after the audience was
    recorded, in the same transaction, asking ``visible_to`` itself with a fresh user.
    """
    seen: list[Told] = []

    def check(sender, *, event, **kwargs):
        for notification in Notification.objects.filter(event=event).select_related("recipient"):
            visible = Proposal.objects.visible_to(notification.recipient)
            seen.append(
                Told(
                    kind=event.kind,
                    recipient_id=notification.recipient_id,
                    could_see=visible.filter(pk=notification.proposal_id).exists(),
                )
            )

    event_recorded.connect(check, dispatch_uid="test-visibility")
    yield seen
    event_recorded.disconnect(dispatch_uid="test-visibility")


def test_visibility_stories_cover_every_kind_of_proposal_event():
    assert {s.event_kind for s in ABOUT_PROPOSALS} == {*EventKind.values, REMINDER_EVENT}


@pytest.mark.parametrize("scenario", ABOUT_PROPOSALS, ids=str)
def test_visibility_nobody_told_of_a_proposal_they_cannot_see(
    scenario, told_as_recorded, monkeypatch
):
    world = build_world()
    rule = audience.PROPOSAL_RULES[scenario.event_kind]
    qualified = []

    def with_outsider(subject):
        # The outsider qualifies for the rule, as if they held the first recipient's role.
        candidates = rule(subject)
        if not candidates:
            return candidates
        qualified.append(world.outsider)
        return [*candidates, replace(candidates[0], user_id=world.outsider.pk)]

    monkeypatch.setitem(audience.PROPOSAL_RULES, scenario.event_kind, with_outsider)

    scenario.act(world)

    # An open call in Define, and every proposal from Approved on, the outsider sees too:
    # there they may be told like anyone; elsewhere they were a candidate and were left out.
    outsider_sees = (
        Proposal.objects.visible_to(world.outsider).filter(pk=world.proposal.pk).exists()
    )
    about = [t for t in told_as_recorded if t.kind == scenario.event_kind]
    assert [t for t in about if not t.could_see] == []
    assert (world.outsider.pk in {t.recipient_id for t in about}) == (
        outsider_sees and bool(qualified)
    )
