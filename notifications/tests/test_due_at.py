"""When an email falls due: instant after the merge delay, digests at 07:00 local time."""

from datetime import UTC, datetime, timedelta

import pytest

from notifications.enums import Frequency
from notifications.services import delivery_due_at


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_delivery_due_at_instant_waits_the_merge_delay(settings):
    settings.NOTIFICATIONS_MERGE_DELAY = 120
    now = _utc(2026, 7, 1, 12, 0)

    due = delivery_due_at(frequency=Frequency.INSTANT, time_zone="Europe/Berlin", now=now)

    assert due == now + timedelta(seconds=120)


def test_delivery_due_at_instant_without_merge_delay_is_now(settings):
    settings.NOTIFICATIONS_MERGE_DELAY = 0
    now = _utc(2026, 7, 1, 12, 0)

    assert delivery_due_at(frequency=Frequency.INSTANT, time_zone="Asia/Tokyo", now=now) == now


def test_delivery_due_at_off_is_none():
    now = _utc(2026, 7, 1, 12, 0)

    assert delivery_due_at(frequency=Frequency.OFF, time_zone="Europe/Berlin", now=now) is None


@pytest.mark.parametrize(
    ("now", "due"),
    [
        # Berlin in summer is UTC+2: 07:00 there is 05:00 UTC.
        (_utc(2026, 7, 1, 4, 59), _utc(2026, 7, 1, 5, 0)),  # 06:59: this morning
        (_utc(2026, 7, 1, 5, 0), _utc(2026, 7, 2, 5, 0)),  # 07:00 sharp: tomorrow
        (_utc(2026, 7, 1, 5, 1), _utc(2026, 7, 2, 5, 0)),  # 07:01: tomorrow
        (_utc(2026, 7, 1, 21, 30), _utc(2026, 7, 2, 5, 0)),  # 23:30: tomorrow
        (_utc(2026, 7, 1, 22, 30), _utc(2026, 7, 2, 5, 0)),  # 00:30 the next day: that morning
        # Winter is UTC+1.
        (_utc(2026, 1, 15, 5, 59), _utc(2026, 1, 15, 6, 0)),
        (_utc(2026, 1, 15, 6, 1), _utc(2026, 1, 16, 6, 0)),
        # The night the clocks go forward (29 March 2026): 07:00 CEST, 05:00 UTC.
        (_utc(2026, 3, 28, 6, 30), _utc(2026, 3, 29, 5, 0)),
        # The night they go back (25 October 2026): 07:00 CET, 06:00 UTC.
        (_utc(2026, 10, 24, 6, 0), _utc(2026, 10, 25, 6, 0)),
    ],
)
def test_delivery_due_at_daily_is_the_next_seven_oclock_in_berlin(now, due):
    assert delivery_due_at(frequency=Frequency.DAILY, time_zone="Europe/Berlin", now=now) == due


def test_delivery_due_at_daily_follows_the_persons_time_zone():
    now = _utc(2026, 1, 15, 11, 0)  # 06:00 in New York (UTC-5)

    due = delivery_due_at(frequency=Frequency.DAILY, time_zone="America/New_York", now=now)

    assert due == _utc(2026, 1, 15, 12, 0)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (_utc(2026, 7, 1, 12, 0), _utc(2026, 7, 6, 5, 0)),  # Wednesday: next Monday
        (_utc(2026, 7, 5, 21, 59), _utc(2026, 7, 6, 5, 0)),  # Sunday 23:59: tomorrow
        (_utc(2026, 7, 6, 4, 59), _utc(2026, 7, 6, 5, 0)),  # Monday 06:59: this morning
        (_utc(2026, 7, 6, 5, 0), _utc(2026, 7, 13, 5, 0)),  # Monday 07:00: a week on
        # The week the clocks go back: Monday 26 October 07:00 is CET.
        (_utc(2026, 10, 21, 12, 0), _utc(2026, 10, 26, 6, 0)),
    ],
)
def test_delivery_due_at_weekly_is_the_next_monday_at_seven(now, due):
    assert delivery_due_at(frequency=Frequency.WEEKLY, time_zone="Europe/Berlin", now=now) == due


def test_delivery_due_at_with_unknown_time_zone_uses_berlin():
    now = _utc(2026, 7, 1, 12, 0)

    due = delivery_due_at(frequency=Frequency.DAILY, time_zone="Mars/Olympus_Mons", now=now)

    assert due == _utc(2026, 7, 2, 5, 0)
