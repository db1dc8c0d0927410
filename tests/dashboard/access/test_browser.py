"""Signing in and out through the real sign-in page in headless Chromium; what a viewer's pages
leave out."""

from __future__ import annotations

import pytest

from dashboard import ids as shell_ids
from dashboard.app import create_app
from dashboard.pages.board import ids as board_ids
from dashboard.pages.segments import ids as segment_ids
from tests.support.browser import browser_errors, click
from tests.support.signed_in import PASSWORD, add_team

pytestmark = pytest.mark.browser


SEGMENT = "Champions"
SEGMENT_PAGE = f"/segments?segment={SEGMENT}"  # opens the segment's profile (export button)


def _wait_for_the_profile(dash_duo) -> None:
    dash_duo.wait_for_text_to_equal(f"#{segment_ids.SEGMENTS_PROFILE_NAME}", SEGMENT,
                                    timeout=15)


def _type_in(dash_duo, name: str, password: str) -> None:
    for selector, text in (("#login-name", name), ("#login-password", password)):
        field = dash_duo.find_element(selector)
        field.clear()
        field.send_keys(text)
    dash_duo.find_element("#login-submit").click()


def test_a_viewer_signs_in_sees_the_dashboards_without_exports_and_signs_out(dash_duo, demo_db):
    add_team(demo_db)
    dash_duo.start_server(create_app(demo_db), navigate=False)
    dash_duo._url = dash_duo.server.url.rstrip("/")
    dash_duo.driver.get(f"{dash_duo.server_url}{SEGMENT_PAGE}")
    dash_duo.wait_for_element("#login-form", timeout=15)  # sent to sign in first

    _type_in(dash_duo, "viewer", "not the password")
    dash_duo.wait_for_contains_text("#login-message", "Wrong name or password.", timeout=15)
    _type_in(dash_duo, "viewer", PASSWORD)
    dash_duo.wait_for_text_to_equal(f"#{shell_ids.APP_USER}", "viewer · viewer", timeout=15)
    assert dash_duo.driver.current_url == f"{dash_duo.server_url}{SEGMENT_PAGE}"
    _wait_for_the_profile(dash_duo)
    assert dash_duo.find_element(f"#{segment_ids.SEGMENTS_GRID_CAPTION}").is_displayed()
    assert not dash_duo.find_element(f"#{segment_ids.SEGMENTS_EXPORT_BUTTON}").is_displayed()

    dash_duo.driver.get(f"{dash_duo.server_url}/board")
    dash_duo.wait_for_contains_text(f"#{board_ids.BOARD_SUMMARY}", "customers", timeout=20)
    for hidden in (board_ids.BOARD_LAUNCH_BUTTON, board_ids.BOARD_SAVE_RULE,
                   board_ids.BOARD_RULE_DELETE, board_ids.BOARD_DOWNLOAD_TREATMENT):
        assert not dash_duo.find_element(f"#{hidden}").is_displayed(), hidden

    click(dash_duo, f"#{shell_ids.APP_SIGN_OUT}")
    dash_duo.wait_for_element("#login-form", timeout=15)
    dash_duo.driver.get(f"{dash_duo.server_url}/board")
    dash_duo.wait_for_element("#login-form", timeout=15)
    assert browser_errors(dash_duo) == [] or all(
        "401" in entry["message"] or "Unauthorized" in entry["message"]
        for entry in browser_errors(dash_duo))


def test_an_analyst_sees_the_export_button(dash_duo, demo_db):
    add_team(demo_db)
    dash_duo.start_server(create_app(demo_db), navigate=False)
    dash_duo._url = dash_duo.server.url.rstrip("/")
    dash_duo.driver.get(f"{dash_duo.server_url}{SEGMENT_PAGE}")
    dash_duo.wait_for_element("#login-form", timeout=15)
    _type_in(dash_duo, "analyst", PASSWORD)
    dash_duo.wait_for_text_to_equal(f"#{shell_ids.APP_USER}", "analyst · analyst", timeout=15)
    _wait_for_the_profile(dash_duo)
    assert dash_duo.find_element(f"#{segment_ids.SEGMENTS_EXPORT_BUTTON}").is_displayed()
    assert browser_errors(dash_duo) == []
