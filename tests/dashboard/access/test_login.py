"""The sign-in page and sign-out: the cookie, the form token, where the browser goes next, wrong
passwords, slowed-down guessing, expiry, and the navbar that names the user."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from dashboard.app import SESSION_COOKIE, create_app
from dashboard.serving.settings import ServerSettings
from tests.support.signed_in import PASSWORD, add_team, form_token, signed_in
from tests.support.warehouses import copy_warehouse
from warehouse.commands import audit_log, remove_user
from warehouse.commands.sessions import FREE_FAILURES_PER_NAME


@pytest.fixture
def team_db(demo_db: Path, tmp_path: Path) -> Path:
    db = copy_warehouse(demo_db, tmp_path / "warehouse")
    add_team(db)
    return db


def _post(client, **fields):
    data = {"csrf": form_token(client), "next": "/", **fields}
    return client.post("/login", data=data)


def test_signing_in_sets_an_http_only_same_site_cookie_and_returns_to_the_page_asked_for(
    team_db: Path,
) -> None:
    client = create_app(team_db).server.test_client()
    asked = client.get("/board?x=1")
    assert asked.headers["Location"] == "/login?next=%2Fboard%3Fx%3D1"
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert 'name="next" value="/board?x=1"' in page
    response = _post(client, name="analyst", password=PASSWORD, next="/board?x=1")
    assert (response.status_code, response.headers["Location"]) == (303, "/board?x=1")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert client.get("/board").status_code == 200
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "analyst \\u00b7 analyst" in layout  # the navbar names who is signed in
    assert audit_log(team_db).iloc[0][["user_name", "event"]].tolist() == ["analyst", "sign_in"]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil",
                                    "javascript:alert(1)", ""])
def test_after_sign_in_the_browser_never_leaves_the_server(team_db: Path, target: str) -> None:
    client = create_app(team_db).server.test_client()
    response = _post(client, name="viewer", password=PASSWORD, next=target)
    assert response.headers["Location"] == "/"


def test_a_wrong_password_or_name_is_refused_alike_and_sets_no_session(team_db: Path) -> None:
    client = create_app(team_db).server.test_client()
    for name, password in (("viewer", "not the password"), ("nobody", PASSWORD)):
        response = _post(client, name=name, password=password)
        assert response.status_code == 401
        assert "Wrong name or password." in response.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401
    empty = _post(client, name="viewer", password="")
    assert (empty.status_code, "Enter your name and password." in empty.get_data(as_text=True)
            ) == (400, True)


def test_a_form_without_its_token_is_refused(team_db: Path) -> None:
    client = create_app(team_db).server.test_client()
    client.get("/login")
    response = client.post("/login", data={"name": "viewer", "password": PASSWORD,
                                           "csrf": "forged"})
    assert response.status_code == 400
    assert client.get("/_dash-layout").status_code == 401


def test_repeated_failures_are_answered_429_with_the_wait(team_db: Path) -> None:
    client = create_app(team_db).server.test_client()
    for _ in range(FREE_FAILURES_PER_NAME):
        assert _post(client, name="admin", password="guess").status_code == 401
    slowed = _post(client, name="admin", password=PASSWORD)
    assert slowed.status_code == 429
    assert slowed.headers["Retry-After"] == "1"
    assert "Too many failed sign-ins" in slowed.get_data(as_text=True)
    time.sleep(1.1)
    assert _post(client, name="admin", password=PASSWORD).status_code == 303


def test_signing_out_ends_the_session_on_the_server_too(team_db: Path) -> None:
    app = create_app(team_db)
    client = signed_in(app, "viewer")
    stolen = client.get_cookie(SESSION_COOKIE).value
    token = form_token(client)  # the sign-out form in the navbar carries the same token
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 303
    assert client.get("/_dash-layout").status_code == 200  # a forged sign-out does nothing
    response = client.post("/logout", data={"csrf": token})
    assert (response.status_code, response.headers["Location"]) == (303, "/login")
    assert client.get("/_dash-layout").status_code == 401
    replay = app.server.test_client()
    replay.set_cookie(SESSION_COOKIE, stolen)
    assert replay.get("/_dash-layout").status_code == 401  # the old cookie signs nobody in
    assert audit_log(team_db).iloc[0][["user_name", "event"]].tolist() == ["viewer", "sign_out"]


def test_a_session_expires_after_the_configured_time(team_db: Path) -> None:
    app = create_app(team_db, settings=ServerSettings(session_hours=1.5 / 3600))
    client = signed_in(app, "viewer")
    assert client.get("/_dash-layout").status_code == 200
    time.sleep(1.6)
    assert client.get("/_dash-layout").status_code == 401


def test_a_removed_user_is_signed_out_at_the_next_request(team_db: Path) -> None:
    client = signed_in(create_app(team_db), "analyst")
    remove_user(team_db, "analyst", user="admin")
    assert client.get("/_dash-layout").status_code == 401


def test_the_sign_out_token_is_in_the_cookie_from_sign_in_on(team_db: Path) -> None:
    """The page's first requests run together; the cookie any of them sets must already hold the
    token the navbar's sign-out form carries."""
    app = create_app(team_db)
    client = signed_in(app, "viewer")
    at_sign_in = client.get_cookie(SESSION_COOKIE).value
    layout = client.get("/_dash-layout").get_data(as_text=True)
    token = re.search(r'"value":"([^"]+)","type":"hidden","name":"csrf"', layout).group(1)
    client.set_cookie(SESSION_COOKIE, at_sign_in)  # a concurrent response's cookie won
    response = client.post("/logout", data={"csrf": token})
    assert response.headers["Location"] == "/login"
    assert client.get("/_dash-layout").status_code == 401
