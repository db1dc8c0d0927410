"""The Action board in headless Chromium: create a rule, see its audience, launch it as a
campaign and download both groups."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

from dashboard.app import create_app
from dashboard.pages.board import ids
from tests.support.board import snapshot_stats
from tests.support.browser import browser_errors, click, pattern_id, start_signed_in
from tests.support.warehouses import board_warehouse
from warehouse.commands import EXPORT_COLUMNS, list_rules
from warehouse.snapshots import open_snapshot

pytestmark = pytest.mark.browser


def _downloaded(folder: Path, name: str) -> list[dict[str, str]]:
    path = folder / name
    until(lambda: path.exists() and path.stat().st_size > 0, timeout=20)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        assert reader.fieldnames == list(EXPORT_COLUMNS)
    return rows


@pytest.fixture
def board_db(demo_db: Path, demo_folder: Path, tmp_path: Path) -> Path:
    return board_warehouse(demo_db, demo_folder, tmp_path / "warehouse")


def test_create_a_rule_launch_it_and_download_both_groups(dash_duo, board_db: Path) -> None:
    start_signed_in(dash_duo, create_app(board_db), board_db, "campaign_owner", "/board")
    dash_duo.driver.set_window_size(1400, 1000)
    dash_duo.wait_for_contains_text(f"#{ids.BOARD_SUMMARY}", "customers", timeout=20)

    dash_duo.find_element(f"#{ids.BOARD_RULE_NAME}").send_keys("Cart abandoners")
    dash_duo.find_element(f"#{ids.BOARD_RULE_ACTION}").send_keys("Reminder")
    dash_duo.find_element(f"#{ids.BOARD_RULE_OFFER}").send_keys("Free shipping")
    dash_duo.find_element(f"#{ids.BOARD_RULE_KPI}").send_keys("conversion rate")
    Select(dash_duo.find_element(pattern_id(ids.BOARD_COND_FIELD))).select_by_value("segment")
    operator = dash_duo.find_element(pattern_id(ids.BOARD_COND_OP))
    until(lambda: operator.get_attribute("value") == "=", timeout=20)
    dash_duo.find_element(pattern_id(ids.BOARD_COND_VALUE)).send_keys("Cart Abandoners",
                                                                         Keys.TAB)
    click(dash_duo, f"#{ids.BOARD_SAVE_RULE}")
    dash_duo.wait_for_contains_text(f"#{ids.BOARD_RULE_MESSAGE}", "get its action", timeout=20)

    saved = list_rules(board_db)[-1]
    assert saved.name == "Cart abandoners"
    won = int(snapshot_stats(board_db).rules.set_index("rule_id").loc[saved.rule_id, "count_won"])
    cell = f"#{ids.BOARD_RULES_GRID} .ag-row[row-id='{saved.rule_id}'] .ag-cell[col-id='count_won']"
    dash_duo.wait_for_text_to_equal(cell, f"{won:,}", timeout=20)
    until(lambda: dash_duo.find_element(f"#{ids.BOARD_RULE_SELECT}").get_attribute("value")
          == str(saved.rule_id), timeout=20)

    click(dash_duo, f"#{ids.BOARD_LAUNCH_BUTTON}")
    dash_duo.wait_for_contains_text(f"#{ids.BOARD_LAUNCH_RESULT}", "launched", timeout=20)
    treatment = int(dash_duo.find_element(f"#{ids.BOARD_LAUNCH_TREATMENT}").text.replace(",", ""))
    control = int(dash_duo.find_element(f"#{ids.BOARD_LAUNCH_CONTROL}").text.replace(",", ""))
    assert treatment + control == won
    dash_duo.wait_for_contains_text(f"#{ids.BOARD_CAMPAIGN_STATUS}",
                                    "waiting for data after launch", timeout=20)
    campaign_id = dash_duo.find_element(f"#{ids.BOARD_CAMPAIGN_SELECT}").get_attribute("value")
    assert campaign_id.startswith("c-")

    folder = Path(dash_duo.download_path)
    click(dash_duo, f"#{ids.BOARD_DOWNLOAD_TREATMENT}")
    treated = _downloaded(folder, f"{campaign_id}_treatment.csv")
    click(dash_duo, f"#{ids.BOARD_DOWNLOAD_CONTROL}")
    held_out = _downloaded(folder, f"{campaign_id}_control.csv")
    assert len(treated) == treatment and {r["group"] for r in treated} == {"treatment"}
    assert len(held_out) == control and {r["group"] for r in held_out} == {"control"}
    assert {r["offer"] for r in treated} == {"Free shipping"}
    dash_duo.driver.refresh()  # the audit card shows the downloads once the page is reloaded
    dash_duo.wait_for_contains_text(f"#{ids.BOARD_AUDIT_GRID}", f"{campaign_id}_control.csv",
                                    timeout=20)
    assert browser_errors(dash_duo) == []


def test_the_past_campaign_shows_its_lift_with_a_confidence_interval(dash_duo, board_db: Path):
    with open_snapshot(board_db) as con:
        campaign_id, low, high = con.execute(
            "SELECT campaign_id, abs_ci_low, abs_ci_high FROM campaign_results "
            "WHERE campaign_id LIKE 'demo-%' AND metric = 'conversion'"
        ).fetchone()
    start_signed_in(dash_duo, create_app(board_db), board_db, path="/board")
    dash_duo.driver.set_window_size(1400, 1000)
    select = f"#{ids.BOARD_CAMPAIGN_SELECT}"
    until(lambda: campaign_id in dash_duo.find_element(select).text, timeout=20)
    Select(dash_duo.find_element(select)).select_by_value(campaign_id)
    # The conversion lift's interval as the page words it: [+x.xx pp, +y.yy pp].
    dash_duo.wait_for_contains_text(
        f"#{ids.BOARD_RESULTS_TABLE}", f"[{low * 100:+.2f} pp, {high * 100:+.2f} pp]", timeout=20
    )
    dash_duo.wait_for_element(f"#{ids.BOARD_RESULTS_CHART}")
    assert browser_errors(dash_duo) == []
