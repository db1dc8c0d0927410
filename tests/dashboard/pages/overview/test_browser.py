"""The overview in headless Chromium: KPI cards and charts follow the chosen date range."""

from datetime import timedelta

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.keys import Keys

from dashboard import formatting
from dashboard.app import create_app
from dashboard.pages.overview import ids
from tests.support.browser import browser_errors, start_signed_in
from tests.support.overview_snapshot import AS_OF

pytestmark = pytest.mark.browser

GMV_VALUE = f"#{ids.OVERVIEW_KPI_VALUE['gmv_amount']}"
GMV_BARS = f"#{ids.OVERVIEW_GMV_CHART} .barlayer .point"
GMV_TITLE = f"#{ids.OVERVIEW_GMV_CHART} .gtitle"


def _gmv(frames, days: int) -> str:
    daily = frames["daily_kpis"]
    in_range = daily[daily["kpi_date"] > AS_OF - timedelta(days=days)]
    return formatting.money(in_range["gmv_amount"].sum())



def test_quick_ranges_and_granularity_update_cards_and_charts(dash_duo, overview_snapshot):
    frames = overview_snapshot.frames
    start_signed_in(dash_duo, create_app(overview_snapshot.db), overview_snapshot.db)

    dash_duo.wait_for_text_to_equal(GMV_VALUE, _gmv(frames, 28), timeout=15)
    until(lambda: len(dash_duo.find_elements(GMV_BARS)) == 28, timeout=10)

    dash_duo.find_element(f"#{ids.OVERVIEW_QUICK_7}").click()
    dash_duo.wait_for_text_to_equal(GMV_VALUE, _gmv(frames, 7), timeout=10)
    dash_duo.wait_for_text_to_equal(
        f"#{ids.OVERVIEW_DATE_START_INPUT}", (AS_OF - timedelta(days=6)).isoformat(), timeout=10
    )
    until(lambda: len(dash_duo.find_elements(GMV_BARS)) == 7, timeout=10)

    dash_duo.find_element(f"#{ids.OVERVIEW_QUICK_ALL}").click()
    dash_duo.wait_for_text_to_equal(GMV_VALUE, _gmv(frames, 61), timeout=10)
    dash_duo.wait_for_text_to_equal(
        f"#{ids.OVERVIEW_KPI_CHANGE['gmv_amount']}", "no previous period to compare", timeout=10
    )

    dash_duo.find_element(f"#{ids.OVERVIEW_GRANULARITY} input[value='month']").click()
    dash_duo.wait_for_text_to_equal(GMV_TITLE, "GMV per month", timeout=10)
    until(lambda: len(dash_duo.find_elements(GMV_BARS)) == 2, timeout=10)
    assert browser_errors(dash_duo) == []


def test_without_published_data_the_page_asks_for_a_refresh(dash_duo, tmp_path):
    start_signed_in(dash_duo, create_app(tmp_path / "empty.duckdb"), tmp_path / "empty.duckdb")
    dash_duo.wait_for_contains_text(f"#{ids.OVERVIEW_MESSAGE}", "python app.py refresh", timeout=15)
    assert browser_errors(dash_duo) == []


def test_typing_a_start_date_in_the_picker_updates_the_cards(dash_duo, overview_snapshot):
    frames = overview_snapshot.frames
    start_signed_in(dash_duo, create_app(overview_snapshot.db), overview_snapshot.db)
    dash_duo.wait_for_text_to_equal(GMV_VALUE, _gmv(frames, 28), timeout=15)
    start = dash_duo.find_element(f"#{ids.OVERVIEW_DATE_START_INPUT}")
    start.send_keys(Keys.CONTROL, "a")
    start.send_keys((AS_OF - timedelta(days=13)).isoformat(), Keys.ENTER)
    dash_duo.wait_for_text_to_equal(GMV_VALUE, _gmv(frames, 14), timeout=10)


def test_the_range_and_granularity_live_in_the_url_and_survive_leaving_the_page(
    dash_duo, overview_snapshot
):
    frames = overview_snapshot.frames
    start_signed_in(dash_duo, create_app(overview_snapshot.db), overview_snapshot.db)
    start = (AS_OF - timedelta(days=13)).isoformat()
    shared = f"{dash_duo.server_url}/?start={start}&end={AS_OF.isoformat()}&granularity=week"
    dash_duo.wait_for_page(url=shared, timeout=15)  # a link someone shared
    dash_duo.wait_for_text_to_equal(GMV_VALUE, _gmv(frames, 14), timeout=15)
    dash_duo.wait_for_text_to_equal(GMV_TITLE, "GMV per week", timeout=10)

    dash_duo.find_element(f"#{ids.OVERVIEW_QUICK_7}").click()
    dash_duo.wait_for_text_to_equal(GMV_VALUE, _gmv(frames, 7), timeout=10)
    week_start = (AS_OF - timedelta(days=6)).isoformat()
    until(lambda: f"start={week_start}" in dash_duo.driver.current_url, timeout=10)

    dash_duo.find_element("#app-navbar a[href='/segments']").click()
    until(lambda: dash_duo.driver.current_url.endswith("/segments"), timeout=10)
    dash_duo.find_element("#app-navbar a[href='/']").click()  # back through the navigation bar
    dash_duo.wait_for_text_to_equal(GMV_VALUE, _gmv(frames, 7), timeout=15)
    dash_duo.wait_for_text_to_equal(GMV_TITLE, "GMV per week", timeout=10)
    assert f"start={week_start}" in dash_duo.driver.current_url
    assert "granularity=week" in dash_duo.driver.current_url
    assert browser_errors(dash_duo) == []


def test_an_invalid_range_gives_one_message_and_no_blank_charts(dash_duo, overview_snapshot):
    start_signed_in(dash_duo, create_app(overview_snapshot.db), overview_snapshot.db)
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/?start=2023-01-01&end=2023-01-31",
                           timeout=15)
    dash_duo.wait_for_contains_text(f"#{ids.OVERVIEW_MESSAGE}", "outside the data", timeout=15)
    assert not dash_duo.find_element(f"#{ids.OVERVIEW_CONTENT}").is_displayed()
    assert len(dash_duo.find_elements(".alert")) == 1
    assert browser_errors(dash_duo) == []
