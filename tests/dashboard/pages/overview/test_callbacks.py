"""The Overview's layout and callbacks, called directly on an app reading the fixture snapshot."""

from __future__ import annotations

from datetime import date, timedelta

import dash
import pandas as pd
import pytest
from dash import html

from analytics.kpi_tree import decompose_gmv_change, period_drivers
from dashboard import formatting
from dashboard.app import create_app
from dashboard.pages.overview import callbacks, ids
from dashboard.pages.overview.layout import layout
from tests.support.overview_snapshot import AS_OF, FIRST_DAY


@pytest.fixture
def page(overview_snapshot):
    """An app reading the fixture snapshot (the callbacks read the app created last)."""
    return create_app(overview_snapshot.db)


@pytest.fixture
def bounds(page):
    return {"first": FIRST_DAY.isoformat(), "last": AS_OF.isoformat(), "as_of": AS_OF.isoformat()}


def _sums(frames, start: date, end: date) -> pd.Series:
    daily = frames["daily_kpis"]
    return daily[(daily["kpi_date"] >= start) & (daily["kpi_date"] <= end)][
        ["traffic", "count_orders", "gmv_amount"]
    ].sum()


def test_a_quick_range_button_sets_the_picker_to_its_last_days():
    bounds = {"first": FIRST_DAY.isoformat(), "last": AS_OF.isoformat(),
              "as_of": AS_OF.isoformat()}
    assert callbacks.apply_quick_range(ids.OVERVIEW_QUICK_7, 1, None, None, None, bounds) == (
        (AS_OF - timedelta(days=6)).isoformat(), AS_OF.isoformat())
    assert callbacks.apply_quick_range(ids.OVERVIEW_QUICK_ALL, None, None, None, 1, bounds) == (
        FIRST_DAY.isoformat(), AS_OF.isoformat())


def test_layout_defaults_to_the_last_28_days_up_to_the_as_of_date(page):
    picker = layout()[ids.OVERVIEW_DATE_RANGE]
    assert (picker.start_date, picker.end_date) == (
        (AS_OF - timedelta(days=27)).isoformat(),
        AS_OF.isoformat(),
    )
    assert (picker.min_date_allowed, picker.max_date_allowed) == (
        FIRST_DAY.isoformat(),
        AS_OF.isoformat(),
    )


def test_overview_callback_cards_match_the_fixture_and_compare_with_previous_period(
    page, bounds, overview_snapshot
):
    start, end = AS_OF - timedelta(days=6), AS_OF
    now = _sums(overview_snapshot.frames, start, end)
    before = _sums(overview_snapshot.frames, start - timedelta(days=7), start - timedelta(days=1))
    message, label, style, cards, tree, gmv, funnel = callbacks.update_overview(
        start.isoformat(), end.isoformat(), "day", bounds
    )
    assert message is None and style == {}
    cards = html.Div(cards)
    value = {
        key: cards[component_id].children for key, component_id in ids.OVERVIEW_KPI_VALUE.items()
    }
    assert value["gmv_amount"] == formatting.money(now["gmv_amount"])
    assert value["traffic"] == formatting.count(now["traffic"])
    conversion = now["count_orders"] / now["traffic"]
    assert value["conversion_rate"] == formatting.percent(conversion, 2)
    assert value["avg_ticket_amount"] == formatting.money(now["gmv_amount"] / now["count_orders"])
    gmv_change = formatting.relative_change(now["gmv_amount"], before["gmv_amount"])
    change_text = cards[ids.OVERVIEW_KPI_CHANGE["gmv_amount"]].children
    assert formatting.percent(abs(gmv_change)) in change_text
    assert change_text.startswith("▲" if gmv_change > 0 else "▼")
    assert label.startswith(f"{start} to {end} (7 days) vs {start - timedelta(days=7)}")
    assert len(gmv.data[0].x) == 7
    assert [label.split("<br>")[0] for label in funnel.data[0].y] == [
        "Viewed an item", "Added to cart", "Purchased"]
    effects = decompose_gmv_change(period_drivers(*before), period_drivers(*now))[
        "contribution_amount"
    ]
    traffic_effect = formatting.money(abs(effects.iloc[0]))
    traffic_text = next(a.text for a in tree.layout.annotations if a.name == "traffic")
    assert f"effect on GMV {formatting.signed(traffic_effect, effects.iloc[0])}" in traffic_text


def test_range_from_the_first_day_has_no_previous_period_and_still_renders(page, bounds):
    message, label, _, cards, tree, _, _ = callbacks.update_overview(
        FIRST_DAY.isoformat(), AS_OF.isoformat(), "month", bounds
    )
    assert message is None
    assert "no previous period" in label
    change = html.Div(cards)[ids.OVERVIEW_KPI_CHANGE["traffic"]].children
    assert change == "no previous period to compare"
    assert all("no previous period to compare" in a.text for a in tree.layout.annotations if a.name)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2024-04-20", "2024-04-10", "is after the end date"),
        ("2023-01-01", "2023-01-31", "outside the data"),
        ("2024-04-20", "2024-05-20", "Pick dates between 2024-03-01 and 2024-04-30"),
        (None, "2024-04-10", "Pick both"),
    ],
)
def test_invalid_date_range_gives_one_message_and_hides_every_chart(
    page, bounds, start, end, expected
):
    message, label, style, *charts = callbacks.update_overview(start, end, "day", bounds)
    assert expected in message.children
    assert style == callbacks.HIDDEN and label == ""
    assert all(chart is dash.no_update for chart in charts)  # not five blank charts
    assert callbacks.update_trends(start, end, "day", "item", "5", bounds) is dash.no_update


def test_the_layout_opens_the_range_and_granularity_of_the_url(page):
    page_layout = layout(start="2024-03-04", end="2024-04-14", granularity="week")
    picker = page_layout[ids.OVERVIEW_DATE_RANGE]
    assert (picker.start_date, picker.end_date) == ("2024-03-04", "2024-04-14")
    assert page_layout[ids.OVERVIEW_GRANULARITY].value == "week"
    assert page_layout[ids.OVERVIEW_LINK_MESSAGE].children is None


def test_a_link_with_unreadable_dates_or_granularity_says_what_it_ignored(page):
    page_layout = layout(start="yesterday", end="2024-04-14", granularity="hour")
    picker = page_layout[ids.OVERVIEW_DATE_RANGE]
    assert (picker.start_date, picker.end_date) == (
        (AS_OF - timedelta(days=27)).isoformat(), AS_OF.isoformat())
    assert page_layout[ids.OVERVIEW_GRANULARITY].value == "day"
    note = page_layout[ids.OVERVIEW_LINK_MESSAGE].children.children
    assert "not dates written YYYY-MM-DD" in note and "'hour' is not one of" in note


def test_trends_callback_switches_between_categories_and_items(page, bounds):
    categories = callbacks.update_trends("2024-03-01", "2024-04-30", "week", "category", "3",
                                         bounds)
    items = callbacks.update_trends("2024-03-01", "2024-04-30", "week", "item", "5", bounds)
    assert len(categories.data) == 3 and categories.data[0].name.startswith("#1 Category ")
    assert len(items.data) == 5 and items.data[0].name.startswith("#1 Product ")


def test_without_a_published_snapshot_the_page_says_to_run_refresh(tmp_path):
    create_app(tmp_path / "empty.duckdb")
    text = layout()[ids.OVERVIEW_MESSAGE].children
    assert "No data has been published yet" in text
    assert "python app.py refresh --db" in text
