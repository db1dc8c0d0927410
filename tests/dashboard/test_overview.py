from datetime import date, timedelta

import dash
import pandas as pd
import pytest
from dash import html

from analytics.kpi_tree import decompose_gmv_change, period_drivers
from dashboard import formatting, ids
from dashboard.app import create_app
from dashboard.figures import overview as figures
from tests.dashboard.conftest import AS_OF, FIRST_DAY


@pytest.fixture
def page(overview_snapshot):
    """The overview page module of an app reading the fixture snapshot."""
    create_app(overview_snapshot.db)
    from dashboard.pages import overview

    return overview


@pytest.fixture
def bounds(page):
    return {"first": FIRST_DAY.isoformat(), "last": AS_OF.isoformat(), "as_of": AS_OF.isoformat()}


def _sums(frames, start: date, end: date) -> pd.Series:
    daily = frames["daily_kpis"]
    return daily[(daily["kpi_date"] >= start) & (daily["kpi_date"] <= end)][
        ["traffic", "count_orders", "gmv_amount"]
    ].sum()


# --- app shell ---------------------------------------------------------------------------------


def test_app_can_be_created_twice_and_lists_overview_first_in_the_navbar(overview_snapshot):
    create_app(overview_snapshot.db)
    app = create_app(overview_snapshot.db)
    overview = [p for p in dash.page_registry.values() if p["path"] == "/"]
    assert len(overview) == 1 and overview[0]["name"] == "Overview"
    assert overview[0]["module"] == "dashboard.pages.overview"
    navbar = app.layout[ids.APP_NAVBAR]
    assert navbar.children[0].children.children == "Overview"


def test_second_app_registers_each_overview_callback_once(overview_snapshot):
    create_app(overview_snapshot.db)
    create_app(overview_snapshot.db)
    outputs = [c["output"] for c in dash._callback.GLOBAL_CALLBACK_LIST]
    assert len(outputs) == len(set(outputs))
    assert len([o for o in outputs if "overview-" in o]) == 3


# --- figure builders ---------------------------------------------------------------------------


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


# --- callbacks called directly -----------------------------------------------------------------


def test_layout_defaults_to_the_last_28_days_up_to_the_as_of_date(page):
    layout = page.layout()
    picker = layout[ids.OVERVIEW_DATE_RANGE]
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
    message, label, cards, tree, gmv, funnel = page.update_overview(
        start.isoformat(), end.isoformat(), "day", bounds
    )
    assert message is None
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
    assert list(funnel.data[0].y) == ["Viewed an item", "Added to cart", "Purchased"]
    effects = decompose_gmv_change(period_drivers(*before), period_drivers(*now))[
        "contribution_amount"
    ]
    traffic_effect = formatting.money(abs(effects.iloc[0]))
    traffic_text = next(a.text for a in tree.layout.annotations if a.name == "traffic")
    assert f"effect on GMV {formatting.signed(traffic_effect, effects.iloc[0])}" in traffic_text


def test_range_from_the_first_day_has_no_previous_period_and_still_renders(page, bounds):
    message, label, cards, tree, _, _ = page.update_overview(
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
def test_invalid_date_range_gives_a_clear_message_instead_of_charts(
    page, bounds, start, end, expected
):
    message, _, cards, tree, _, _ = page.update_overview(start, end, "day", bounds)
    assert expected in message.children
    assert cards == []
    assert expected in tree.layout.annotations[0].text
    trends = page.update_trends(start, end, "day", "item", "5", bounds)
    assert expected in trends.layout.annotations[0].text


def test_trends_callback_switches_between_categories_and_items(page, bounds):
    categories = page.update_trends("2024-03-01", "2024-04-30", "week", "category", "3", bounds)
    items = page.update_trends("2024-03-01", "2024-04-30", "week", "item", "5", bounds)
    assert len(categories.data) == 3 and categories.data[0].name.startswith("#1 Category ")
    assert len(items.data) == 5 and items.data[0].name.startswith("#1 Item ")


def test_without_a_published_snapshot_the_page_says_to_run_refresh(tmp_path):
    create_app(tmp_path / "empty.duckdb")
    from dashboard.pages import overview

    layout = overview.layout()
    text = layout[ids.OVERVIEW_MESSAGE].children
    assert "No data has been published yet" in text
    assert "python app.py refresh --db" in text
