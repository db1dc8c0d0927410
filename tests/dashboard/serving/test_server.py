"""How the server is started: which addresses count as this machine only, the settings every
worker shares, several gunicorn workers answering one signed-in browser, and cookies sent over
HTTPS only when asked."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

import app
from dashboard.serving.secret import secret_key
from dashboard.serving.server import is_loopback, settings_for
from dashboard.serving.settings import ServerSettings
from tests.support.served import free_port, signed_in_opener, wait_for_health
from tests.support.signed_in import PASSWORD, add_team
from tests.support.warehouses import copy_warehouse

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.0.2", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.5", False), ("shop.example", False),
])
def test_only_loopback_addresses_count_as_this_machine(host, loopback):
    assert is_loopback(host) is loopback


def test_every_worker_gets_the_kept_key_and_the_bound_name(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    bound = settings_for(db, "shop.example", ServerSettings(allowed_hosts=("a.example",)))
    assert bound.secret_key == secret_key(db)
    assert bound.allowed_hosts == ("a.example", "shop.example")
    assert settings_for(db, "0.0.0.0", ServerSettings()).allowed_hosts == ()


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Linux and macOS")
def test_two_gunicorn_workers_share_one_signed_in_session(demo_db: Path, tmp_path: Path):
    db = copy_warehouse(demo_db, tmp_path / "warehouse")
    add_team(db)
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "serve", "--workers", "2", "--port",
             str(port), "--db", str(db)], cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(f"{base}/health", server, seconds=120)
        browser = signed_in_opener(base, "viewer", PASSWORD)
        for _ in range(12):  # new connections, taken by either worker
            with browser.open(f"{base}/_dash-layout", timeout=10) as answer:
                assert answer.status == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
    printed = log.read_text()
    assert "with 2 worker processes" in printed
    assert printed.count("dashboard built for") == 2  # each worker built its own app


def test_serve_sends_the_sign_in_cookie_over_https_only_when_asked(demo_db: Path,
                                                                    tmp_path: Path):
    assert app.build_parser().parse_args(["serve"]).secure_cookies is False
    db = copy_warehouse(demo_db, tmp_path / "warehouse")
    port = free_port()
    with (tmp_path / "server.log").open("w") as output:
        server = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "serve", "--secure-cookies", "--port",
             str(port), "--db", str(db)], cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(f"{base}/health", server, seconds=120)
        with urllib.request.urlopen(f"{base}/login", timeout=10) as page:  # sets the form token
            cookies = page.headers.get_all("Set-Cookie")
    finally:
        server.terminate()
        server.wait(timeout=30)
    [cookie] = cookies
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert "secure" in attributes and "httponly" in attributes
