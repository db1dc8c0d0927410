"""The Overview's periods: how much of each day, week or month a date range covers."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.pages.overview.periods import period_length, period_spans


@pytest.mark.parametrize(
    ("start", "granularity", "days"),
    [(date(2024, 2, 1), "month", 29), (date(2023, 2, 1), "month", 28),
     (date(2024, 12, 1), "month", 31), (date(2024, 3, 4), "week", 7), (date(2024, 3, 4), "day", 1)],
)
def test_a_period_lasts_its_calendar_length(start, granularity, days):
    assert period_length(start, granularity) == days


def test_spans_cut_the_first_and_last_periods_at_the_range():
    starts = pd.Series(pd.to_datetime(["2015-08-01", "2015-09-01"]))
    spans = period_spans(starts, "month", date(2015, 8, 22), date(2015, 9, 18))
    assert spans[["span_start", "span_end", "days_in_range", "days_in_period"]].values.tolist() == [
        [date(2015, 8, 22), date(2015, 8, 31), 10, 31],
        [date(2015, 9, 1), date(2015, 9, 18), 18, 30],
    ]
    assert spans["is_partial"].tolist() == [True, True]
    whole = period_spans(starts, "month", date(2015, 8, 1), date(2015, 9, 30))
    assert not whole["is_partial"].any()
