"""The Overview's date ranges: the data's bounds, quick ranges, the picker's dates checked, and
the previous period to compare with. Pure functions (no Dash state)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from dashboard.errors import InputError

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
    """Parse and check the picker's dates; InputError with a message for the page otherwise."""
    first, last = date.fromisoformat(bounds["first"]), date.fromisoformat(bounds["last"])
    if not start or not end:
        raise InputError("Pick both a start and an end date.")
    try:
        start_day, end_day = date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
    except ValueError:
        raise InputError(f"Dates must be written YYYY-MM-DD, got {start!r} and {end!r}.") from None
    if start_day > end_day:
        raise InputError(f"The start date {start_day} is after the end date {end_day}.")
    if end_day < first or start_day > last:
        raise InputError(
            f"{start_day} to {end_day} is outside the data, which covers {first} to {last}."
        )
    if start_day < first or end_day > last:
        raise InputError(f"Pick dates between {first} and {last} (the data's first and last day).")
    return start_day, end_day


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before ``start``..``end``."""
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def period_length(period_start: date, granularity: str) -> int:
    """Days in the day, week (Monday to Sunday) or calendar month starting at ``period_start``."""
    if granularity == "day":
        return 1
    if granularity == "week":
        return 7
    if granularity == "month":
        following = (period_start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return (following - period_start.replace(day=1)).days
    raise ValueError(f"granularity must be day, week or month, got {granularity!r}")


def period_spans(
    period_starts: pd.Series, granularity: str, start: date, end: date
) -> pd.DataFrame:
    """The part of each period inside the range ``start``..``end``, so a chart draws a period
    only over the days it covers and marks a partial one (a week cut by the range's first day,
    a month of 18 days at the end of the data).

    One row per period: ``period_start``, ``span_start`` and ``span_end`` (first and last day
    inside the range), ``days_in_range``, ``days_in_period``, ``is_partial``.
    """
    rows = []
    for value in pd.to_datetime(period_starts):  # one row per period: a few dozen at most
        first = value.date()
        length = period_length(first, granularity)
        last = first + timedelta(days=length - 1)
        span_start, span_end = max(first, start), min(last, end)
        days = (span_end - span_start).days + 1
        rows.append((first, span_start, span_end, days, length, days < length))
    return pd.DataFrame(rows, columns=["period_start", "span_start", "span_end", "days_in_range",
                                       "days_in_period", "is_partial"])
