from datetime import date, timedelta

import pandas as pd
import pytest

from tests.support.overview_snapshot import (
    AS_OF,
    FIRST_DAY,
    OverviewSnapshot,
    write_overview_snapshot,
)
from warehouse.queries import overview as queries
from warehouse.snapshots import SnapshotReader

LAST_WEEK = (AS_OF - timedelta(days=6), AS_OF)


@pytest.fixture
def snapshot(tmp_path) -> OverviewSnapshot:
    return write_overview_snapshot(tmp_path / "actionboard.duckdb")


@pytest.fixture
def cur(snapshot):
    return SnapshotReader(snapshot.db).cursor()


def _days(frame: pd.DataFrame, column: str, start: date, end: date) -> pd.DataFrame:
    return frame[(frame[column] >= start) & (frame[column] <= end)]


def test_data_bounds_are_the_first_and_last_kpi_day_and_the_as_of_date(cur):
    row = queries.data_bounds(cur).iloc[0]
    assert (row["first_date"].date(), row["last_date"].date()) == (FIRST_DAY, AS_OF)
    assert row["as_of_date"].date() == AS_OF


def test_period_kpis_of_one_day_match_the_fixture_rules(cur):
    # Day 0 (2024-03-01): 1 order of item 101 (10) plus item 102 (25, since 0 % 5 == 0) = 35;
    # traffic 200 visits.
    row = queries.period_kpis(cur, FIRST_DAY, FIRST_DAY).iloc[0]
    assert (row["traffic"], row["count_orders"], row["gmv_amount"]) == (200, 1, 35.0)
    assert row["conversion_rate"] == pytest.approx(1 / 200)
    assert row["avg_ticket_amount"] == pytest.approx(35.0)


def test_period_kpis_are_sums_of_daily_rows_and_multiply_back_to_gmv(cur, snapshot):
    daily = _days(snapshot.frames["daily_kpis"], "kpi_date", *LAST_WEEK)
    row = queries.period_kpis(cur, *LAST_WEEK).iloc[0]
    assert row["count_days"] == 7
    assert row["traffic"] == daily["traffic"].sum()
    assert row["count_orders"] == daily["count_orders"].sum()
    assert row["gmv_amount"] == pytest.approx(daily["gmv_amount"].sum())
    assert row["traffic"] * row["conversion_rate"] * row["avg_ticket_amount"] == pytest.approx(
        row["gmv_amount"]
    )


def test_period_kpis_outside_the_data_are_zero_with_undefined_ratios(cur):
    row = queries.period_kpis(cur, date(2023, 1, 1), date(2023, 1, 31)).iloc[0]
    assert (row["count_days"], row["traffic"], row["gmv_amount"]) == (0, 0, 0.0)
    assert pd.isna(row["conversion_rate"]) and pd.isna(row["avg_ticket_amount"])


def test_gmv_series_by_month_sums_each_calendar_month(cur, snapshot):
    series = queries.gmv_series(cur, FIRST_DAY, AS_OF, "month")
    daily = snapshot.frames["daily_kpis"]
    march = daily[pd.to_datetime(daily["kpi_date"]).dt.month == 3]
    assert [d.date() for d in series["period_start"]] == [date(2024, 3, 1), date(2024, 4, 1)]
    assert list(series["count_days"]) == [31, 30]
    assert series["gmv_amount"].iloc[0] == pytest.approx(march["gmv_amount"].sum())
    assert series["gmv_amount"].sum() == pytest.approx(daily["gmv_amount"].sum())


def test_gmv_series_by_week_starts_on_monday_and_marks_partial_weeks(cur):
    # 2024-03-01 is a Friday: the first week starts Monday 2024-02-26 and holds 3 days of range.
    series = queries.gmv_series(cur, FIRST_DAY, date(2024, 3, 10), "week")
    assert [d.date() for d in series["period_start"]] == [date(2024, 2, 26), date(2024, 3, 4)]
    assert list(series["count_days"]) == [3, 7]


def test_gmv_series_rejects_an_unknown_granularity(cur):
    with pytest.raises(ValueError, match="granularity"):
        queries.gmv_series(cur, FIRST_DAY, AS_OF, "hour; DROP TABLE daily_kpis")


def test_reversed_range_is_rejected(cur):
    with pytest.raises(ValueError, match="after end date"):
        queries.period_kpis(cur, AS_OF, FIRST_DAY)


def test_funnel_sums_visits_per_step_with_step_conversion(cur, snapshot):
    daily = _days(snapshot.frames["daily_kpis"], "kpi_date", *LAST_WEEK)
    viewers, carts, buyers = (
        daily[c].sum() for c in ("count_viewers", "count_cart_adders", "count_buyers")
    )
    funnel = queries.funnel(cur, *LAST_WEEK)
    assert list(funnel["step"]) == ["view", "cart", "purchase"]
    assert list(funnel["count_visits"]) == [viewers, carts, buyers]
    assert pd.isna(funnel["step_rate"].iloc[0])
    assert funnel["step_rate"].iloc[1:].tolist() == pytest.approx([carts / viewers, buyers / carts])
    assert funnel["rate_of_first"].iloc[2] == pytest.approx(buyers / viewers)


def test_top_categories_rank_root_categories_by_gmv_and_fill_missing_periods(cur, snapshot):
    lines = snapshot.frames["order_lines"]
    totals = lines.groupby("root_category_id")["line_amount"].sum().sort_values(ascending=False)
    series = queries.top_series(cur, FIRST_DAY, AS_OF, "month", "category", top_n=2)
    ranked = series.drop_duplicates("key").sort_values("rank")
    assert list(ranked["key"]) == list(totals.index[:2])
    assert ranked["total_gmv_amount"].tolist() == pytest.approx(totals.iloc[:2].tolist())
    assert len(series) == 2 * 2  # two categories × two months
    per_key = series.groupby("key")["gmv_amount"].sum()
    assert per_key.loc[totals.index[0]] == pytest.approx(totals.iloc[0])


def test_category_trends_leave_out_lines_without_a_category(cur):
    # Item 106 has no category; the three roots are 1, 2 and 3.
    series = queries.top_series(cur, FIRST_DAY, AS_OF, "month", "category", top_n=20)
    assert set(series["key"]) == {"1", "2", "3"}


def test_a_period_without_sales_of_a_top_key_is_zero_not_missing(cur):
    # Day 0 sells items 101 and 102 (root 1: 35); day 1 sells 102 (root 1: 25) and 2 × 104
    # (root 2: 30). Root 2 is a top key of the range, so day 0 gets a 0 row for it.
    series = queries.top_series(cur, FIRST_DAY, FIRST_DAY + timedelta(days=1), "day", "category")
    day0 = series[series["period_start"].dt.date == FIRST_DAY].set_index("key")["gmv_amount"]
    assert day0.to_dict() == {"1": 35.0, "2": 0.0}


def test_top_items_of_one_day_are_its_items_by_gmv_with_their_category(cur):
    # Day 0: item 102 (25) then item 101 (10); no other item sold that day.
    series = queries.top_series(cur, FIRST_DAY, FIRST_DAY, "day", "item", top_n=5)
    assert list(series["key"]) == ["102", "101"]
    assert list(series["gmv_amount"]) == [25.0, 10.0]
    assert list(series["detail"]) == ["11", "11"]
    assert list(series["item_name"]) == ["Product 102", "Product 101"]


def test_top_series_validates_dimension_and_top_n(cur):
    with pytest.raises(ValueError, match="dimension"):
        queries.top_series(cur, FIRST_DAY, AS_OF, "day", "brand")
    with pytest.raises(ValueError, match="top_n"):
        queries.top_series(cur, FIRST_DAY, AS_OF, "day", "item", top_n=0)
