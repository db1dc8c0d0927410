"""The Action board in headless Chromium: create a rule, see its audience, launch it as a
campaign and download both groups."""

from __future__ import annotations

from pathlib import Path

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from dashboard.app import create_app
from dashboard.pages.board import ids
from tests.support.board import snapshot_stats
from tests.support.browser import (
    browser_errors,
    click,
    downloaded_csv,
    pattern_id,
    start_signed_in,
    wait_for_text_in_view,
)
from tests.support.warehouses import board_warehouse
from warehouse.commands import CONTROL_EXPORT_COLUMNS, EXPORT_COLUMNS, list_rules
from warehouse.snapshots import open_snapshot

pytestmark = pytest.mark.browser


@pytest.fixture
def board_db(demo_db: Path, demo_folder: Path, tmp_path: Path) -> Path:
    return board_warehouse(demo_db, demo_folder, tmp_path / "warehouse")


def test_create_a_rule_launch_it_and_download_both_groups(dash_duo, board_db: Path) -> None:
    start_signed_in(dash_duo, create_app(board_db), board_db, "campaign_owner", "/board")
    dash_duo.driver.set_window_size(1400, 1000)
    dash_duo.wait_for_contains_text(f"#{ids.BOARD_SUMMARY}", "customers", timeout=20)

    dash_duo.find_element(f"#{ids.BOARD_RULE_NAME}").send_keys("Browsers nudge")
    dash_duo.find_element(f"#{ids.BOARD_RULE_ACTION}").send_keys("Reminder")
    dash_duo.find_element(f"#{ids.BOARD_RULE_OFFER}").send_keys("Free shipping")
    dash_duo.find_element(f"#{ids.BOARD_RULE_KPI}").send_keys("conversion rate")
    Select(dash_duo.find_element(pattern_id(ids.BOARD_COND_FIELD))).select_by_value("segment")
    operator = dash_duo.find_element(pattern_id(ids.BOARD_COND_OP))
    until(lambda: operator.get_attribute("value") == "=", timeout=20)
    dash_duo.find_element(pattern_id(ids.BOARD_COND_VALUE)).send_keys("Browsers",
                                                                         Keys.TAB)
    click(dash_duo, f"#{ids.BOARD_SAVE_RULE}")
    dash_duo.wait_for_contains_text(f"#{ids.BOARD_RULE_MESSAGE}", "get its action", timeout=20)

    saved = list_rules(board_db)[-1]
    assert saved.name == "Browsers nudge"
    won = int(snapshot_stats(board_db).rules.set_index("rule_id").loc[saved.rule_id, "count_won"])
    cell = f"#{ids.BOARD_RULES_GRID} .ag-row[row-id='{saved.rule_id}'] .ag-cell[col-id='count_won']"
    dash_duo.wait_for_text_to_equal(cell, f"{won:,}", timeout=20)
    until(lambda: dash_duo.find_element(f"#{ids.BOARD_RULE_SELECT}").get_attribute("value")
          == str(saved.rule_id), timeout=20)

    click(dash_duo, f"#{ids.BOARD_LAUNCH_BUTTON}")
    dash_duo.wait_for_contains_text(f"#{ids.BOARD_LAUNCH_CONFIRM_BODY}", f"reaches {won:,} "
                                    "customers now", timeout=20)
    dash_duo.wait_for_contains_text(f"#{ids.BOARD_LAUNCH_POWER}", "ower", timeout=20)  # P/p
    assert dash_duo.find_elements(f"#{ids.BOARD_LAUNCH_RESULT} .alert") == []  # asked, not done
    click(dash_duo, f"#{ids.BOARD_LAUNCH_GO}")
    dash_duo.wait_for_contains_text(f"#{ids.BOARD_LAUNCH_RESULT}", "launched", timeout=20)
    dash_duo.wait_for_contains_text(f"#{ids.BOARD_LAUNCH_RESULT}",
                                    "Left out: 0 already in a running campaign", timeout=20)
    treatment = int(dash_duo.find_element(f"#{ids.BOARD_LAUNCH_TREATMENT}").text.replace(",", ""))
    control = int(dash_duo.find_element(f"#{ids.BOARD_LAUNCH_CONTROL}").text.replace(",", ""))
    assert treatment + control == won
    dash_duo.wait_for_contains_text(f"#{ids.BOARD_CAMPAIGN_STATUS}",
                                    "waiting for data after launch", timeout=20)
    campaign_id = dash_duo.find_element(f"#{ids.BOARD_CAMPAIGN_SELECT}").get_attribute("value")
    assert campaign_id.startswith("c-")

    folder = Path(dash_duo.download_path)
    click(dash_duo, f"#{ids.BOARD_DOWNLOAD_TREATMENT}")
    treated = downloaded_csv(folder, f"{campaign_id}_treatment.csv", EXPORT_COLUMNS)
    click(dash_duo, f"#{ids.BOARD_DOWNLOAD_CONTROL}")
    held_out = downloaded_csv(folder, f"{campaign_id}_control_do_not_contact.csv",
                           CONTROL_EXPORT_COLUMNS)
    assert len(treated) == treatment and {r["group"] for r in treated} == {"treatment"}
    assert len(held_out) == control and {r["group"] for r in held_out} == {"control"}
    assert {r["offer"] for r in treated} == {"Free shipping"}
    assert {r["instruction"] for r in held_out} == {"do not contact"}

    # The same rule again: its customers are all in the campaign just launched, so by default
    # nobody is left to launch; switching the exclusion off launches them again on purpose.
    click(dash_duo, f"#{ids.BOARD_LAUNCH_BUTTON}")
    dash_duo.wait_for_contains_text(f"#{ids.BOARD_LAUNCH_LEFT_OUT}",
                                    f"Left out at launch: {won:,} already in a running campaign",
                                    timeout=20)
    assert "nothing would be launched" in dash_duo.find_element(
        f"#{ids.BOARD_LAUNCH_LEFT_OUT}").text
    click(dash_duo, f"#{ids.BOARD_LAUNCH_GO}")
    dash_duo.wait_for_contains_text(
        f"#{ids.BOARD_LAUNCH_RESULT}",
        f"Not launched: all {won:,} customers of the audience are in a campaign running",
        timeout=20)
    click(dash_duo, f"#{ids.BOARD_LAUNCH_BUTTON}")
    dash_duo.wait_for_contains_text(f"#{ids.BOARD_LAUNCH_CONFIRM_BODY}", "customers now",
                                    timeout=20)
    click(dash_duo, f"#{ids.BOARD_LAUNCH_EXCLUDE_RUNNING}")
    click(dash_duo, f"#{ids.BOARD_LAUNCH_GO}")
    dash_duo.wait_for_contains_text(f"#{ids.BOARD_LAUNCH_RESULT}",
                                    "already in a running campaign were kept", timeout=20)
    dash_duo.driver.refresh()  # the audit card shows the downloads once the page is reloaded
    wait_for_text_in_view(dash_duo, f"#{ids.BOARD_AUDIT_GRID}",
                          f"{campaign_id}_control_do_not_contact.csv")
    grid = f"#{ids.BOARD_AUDIT_GRID} .ag-center-cols-container .ag-row"
    counts = {(row.find_element("css selector", "[col-id='event']").text,
               row.find_element("css selector", "[col-id='row_count']").text)
              for row in dash_duo.find_elements(grid)}
    assert ("sign_in", "") in counts  # no row count: blank, not 0
    assert ("export", f"{control:,}") in counts
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


def test_rule_editor_states_edit_delete_unknown_segment_and_out_of_range_inputs(
    dash_duo, board_db: Path
) -> None:
    first = next(r for r in list_rules(board_db) if any("any" in c for c in r.conditions))
    group = next(c["any"] for c in first.conditions if "any" in c)
    start_signed_in(dash_duo, create_app(board_db), board_db, "campaign_owner", "/board")
    dash_duo.driver.set_window_size(1440, 1000)
    select = f"#{ids.BOARD_RULE_SELECT}"
    until(lambda: first.name in dash_duo.find_element(select).text, timeout=20)
    Select(dash_duo.find_element(select)).select_by_value(str(first.rule_id))

    # A rule with an OR group opens as rows, its group's rows joined by "or".
    click(dash_duo, f"#{ids.BOARD_RULE_EDIT}")
    dash_duo.wait_for_text_to_equal(f"#{ids.BOARD_EDITOR_TITLE}",
                                    f"Editing rule '{first.name}'", timeout=20)
    last = len(first.conditions) - 1 + len(group) - 1
    dash_duo.wait_for_element(pattern_id(ids.BOARD_COND_FIELD, last), timeout=20)
    join = dash_duo.find_element(pattern_id(ids.BOARD_COND_JOIN, last))
    assert join.get_attribute("value") == "or"

    # Deleting the rule being edited: the editor no longer says it edits it.
    click(dash_duo, f"#{ids.BOARD_RULE_DELETE}")
    WebDriverWait(dash_duo.driver, 20).until(expected_conditions.alert_is_present())
    dash_duo.driver.switch_to.alert.accept()
    dash_duo.wait_for_contains_text(f"#{ids.BOARD_RULE_MESSAGE}", f"Deleted '{first.name}'",
                                    timeout=20)
    dash_duo.wait_for_text_to_equal(f"#{ids.BOARD_EDITOR_TITLE}",
                                    "New rule (the rule being edited was deleted)", timeout=20)

    # A misspelt segment is refused, naming the segments that exist.
    click(dash_duo, f"#{ids.BOARD_NEW_RULE}")
    dash_duo.wait_for_text_to_equal(f"#{ids.BOARD_EDITOR_TITLE}", "New rule", timeout=20)
    for box, text in ((ids.BOARD_RULE_NAME, "Champions treat"), (ids.BOARD_RULE_ACTION, "Gift"),
                      (ids.BOARD_RULE_OFFER, "Free gift"), (ids.BOARD_RULE_KPI, "retention")):
        dash_duo.find_element(f"#{box}").send_keys(text)
    Select(dash_duo.find_element(pattern_id(ids.BOARD_COND_FIELD))).select_by_value("segment")
    operator = dash_duo.find_element(pattern_id(ids.BOARD_COND_OP))
    until(lambda: operator.get_attribute("value") == "=", timeout=20)
    dash_duo.find_element(pattern_id(ids.BOARD_COND_VALUE)).send_keys("Champs", Keys.TAB)
    click(dash_duo, f"#{ids.BOARD_SAVE_RULE}")
    dash_duo.wait_for_contains_text(
        f"#{ids.BOARD_RULE_MESSAGE}",
        "Not saved: condition 1: no segment named 'Champs' in the current data; existing "
        "segments:", timeout=20)
    assert "Champions treat" not in {r.name for r in list_rules(board_db)}

    # Out-of-range numbers say what range is allowed.
    share = dash_duo.find_element(f"#{ids.BOARD_DESIGN_SHARE}")
    share.send_keys(Keys.BACKSPACE, Keys.BACKSPACE, "70", Keys.TAB)
    dash_duo.wait_for_contains_text(
        f"#{ids.BOARD_DESIGN_TABLE}",
        "Control share must be a percentage above 0 and up to 50 (50 included)", timeout=20)
    assert "None" not in dash_duo.find_element(f"#{ids.BOARD_DESIGN_TABLE}").text
    assert browser_errors(dash_duo) == []
