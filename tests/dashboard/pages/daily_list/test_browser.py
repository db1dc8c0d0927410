"""The Daily list page in headless Chromium: pick a list's date, download its file, switch to the
predicted-vs-actual report (other dates disabled) and download that file too; launch a list as a
campaign with a hold-out."""

from __future__ import annotations

from pathlib import Path

import pytest
from dash.testing.wait import until

from dashboard.app import create_app
from dashboard.pages.daily_list import ids
from tests.support.browser import browser_errors, click, start_signed_in
from warehouse.commands import audit_log, list_campaigns

pytestmark = pytest.mark.browser

DAY = ".dash-datepicker-calendar-date-inside"
DISABLED = "dash-datepicker-calendar-date-disabled"


def _calendar_day(dash_duo, number: int):
    """The day cell ``number`` of the month the open calendar shows."""
    cells = [cell for cell in dash_duo.find_elements(DAY) if cell.text == str(number)]
    assert len(cells) == 1
    return cells[0]


def _pick(dash_duo, number: int) -> None:
    click(dash_duo, f"#{ids.DAILY_DATE}")
    until(lambda: dash_duo.find_elements(DAY), timeout=10)
    _calendar_day(dash_duo, number).click()


def _downloaded(folder: Path, name: str) -> bytes:
    path = folder / name
    until(lambda: path.exists() and path.stat().st_size > 0, timeout=20)
    return path.read_bytes()


def test_pick_both_report_types_and_download_their_files(dash_duo, daily_db: Path) -> None:
    start_signed_in(dash_duo, create_app(daily_db), daily_db, "analyst", "/daily-list")
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.wait_for_contains_text(f"#{ids.DAILY_SUMMARY}", "The list of 2015-09-13",
                                    timeout=20)

    click(dash_duo, f"#{ids.DAILY_DATE}")
    until(lambda: dash_duo.find_elements(DAY), timeout=10)
    assert DISABLED in _calendar_day(dash_duo, 12).get_attribute("class")  # no list that day
    _calendar_day(dash_duo, 11).click()
    dash_duo.wait_for_contains_text(f"#{ids.DAILY_SUMMARY}", "The list of 2015-09-11: 250",
                                    timeout=20)
    until(lambda: dash_duo.find_elements(f"#{ids.DAILY_LIST_GRID} .ag-row"), timeout=20)

    folder = Path(dash_duo.download_path)
    click(dash_duo, f"#{ids.DAILY_DOWNLOAD_BUTTON}")
    name = "top_250_report_11092015.csv"
    assert _downloaded(folder, name) == (daily_db.parent / "reports" / name).read_bytes()
    taken = audit_log(daily_db).iloc[0]
    assert (taken["event"], taken["user_name"], taken["file_name"]) == ("export", "analyst", name)

    click(dash_duo, f"#{ids.DAILY_TYPE} input[value='pva']")
    dash_duo.wait_for_contains_text(f"#{ids.DAILY_SUMMARY}", "checked against what they bought",
                                    timeout=20)
    assert dash_duo.find_element(f"#{ids.DAILY_DATE}").get_attribute("value") == "2015-09-10"
    click(dash_duo, f"#{ids.DAILY_DATE}")
    until(lambda: dash_duo.find_elements(DAY), timeout=10)
    for number in (9, 11, 13, 16):  # only the list of 09-10 has been checked
        assert DISABLED in _calendar_day(dash_duo, number).get_attribute("class"), number
    assert DISABLED not in _calendar_day(dash_duo, 10).get_attribute("class")
    _calendar_day(dash_duo, 10).click()
    dash_duo.wait_for_contains_text(f"#{ids.DAILY_PVA_CARDS}", "by the model",
                                    timeout=20)
    until(lambda: dash_duo.find_elements(f"#{ids.DAILY_PVA_GRID} .ag-row"), timeout=20)

    click(dash_duo, f"#{ids.DAILY_DOWNLOAD_BUTTON}")
    name = "pva_report_10092015.csv"
    assert _downloaded(folder, name) == (daily_db.parent / "reports" / name).read_bytes()
    assert browser_errors(dash_duo) == []


def test_launch_the_list_as_a_campaign_with_a_hold_out(dash_duo, launch_db: Path) -> None:
    start_signed_in(dash_duo, create_app(launch_db), launch_db, "campaign_owner", "/daily-list")
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.wait_for_contains_text(f"#{ids.DAILY_SUMMARY}", "The list of 2015-09-13",
                                    timeout=20)
    dash_duo.find_element(f"#{ids.DAILY_LAUNCH_NAME}").send_keys("Morning calls")
    assert dash_duo.find_element(f"#{ids.DAILY_LAUNCH_SHARE}").get_attribute("value") == "10"
    click(dash_duo, f"#{ids.DAILY_LAUNCH_BUTTON}")
    # 213 visitors were active on the eve of 09-13, all listed: floor(213 x 10 %) = 21 held out
    dash_duo.wait_for_contains_text(f"#{ids.DAILY_LAUNCH_RESULT}",
                                    "launched: 192 to contact, 21 held out.", timeout=20)
    campaign = list_campaigns(launch_db).iloc[0]
    assert (campaign["name"], campaign["source"], campaign["audience_size"]) == (
        "Morning calls", "daily_list", 213)
    assert campaign["campaign_id"] in dash_duo.find_element(f"#{ids.DAILY_LAUNCH_RESULT}").text
    assert audit_log(launch_db).iloc[0][["event", "user_name", "campaign_id"]].tolist() == [
        "launch", "campaign_owner", campaign["campaign_id"]]
    assert browser_errors(dash_duo) == []
