"""Users of each role and signed-in clients of a dashboard app, through the real sign-in page.

``add_team(db)`` adds one user per role to the warehouse's store (name = role, one password for
all); ``signed_in(app, name)`` is a Flask test client that has signed in through ``POST /login``
with the form's token; ``sign_in_browser(dash_duo, name)`` does the same in Chromium.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient

from warehouse.commands import ROLES, add_user, list_users

PASSWORD = "a team password"
FORM_TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


def add_team(db: Path, ops_url: str | None = None) -> dict[str, str]:
    """One user per role, named after it (those missing are added); {name: role}."""
    present = {user.name for user in list_users(db, ops_url=ops_url)}
    for role in ROLES:
        if role not in present:
            add_user(db, role, role, PASSWORD, user="cli", ops_url=ops_url)
    return {role: role for role in ROLES}


def form_token(client: FlaskClient) -> str:
    page = client.get("/login")
    found = FORM_TOKEN.search(page.get_data(as_text=True))
    assert found, "the sign-in page has no form token"
    return found.group(1)


def signed_in(app, name: str, password: str = PASSWORD) -> FlaskClient:
    """A test client of ``app`` signed in as ``name``."""
    client = app.server.test_client()
    response = client.post("/login", data={"name": name, "password": password, "next": "/",
                                           "csrf": form_token(client)})
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


def sign_in_browser(dash_duo, name: str, password: str = PASSWORD, path: str = "/") -> None:
    """Open ``path`` of the server ``dash_duo`` started (``navigate=False``: its first page is
    the sign-in page, not a Dash page), sign in there, and wait for ``path`` to be shown.
    ``dash_duo.server_url`` is then the server's URL, as ``start_server`` would have set it."""
    base = dash_duo.server.url.rstrip("/")
    dash_duo.driver.get(f"{base}{path}")
    dash_duo.wait_for_element("#login-name", timeout=15)
    dash_duo.find_element("#login-name").send_keys(name)
    dash_duo.find_element("#login-password").send_keys(password)
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_element("#app-user", timeout=15)
    dash_duo._url = base  # the setter would reload the home page
