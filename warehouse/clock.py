"""Time as the stores record it: naive UTC timestamps, and the cut-off of an as-of date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def utc_now() -> datetime:
    """The current UTC time as a naive timestamp, the stores' convention for ``*_at`` columns."""
    return datetime.now(UTC).replace(tzinfo=None)


def cutoff_after(as_of: date) -> datetime:
    """Midnight (naive UTC) after ``as_of``: the first instant a snapshot as of that day lacks."""
    return datetime.combine(as_of + timedelta(days=1), datetime.min.time())
