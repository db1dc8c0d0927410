"""The Users page, called over HTTP as the browser would (requests built from the app's own
layout and dependencies): admins add, change and remove users through the command side; every
other role is refused by the server and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.dash_client import request_body
from dashboard.app import create_app
from dashboard.pages.users import ids
from tests.support.dash_requests import CALLBACK_PATH, dependencies, page_props
from tests.support.signed_in import PASSWORD, add_team, signed_in
from tests.support.warehouses import copy_warehouse
from warehouse.commands import audit_log, list_users


@pytest.fixture
def team_app(demo_db: Path, tmp_path: Path):
    db = copy_warehouse(demo_db, tmp_path / "warehouse")
    add_team(db)
    return create_app(db), db


def _callback(client, first_output: str) -> dict:
    return next(d for d in dependencies(client) if d["output"].startswith(first_output))


def _fire(client, props, output: str, values: dict, changed: str):
    body = request_body(_callback(client, output), props, values=values, changed=[changed])
    assert body is not None
    return client.post(CALLBACK_PATH, json=body)


def _add(client, props, name, role, password=None):
    return _fire(client, props, f"..{ids.USERS_MESSAGE}.children...{ids.USERS_VERSION}",
                 {f"{ids.USERS_ADD}.n_clicks": 1, f"{ids.USERS_NEW_NAME}.value": name,
                  f"{ids.USERS_NEW_ROLE}.value": role,
                  f"{ids.USERS_NEW_PASSWORD}.value": password},
                 f"{ids.USERS_ADD}.n_clicks")


def _change(client, props, button, name, role="viewer"):
    return _fire(client, props, f"..{ids.USERS_MESSAGE}.children@",
                 {f"{button}.n_clicks": 1, f"{ids.USERS_PICK}.value": name,
                  f"{ids.USERS_PICK_ROLE}.value": role}, f"{button}.n_clicks")


def test_an_admin_adds_a_user_who_then_signs_in(team_app) -> None:
    app, db = team_app
    admin = signed_in(app, "admin")
    props = page_props(admin, "/users")
    answer = _add(admin, props, "carol", "analyst", "carol's password")
    assert answer.status_code == 200
    assert "Added carol as analyst." in answer.get_data(as_text=True)
    assert {u.name: u.role for u in list_users(db)}["carol"] == "analyst"
    change = audit_log(db).iloc[0]
    assert (change["user_name"], change["event"]) == ("admin", "user_change")
    assert signed_in(app, "carol", "carol's password").get("/_dash-layout").status_code == 200


def test_a_made_up_password_is_shown_once_and_signs_in(team_app) -> None:
    app, _ = team_app
    admin = signed_in(app, "admin")
    answer = _add(admin, page_props(admin, "/users"), "dave", "viewer").get_json()
    alert = answer["response"][ids.USERS_MESSAGE]["children"]["props"]["children"]
    password = alert[2]["props"]["children"]  # the html.Code after the two texts
    assert len(password) == 20
    assert signed_in(app, "dave", password).get("/_dash-layout").status_code == 200


def test_bad_input_is_refused_with_the_reason(team_app) -> None:
    app, db = team_app
    admin = signed_in(app, "admin")
    props = page_props(admin, "/users")
    for name, role, password, reason in (
        ("", "viewer", PASSWORD, "invalid user name"),
        ("erin", "boss", PASSWORD, "unknown role"),
        ("erin", "viewer", "short", "at least 8 characters"),
        ("viewer", "viewer", PASSWORD, "already a user"),
    ):
        answer = _add(admin, props, name, role, password)
        assert answer.status_code == 200
        assert reason in answer.get_data(as_text=True), (name, role, password)
    assert "erin" not in {u.name for u in list_users(db)}


def test_an_admin_sets_a_role_a_new_password_and_removes_a_user(team_app) -> None:
    app, db = team_app
    admin = signed_in(app, "admin")
    props = page_props(admin, "/users")
    analyst = signed_in(app, "analyst")
    assert _change(admin, props, ids.USERS_SET_ROLE, "analyst", "campaign_owner").status_code == 200
    assert {u.name: u.role for u in list_users(db)}["analyst"] == "campaign_owner"
    renewed = _change(admin, props, ids.USERS_NEW_PASSWORD_FOR, "viewer")
    assert "Gave viewer a new password." in renewed.get_data(as_text=True)
    assert _change(admin, props, ids.USERS_REMOVE, "analyst").status_code == 200
    assert "analyst" not in {u.name for u in list_users(db)}
    assert analyst.get("/_dash-layout").status_code == 401  # signed out at once
    last = _change(admin, props, ids.USERS_REMOVE, "admin")
    assert "only admin" in last.get_data(as_text=True)


@pytest.mark.parametrize("role", ["viewer", "analyst", "campaign_owner"])
def test_other_roles_are_refused_by_the_server_and_see_no_users(team_app, role: str) -> None:
    app, db = team_app
    admin_props = page_props(signed_in(app, "admin"), "/users")
    client = signed_in(app, role)
    before = list_users(db)
    for answer in (_add(client, admin_props, "mallory", "admin", PASSWORD),
                   _change(client, admin_props, ids.USERS_SET_ROLE, role, "admin"),
                   _change(client, admin_props, ids.USERS_REMOVE, "admin"),
                   _fire(client, admin_props, f"..{ids.USERS_TABLE}.children", {},
                         f"{ids.USERS_VERSION}.data")):
        assert answer.status_code == 403
        assert "needs the admin role" in answer.get_json()["message"]
    assert list_users(db) == before
    own_props = page_props(client, "/users")
    assert ids.USERS_TABLE not in own_props  # the page shows a message instead
