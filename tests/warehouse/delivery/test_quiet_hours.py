"""Quiet hours across midnight, in the shop's time zone, and when they end."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from warehouse.delivery.quiet_hours import QuietHours

NIGHT = QuietHours(time(21, 0), time(8, 0), "UTC")
BERLIN = QuietHours(time(21, 0), time(8, 0), "Europe/Berlin")


@pytest.mark.parametrize(("at", "inside", "opens"), [
    (datetime(2026, 12, 3, 20, 59), False, datetime(2026, 12, 3, 20, 59)),
    (datetime(2026, 12, 3, 21, 0), True, datetime(2026, 12, 4, 8, 0)),
    (datetime(2026, 12, 3, 23, 30), True, datetime(2026, 12, 4, 8, 0)),
    (datetime(2026, 12, 4, 7, 59), True, datetime(2026, 12, 4, 8, 0)),
    (datetime(2026, 12, 4, 8, 0), False, datetime(2026, 12, 4, 8, 0)),
])
def test_a_window_across_midnight(at, inside, opens):
    assert NIGHT.contains(at) is inside
    assert NIGHT.next_open(at) == opens


@pytest.mark.parametrize(("at", "inside", "opens"), [
    # winter: Berlin is UTC+1, so 21:00-08:00 there is 20:00-07:00 UTC
    (datetime(2026, 12, 3, 19, 59), False, datetime(2026, 12, 3, 19, 59)),
    (datetime(2026, 12, 3, 20, 0), True, datetime(2026, 12, 4, 7, 0)),
    # summer: UTC+2, 19:00-06:00 UTC
    (datetime(2026, 7, 1, 19, 30), True, datetime(2026, 7, 2, 6, 0)),
    # the night clocks go forward (29 March 2026): the window ends at 08:00 summer time
    (datetime(2026, 3, 28, 23, 0), True, datetime(2026, 3, 29, 6, 0)),
])
def test_the_window_is_read_in_the_shops_time_zone(at, inside, opens):
    assert BERLIN.contains(at) is inside
    assert BERLIN.next_open(at) == opens


def test_a_daytime_window_and_none():
    lunch = QuietHours(time(12, 0), time(14, 0))
    assert lunch.contains(datetime(2026, 1, 1, 13, 0))
    assert not lunch.contains(datetime(2026, 1, 1, 14, 0))
    assert lunch.next_open(datetime(2026, 1, 1, 12, 0)) == datetime(2026, 1, 1, 14, 0)
    never = QuietHours(time(0, 0), time(0, 0))
    assert not never.contains(datetime(2026, 1, 1, 0, 0))
    assert never.describe() == "no quiet hours"
