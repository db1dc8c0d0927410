"""Time as the stores record it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from warehouse.clock import cutoff_after, utc_now


def test_the_cutoff_is_midnight_after_the_as_of_day() -> None:
    assert cutoff_after(date(2015, 6, 30)) == datetime(2015, 7, 1)


def test_now_is_naive_utc() -> None:
    before = datetime.now(UTC).replace(tzinfo=None)
    now = utc_now()
    assert now.tzinfo is None
    assert before <= now <= before + timedelta(seconds=5)
