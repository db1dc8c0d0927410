"""The Overview's date ranges: the data's bounds, quick ranges, the picker's dates checked, and
the previous period to compare with. Pure functions (no Dash state)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

DEFAULT_DAYS = 28


def bounds_from_frame(frame: pd.DataFrame) -> dict[str, str] | None:
    """``data_bounds`` as ISO strings (a dcc.Store holds JSON), or None when there are no days."""
    row = frame.iloc[0]
    if pd.isna(row["first_date"]):
        return None
    first, last = row["first_date"].date(), row["last_date"].date()
    as_of = row["as_of_date"].date() if pd.notna(row["as_of_date"]) else last
    return {
        "first": first.isoformat(),
        "last": last.isoformat(),
        "as_of": min(as_of, last).isoformat(),
    }


def quick_range(bounds: dict[str, str], days: int | None) -> tuple[date, date]:
    """The last ``days`` days up to the as-of date (all data for None), clipped to the data."""
    first, end = date.fromisoformat(bounds["first"]), date.fromisoformat(bounds["as_of"])
    if days is None:
        return first, end
    return max(first, end - timedelta(days=days - 1)), end


def resolve_range(start: str | None, end: str | None, bounds: dict[str, str]) -> tuple[date, date]:
    """Parse and check the picker's dates; ValueError with a message for the page otherwise."""
    first, last = date.fromisoformat(bounds["first"]), date.fromisoformat(bounds["last"])
    if not start or not end:
        raise ValueError("Pick both a start and an end date.")
    try:
        start_day, end_day = date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
    except ValueError:
        raise ValueError(f"Dates must be written YYYY-MM-DD, got {start!r} and {end!r}.") from None
    if start_day > end_day:
        raise ValueError(f"The start date {start_day} is after the end date {end_day}.")
    if end_day < first or start_day > last:
        raise ValueError(
            f"{start_day} to {end_day} is outside the data, which covers {first} to {last}."
        )
    if start_day < first or end_day > last:
        raise ValueError(f"Pick dates between {first} and {last} (the data's first and last day).")
    return start_day, end_day


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before ``start``..``end``."""
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)
