"""Overview figure builders: a frame in, a figure out."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics.kpi_tree import decompose_gmv_change
from dashboard.figures import title_text
from dashboard.pages.overview import figures

WEEKS = pd.DataFrame(
    {
        "period_start": pd.to_datetime(["2024-03-04", "2024-03-11", "2024-03-18"]),
        "gmv_amount": [120.0, 80.0, 30.0],
        "count_orders": [3, 2, 1],
        "traffic": [900, 850, 400],
        "count_days": [5, 7, 3],
    }
)


def test_gmv_figure_draws_full_and_partial_periods_apart_with_titles_and_units():
    # Wednesday 6 March to Wednesday 20 March: the first and the last week are cut by the range
    fig = figures.gmv_figure(WEEKS, "week", date(2024, 3, 6), date(2024, 3, 20))
    full, partial = fig.data
    assert list(full.y) == [80.0] and list(partial.y) == [120.0, 30.0]
    assert partial.name == "GMV, partial week" and partial.marker.pattern.shape == "/"
    assert title_text(fig).startswith("GMV per week Lighter, hatched bars: partial weeks")
    assert fig.layout.xaxis.title.text == "Week (Monday to Sunday)"
    assert fig.layout.yaxis.title.text == "GMV (shop currency)"
    assert partial.customdata[0][2] == (
        "Week of 04 Mar 2024 (5 of 7 days in range: 06 Mar to 10 Mar)")


def test_bars_cover_only_the_days_of_the_range():
    fig = figures.gmv_figure(WEEKS, "week", date(2024, 3, 6), date(2024, 3, 20))
    full, partial = fig.data
    day_ms = 86_400_000
    # the cut first week: 6-10 March, drawn around its middle, 5 days wide (less a gap)
    assert pd.Timestamp(partial.x[0]) == pd.Timestamp("2024-03-08 12:00")
    assert partial.width[0] == pytest.approx(5 * day_ms * 0.9)
    assert pd.Timestamp(full.x[0]) == pd.Timestamp("2024-03-14 12:00")  # 11-17 March
    low, high = (pd.Timestamp(v) for v in fig.layout.xaxis.range)
    assert (low, high) == (pd.Timestamp("2024-03-06"), pd.Timestamp("2024-03-21"))
    for trace in fig.data:
        for x, width in zip(trace.x, trace.width, strict=True):
            centre = pd.Timestamp(x)
            half = pd.Timedelta(milliseconds=width / 2)
            assert low <= centre - half and centre + half <= high


def test_week_ticks_fall_on_mondays_and_month_ticks_name_months():
    weeks = figures.gmv_figure(WEEKS, "week", date(2024, 3, 4), date(2024, 3, 24))
    assert [pd.Timestamp(t).day_name() for t in weeks.layout.xaxis.tickvals] == ["Monday"] * 3
    months = pd.DataFrame({"period_start": pd.to_datetime(["2024-03-01", "2024-04-01"]),
                           "gmv_amount": [5.0, 3.0], "count_orders": [1, 1],
                           "traffic": [10, 10], "count_days": [31, 18]})
    fig = figures.gmv_figure(months, "month", date(2024, 3, 1), date(2024, 4, 18))
    assert list(fig.layout.xaxis.ticktext) == ["Mar 2024", "Apr 2024"]
    assert fig.layout.xaxis.title.text == "Month"
    assert [t.name for t in fig.data] == ["GMV", "GMV, partial month"]  # 18 days of April


def test_funnel_figure_shows_three_steps_with_step_conversion():
    funnel = pd.DataFrame(
        {
            "step": ["view", "cart", "purchase"],
            "count_visits": [1000, 50, 10],
            "step_rate": [float("nan"), 0.05, 0.2],
            "rate_of_first": [1.0, 0.05, 0.01],
        }
    )
    fig = figures.funnel_figure(funnel)
    assert [t.type for t in fig.data] == ["funnel"]
    assert list(fig.data[0].y) == [
        "Viewed an item",
        "Added to cart<br>5.0% of previous step",
        "Purchased<br>20.0% of previous step",
    ]
    assert list(fig.data[0].text) == ["1,000", "50", "10"]
    assert fig.layout.xaxis.title.text == "Visits (a visitor on a day)"


def test_trends_figure_draws_one_named_line_per_key_in_rank_order():
    series = pd.DataFrame(
        {
            "period_start": pd.to_datetime(["2024-03-01", "2024-04-01"] * 2),
            "rank": [1, 1, 2, 2],
            "key": ["7", "7", "12", "12"],
            "detail": [None] * 4,
            "gmv_amount": [5.0, 6.0, 1.0, 2.0],
            "total_gmv_amount": [11.0, 11.0, 3.0, 3.0],
        }
    )
    fig = figures.trends_figure(series, "category", "month", date(2024, 3, 1), date(2024, 4, 10))
    assert [t.name for t in fig.data] == ["#1 Category 7", "#2 Category 12"]
    assert fig.layout.title.text == "Top 2 root categories by GMV, per month"
    # April is cut at the 10th: its points are hollow and its days shaded
    assert list(fig.data[0].marker.symbol) == ["circle", "circle-open"]
    assert [(pd.Timestamp(s.x0), pd.Timestamp(s.x1)) for s in fig.layout.shapes] == [
        (pd.Timestamp("2024-04-01"), pd.Timestamp("2024-04-11"))]
    assert fig.layout.yaxis.title.text == "GMV (shop currency)"


def test_trends_figure_names_items_by_their_name_where_the_shop_has_one():
    series = pd.DataFrame({
        "period_start": pd.to_datetime(["2024-03-01"] * 2),
        "rank": [1, 2],
        "key": ["7", "12"],
        "detail": ["dairy eggs / milk", None],
        "gmv_amount": [5.0, 1.0],
        "total_gmv_amount": [5.0, 1.0],
        "item_name": ["Whole Milk 1L", None],
    })
    fig = figures.trends_figure(series, "item", "month")
    assert [t.name for t in fig.data] == [
        "#1 Whole Milk 1L (item 7) (category dairy eggs / milk)", "#2 Item 12"]


def test_empty_series_gives_a_figure_that_says_so():
    empty = pd.DataFrame(
        columns=["period_start", "gmv_amount", "count_orders", "traffic", "count_days"]
    )
    fig = figures.gmv_figure(empty, "day")
    assert fig.data == ()
    assert fig.layout.annotations[0].text == "No sales data in this date range"


def test_kpi_tree_figure_shows_each_node_with_its_effect_on_gmv():
    before, now = (
        {"traffic": 1000, "conversion_rate": 0.02, "avg_ticket_amount": 50},
        {"traffic": 1200, "conversion_rate": 0.025, "avg_ticket_amount": 40},
    )
    split = decompose_gmv_change(before, now).set_index("driver")
    top = pd.DataFrame(
        {"current": 1200.0, "previous": 1000.0, "contribution_amount": 200.0}, index=["gmv_amount"]
    )
    tree = pd.concat([top, split[["current", "previous", "contribution_amount"]]])
    fig = figures.kpi_tree_figure(tree)
    texts = {a.name: a.text for a in fig.layout.annotations if a.name}
    assert set(texts) == {"gmv_amount", "traffic", "conversion_rate", "avg_ticket_amount"}
    assert "<b>1,200</b>" in texts["gmv_amount"] and "change +200.00" in texts["gmv_amount"]
    # Traffic grew 20% while conversion × ticket stayed equal, so it explains the whole change.
    assert "effect on GMV +200.00" in texts["traffic"]
    assert "previous 2.00%" in texts["conversion_rate"]
    assert [t.name for t in fig.data] == ["links", "nodes"]
