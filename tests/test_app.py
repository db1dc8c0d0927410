"""The command line, end to end: every command run as a user would, in its own process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import app
from tests.support.ops_store import StoreCase
from tests.support.served import free_port, get_json, signed_in_opener, wait_for_health
from warehouse.commands import audit_log, list_campaigns
from warehouse.ops import sqlite_path
from warehouse.snapshots import current_snapshot

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ("serve", "demo", "ingest", "ingest-orders", "refresh", "export", "runs")


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "app.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = run_cli(command, "--help")
    assert result.returncode == 0
    assert command == "demo" or ("--db" in result.stdout and "--ops-url" in result.stdout)


def test_serve_binds_to_localhost_unless_told_otherwise():
    args = app.build_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8050)


def test_users_are_added_listed_changed_and_removed_from_the_command_line(tmp_path):
    db = ["--db", str(tmp_path / "w.duckdb")]
    added = run_cli("users", "add", "alice", "--role", "analyst", *db)  # no terminal: generated
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("Added alice as analyst. Their password: ")
    password = added.stdout.split("Their password: ")[1].strip()
    assert len(password) == 20
    assert run_cli("users", "add", "bob", "--role", "admin", *db).returncode == 0
    assert run_cli("users", "set-role", "alice", "campaign_owner", *db).stdout == (
        "alice is now campaign_owner.\n")
    assert run_cli("users", "list", *db).stdout.splitlines() == [
        "alice  campaign_owner", "bob    admin"]
    taken = run_cli("users", "add", "alice", "--role", "viewer", *db)
    assert (taken.returncode, taken.stderr) == (2, "error: there is already a user 'alice'\n")
    last_admin = run_cli("users", "remove", "bob", *db)
    assert last_admin.returncode == 2 and "only admin" in last_admin.stderr
    assert run_cli("users", "set-role", "alice", "boss", *db).returncode == 2
    assert run_cli("users", "remove", "alice", *db).returncode == 0
    changes = audit_log(tmp_path / "w.duckdb").query("event == 'user_change'")
    assert set(changes["user_name"]) == {"cli"} and len(changes) == 4


def test_invalid_arguments_are_refused_with_the_reason():
    result = run_cli("refresh", "--as-of", "18/09/2015")
    assert result.returncode == 2
    assert "expected a date as YYYY-MM-DD" in result.stderr


def test_diagnostics_go_to_stderr_at_the_chosen_level(tmp_path):
    missing = str(tmp_path / "missing.duckdb")
    quiet = run_cli("refresh", "--db", missing)
    assert quiet.returncode == 2 and quiet.stdout == ""
    assert quiet.stderr.startswith("error: No warehouse at") and "Traceback" not in quiet.stderr
    verbose = run_cli("--log-level", "debug", "refresh", "--db", missing)
    assert verbose.returncode == 2 and verbose.stdout == ""
    assert "DEBUG actionboard: refresh failed" in verbose.stderr
    assert "Traceback" in verbose.stderr and "FileNotFoundError" in verbose.stderr


def test_demo_ingest_refresh_export_through_the_cli(store: StoreCase, tmp_path, demo_folder):
    """On each store backend: SQLite by default, PostgreSQL named with --ops-url."""
    db = store.db
    ops = [] if store.backend == "sqlite" else ["--ops-url", store.url]
    out = tmp_path / "demo"
    generated = run_cli("demo", "--out", str(out), "--scale", "0.005", "--seed", "3")
    assert generated.returncode == 0, generated.stderr
    assert {p.name for p in out.glob("*.csv")} >= {
        "events.csv", "item_properties_part1.csv", "item_properties_part2.csv", "category_tree.csv",
    }

    loaded = run_cli("ingest", str(demo_folder), "--db", str(db), *ops)
    assert loaded.returncode == 0, loaded.stderr
    again = run_cli("ingest", str(demo_folder), "--db", str(db), *ops)
    assert again.returncode == 0, again.stderr
    con = duckdb.connect(str(db), read_only=True)
    events = con.execute("SELECT count(*) FROM events").fetchone()[0]
    distinct = con.execute("SELECT count(*) FROM (SELECT DISTINCT * FROM events)").fetchone()[0]
    con.close()
    assert events == distinct > 0  # the second load added no duplicates

    refreshed = run_cli("refresh", "--db", str(db), "--as-of", "2015-09-01", *ops)
    assert refreshed.returncode == 0, refreshed.stderr
    snapshot = duckdb.connect(str(current_snapshot(db)), read_only=True)
    as_of = snapshot.execute("SELECT as_of_date FROM refresh_info").fetchone()[0]
    campaigns, assignments = snapshot.execute(
        "SELECT (SELECT count(*) FROM campaigns), (SELECT count(*) FROM campaign_assignments)"
    ).fetchone()
    assert str(as_of) == "2015-09-01"
    snapshot.close()

    stored = list_campaigns(db, ops_url=store.url)
    (campaign_id,) = stored.loc[stored["source"] == "demo", "campaign_id"]
    assert (campaigns, assignments) == (1, stored["audience_size"].sum())  # the refresh read it
    exported = run_cli("export", campaign_id, "--out", str(tmp_path / "export"), "--db", str(db),
                       *ops)
    assert exported.returncode == 0, exported.stderr
    files = sorted(p.name for p in (tmp_path / "export").glob("*.csv"))
    assert files == [f"{campaign_id}_control.csv", f"{campaign_id}_treatment.csv"]
    logged = audit_log(db, ops_url=store.url)
    assert logged[["user_name", "event", "campaign_id"]].values.tolist() == [
        ["cli", "export", campaign_id]] * 2
    assert sqlite_path(db).exists() == (store.backend == "sqlite")

    runs = run_cli("runs", "--db", str(db), *ops)
    assert runs.returncode == 0, runs.stderr
    lines = runs.stdout.splitlines()
    assert [line.split()[1:3] for line in lines[1:]] == [
        ["refresh", "succeeded"], ["ingest", "succeeded"], ["ingest", "succeeded"]]
    assert "customer_buyers" in lines[1] and "rows_loaded 0" in lines[2]


def test_ingest_orders_feeds_the_same_marts(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "customer_id,order_id,ordered_at,amount\n"
        "alice,o1,2024-03-01,20.00\n"
        "alice,o2,2024-03-05T10:30:00,30.00\n"
        "bob,o3,2024-03-05,15.50\n",
        encoding="utf-8",
    )
    db = tmp_path / "orders.duckdb"
    assert run_cli("ingest-orders", str(orders), "--db", str(db)).returncode == 0
    refreshed = run_cli("refresh", "--db", str(db))
    assert refreshed.returncode == 0, refreshed.stderr
    snapshot = duckdb.connect(str(current_snapshot(db)), read_only=True)
    gmv, orders_count = snapshot.execute(
        "SELECT sum(gmv_amount), sum(count_orders) FROM daily_kpis"
    ).fetchone()
    snapshot.close()
    assert (gmv, orders_count) == (pytest.approx(65.5), 3)


def test_a_second_source_of_purchases_is_refused_and_the_warehouse_kept(tmp_path, demo_folder):
    db = tmp_path / "w.duckdb"
    assert run_cli("ingest", str(demo_folder), "--db", str(db)).returncode == 0
    orders = tmp_path / "orders.csv"
    orders.write_text("customer_id,order_id,ordered_at,amount\nzoe,z1,2015-07-30,9\n",
                      encoding="utf-8")
    refused = run_cli("ingest-orders", str(orders), "--db", str(db))
    assert refused.returncode == 2
    assert "one source of purchases" in refused.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM orders").fetchone()[0] == 0
    con.close()


def test_missing_input_is_a_clear_error_not_a_traceback(tmp_path):
    result = run_cli("ingest", str(tmp_path), "--db", str(tmp_path / "w.duckdb"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "events.csv" in result.stderr
    assert "Traceback" not in result.stderr
    runs = run_cli("runs", "--db", str(tmp_path / "w.duckdb"))
    assert runs.stdout.splitlines()[1].split()[1:3] == ["ingest", "failed"]
    assert "IngestError: " in runs.stdout


def test_runs_lists_nothing_and_creates_nothing_before_any_run(tmp_path, monkeypatch):
    monkeypatch.delenv("ACTIONBOARD_OPS_URL", raising=False)
    result = run_cli("runs", "--db", str(tmp_path / "w.duckdb"))
    assert (result.returncode, result.stdout) == (0, "No runs recorded yet.\n")
    assert list(tmp_path.iterdir()) == []


def test_a_bad_store_url_is_a_clear_error(tmp_path):
    result = run_cli("runs", "--db", str(tmp_path / "w.duckdb"), "--ops-url", "mysql://x/y")
    assert result.returncode == 2
    assert result.stderr.startswith("error: unsupported operational store 'mysql://x/y'")
    down = run_cli("runs", "--db", str(tmp_path / "w.duckdb"), "--ops-url",
                   "postgresql://nobody:secret@127.0.0.1:1/none")
    assert down.returncode == 2 and "Traceback" not in down.stderr
    assert down.stderr.startswith("error: the operational store failed: ")
    assert "secret" not in down.stderr


def test_first_start_builds_the_demo_and_keeps_serving_through_ingest_and_refresh(tmp_path):
    db = tmp_path / "first-run.duckdb"
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "serve", "--port", str(port), "--db", str(db)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    health_url = f"http://127.0.0.1:{port}/health"
    try:
        first = wait_for_health(health_url, server, seconds=240)
        assert first["status"] == "ok"
        # The console names the generated admin's password once; it signs in.
        printed = (tmp_path / "server.log").read_text()
        password = printed.split("sign in as 'admin' with the password ")[1].split()[0]
        browser = signed_in_opener(f"http://127.0.0.1:{port}", "admin", password)
        with browser.open(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert page.status == 200 and b"_dash-renderer" in page.read()

        # While it serves: an ingest (the server holds no lock on the warehouse). The same demo
        # files again: a real load that must find every row already there.
        files = tmp_path / "demo-files"
        assert run_cli("demo", "--out", str(files), "--scale", str(app.DEMO_SCALE),
                       "--seed", str(app.DEMO_SEED)).returncode == 0
        loaded = run_cli("ingest", str(files), "--db", str(db))
        assert loaded.returncode == 0, loaded.stderr
        assert " 0 rows loaded" in loaded.stdout
        assert get_json(health_url)["snapshot"] == first["snapshot"]  # still the old state
        # A second server on the same port is refused with the reason, before claiming to serve.
        twice = run_cli("serve", "--port", str(port), "--db", str(db))
        assert twice.returncode == 2
        assert twice.stderr.splitlines()[-1].startswith("error: cannot serve on 127.0.0.1:")
        assert "Traceback" not in twice.stderr and "is serving" not in twice.stdout
        # ... and a refresh, which the server picks up once it is published.
        refreshed = run_cli("refresh", "--db", str(db), "--as-of", "2015-08-01")
        assert refreshed.returncode == 0, refreshed.stderr
        second = get_json(health_url)
        assert second["as_of_date"] == "2015-08-01"
        assert second["snapshot"] != first["snapshot"]
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
