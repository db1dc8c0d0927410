"""The load tool against a real served dashboard: its users sign in and replay page visits and
clicks without errors, and it refuses servers on other machines."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from bench import load
from dashboard.app import create_app
from tests.support.warehouses import copy_warehouse
from warehouse.commands import audit_log, list_users


@pytest.fixture(scope="module")
def served(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    db = copy_warehouse(demo_db, tmp_path_factory.mktemp("load") / "warehouse")
    server = make_server("127.0.0.1", 0, create_app(db).server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield db, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_simulated_users_visit_pages_and_click_without_errors(served, capsys) -> None:
    db, url = served
    code = load.main(["--url", url, "--db", str(db), "--users", "2", "--think", "0",
                      "--seconds", "4"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert {u.name: u.role for u in list_users(db)}[load.BENCH_USER] == "analyst"
    lines = printed.splitlines()
    endpoints = {line.split()[0] + " " + line.split()[1] for line in lines[2:-2]}
    assert {"GET /_dash-layout", "callback _pages_content.children"} <= endpoints
    total = lines[-1].split()
    assert total[0] == "all" and int(total[1]) > 20 and total[-1] == "0"
    signed_in = audit_log(db).query("event == 'sign_in'")
    assert (signed_in["user_name"] == load.BENCH_USER).sum() == 2


def test_only_servers_on_this_machine_are_loaded(capsys) -> None:
    with pytest.raises(SystemExit):
        load.main(["--url", "http://shop.example:8050", "--password", "x"])
    assert "loopback" in capsys.readouterr().err


def test_no_server_is_a_clear_error(capsys, tmp_path: Path) -> None:
    code = load.main(["--url", "http://127.0.0.1:9", "--password", "x", "--seconds", "1"])
    assert code == 2
    assert "is the server running?" in capsys.readouterr().err
