"""Requests naming another host are refused before anything runs; every answer carries the
security headers; the session key is made once, kept private and shared by every process."""

from __future__ import annotations

import base64
import hashlib
import re
import stat
from pathlib import Path

import pytest

from dashboard.app import create_app
from dashboard.serving.protection import host_name
from dashboard.serving.secret import secret_key, secret_key_path
from dashboard.serving.settings import ServerSettings


@pytest.mark.parametrize(("host", "allowed"), [
    ("127.0.0.1:8050", True), ("localhost:8050", True), ("LOCALHOST", True),
    ("[::1]:8050", True), ("shop.example:8050", True), ("evil.example", False),
    ("127.0.0.1.evil.example:8050", False), ("shop.example.evil.example", False),
])
def test_only_the_servers_own_host_names_are_answered(overview_snapshot, host, allowed):
    app = create_app(overview_snapshot.db,
                     settings=ServerSettings(allowed_hosts=("shop.example",)))
    response = app.server.test_client().get("/login", headers={"Host": host})
    assert response.status_code == (200 if allowed else 400)
    if not allowed:
        assert "--allowed-host" in response.get_json()["message"]


def test_host_names_are_read_without_their_port():
    assert [host_name(h) for h in ("a.example:80", "[::1]:8050", "::1", "A.Example")] == [
        "a.example", "::1", "::1", "a.example"]


def test_every_answer_carries_the_security_headers(overview_snapshot):
    app = create_app(overview_snapshot.db)
    client = app.server.test_client()
    for path in ("/login", "/", "/_dash-layout", "/assets/actionboard.css"):
        headers = client.get(path).headers
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "same-origin", path
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy, path
        assert "'unsafe-eval'" not in policy and "script-src 'self' 'sha256-" in policy


def test_the_policy_allows_exactly_the_inline_scripts_dash_writes(overview_snapshot, tmp_path):
    from tests.support.signed_in import add_team, signed_in

    add_team(overview_snapshot.db)
    app = create_app(overview_snapshot.db)
    page = signed_in(app, "viewer").get("/")
    html = re.sub(r"<!--.*?-->", "", page.get_data(as_text=True), flags=re.S)  # IE-only parts
    inline = re.findall(r"<script>(.*?)</script>", html, re.S)  # run; not JSON data blocks
    assert inline  # Dash starts its renderer from an inline script
    policy = page.headers["Content-Security-Policy"]
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy


def test_the_session_key_is_made_once_readable_by_its_owner_only(tmp_path: Path):
    db = tmp_path / "data" / "actionboard.duckdb"
    first = secret_key(db)
    assert len(first) == 32
    assert secret_key(db) == first
    path = secret_key_path(db)
    assert path == tmp_path / "data" / "actionboard.secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["actionboard.secret_key"]  # no leftovers


def test_a_damaged_key_file_is_a_clear_error(tmp_path: Path):
    db = tmp_path / "actionboard.duckdb"
    secret_key_path(db).write_bytes(b"short")
    with pytest.raises(RuntimeError, match="holds no usable key"):
        secret_key(db)


def test_apps_sharing_the_key_accept_each_others_cookies(overview_snapshot):
    from tests.support.signed_in import add_team, signed_in

    add_team(overview_snapshot.db)
    key = secret_key(overview_snapshot.db)
    first = create_app(overview_snapshot.db, settings=ServerSettings(secret_key=key))
    second = create_app(overview_snapshot.db, settings=ServerSettings(secret_key=key))
    other = create_app(overview_snapshot.db)
    cookie = signed_in(first, "viewer").get_cookie("actionboard_session").value
    for app, status in ((second, 200), (other, 401)):
        client = app.server.test_client()
        client.set_cookie("actionboard_session", cookie)
        assert client.get("/_dash-layout").status_code == status
