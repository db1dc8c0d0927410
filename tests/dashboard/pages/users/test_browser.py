"""The Users page in headless Chromium: an admin signs in, adds a user with a made-up password,
and that user signs in with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from dash.testing.wait import until
from selenium.webdriver.support.select import Select

from dashboard import ids as shell_ids
from dashboard.app import create_app
from dashboard.pages.users import ids
from tests.support.browser import browser_errors, click, start_signed_in
from tests.support.signed_in import sign_in_browser
from tests.support.warehouses import copy_warehouse
from warehouse.commands import list_users

pytestmark = pytest.mark.browser


def test_an_admin_adds_a_user_who_signs_in_with_the_password_shown(dash_duo, demo_db: Path,
                                                                   tmp_path: Path) -> None:
    db = copy_warehouse(demo_db, tmp_path / "warehouse")
    start_signed_in(dash_duo, create_app(db), db, "admin", "/users")
    dash_duo.wait_for_contains_text(f"#{ids.USERS_TABLE}", "campaign owner", timeout=15)
    dash_duo.find_element(f"#{ids.USERS_NEW_NAME}").send_keys("frank")
    Select(dash_duo.find_element(f"#{ids.USERS_NEW_ROLE}")).select_by_value("analyst")
    click(dash_duo, f"#{ids.USERS_ADD}")
    until(lambda: dash_duo.find_element(f"#{ids.USERS_MESSAGE}").text, timeout=15)
    assert "Added frank as analyst." in dash_duo.find_element(f"#{ids.USERS_MESSAGE}").text
    password = dash_duo.find_element(f"#{ids.USERS_MESSAGE} code").text
    until(lambda: "frank" in dash_duo.find_element(f"#{ids.USERS_TABLE}").text, timeout=10)
    assert {u.name: u.role for u in list_users(db)}["frank"] == "analyst"
    assert browser_errors(dash_duo) == []

    click(dash_duo, f"#{shell_ids.APP_SIGN_OUT}")
    dash_duo.wait_for_element("#login-form", timeout=15)
    sign_in_browser(dash_duo, "frank", password, path="/users")
    dash_duo.wait_for_text_to_equal(f"#{shell_ids.APP_USER}", "frank · analyst", timeout=15)
    dash_duo.wait_for_contains_text("#_pages_content", "needs the admin role", timeout=15)
