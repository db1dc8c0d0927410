"""Overview figure builders: a frame in, a figure out."""

from __future__ import annotations

import pandas as pd

from analytics.kpi_tree import decompose_gmv_change
from dashboard.pages.overview import figures


def test_gmv_figure_has_one_bar_trace_with_titles_and_units():
    series = pd.DataFrame(
        {
            "period_start": pd.to_datetime(["2024-03-04", "2024-03-11"]),
            "gmv_amount": [120.0, 80.0],
            "count_orders": [3, 2],
            "traffic": [900, 850],
            "count_days": [7, 4],
        }
    )
    fig = figures.gmv_figure(series, "week")
    assert [t.type for t in fig.data] == ["bar"]
    assert list(fig.data[0].y) == [120.0, 80.0]
    assert fig.layout.title.text == "GMV per week"
    assert fig.layout.xaxis.title.text == "Week (starting Monday)"
    assert fig.layout.yaxis.title.text == "GMV (shop currency)"
    assert fig.data[0].customdata[1][2] == "<br>4 days in range"  # partial week flagged


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
    assert list(fig.data[0].y) == ["Viewed an item", "Added to cart", "Purchased"]
    assert list(fig.data[0].text) == [
        "1,000",
        "50 · 5.0% of previous step",
        "10 · 20.0% of previous step",
    ]
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
    fig = figures.trends_figure(series, "category", "month")
    assert [t.name for t in fig.data] == ["#1 Category 7", "#2 Category 12"]
    assert fig.layout.title.text == "Top 2 root categories by GMV, per month"
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
