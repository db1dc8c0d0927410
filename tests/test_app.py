"""The command line, end to end: every command run as a user would, in its own process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import app
from tests.support.campaigns import CAMPAIGN, demo_rows, write_campaign_file
from tests.support.ops_store import StoreCase
from tests.support.raw_files import write_rr_folder
from tests.support.served import free_port, get_json, signed_in_opener, wait_for_health
from warehouse.commands import audit_log, list_campaigns
from warehouse.commands.model_registry import list_versions, models_dir
from warehouse.commands.runs import list_runs
from warehouse.ops import ops_engine, sqlite_path
from warehouse.snapshots import current_snapshot

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ("serve", "demo", "ingest", "ingest-orders", "ingest-consent", "ingest-market",
            "decline", "refresh", "export", "runs", "daily", "backtest", "launch-list",
            "promote-train", "promote", "simulate-grocery", "promote-results", "send")


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
    assert files == [f"{campaign_id}_control_do_not_contact.csv", f"{campaign_id}_treatment.csv"]
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


def test_one_click_files_through_the_cli_to_a_stored_decline_model(store: StoreCase, tmp_path):
    """On each store backend: the load and the job are recorded, the model registered, in the
    store --ops-url names."""
    ops = [] if store.backend == "sqlite" else ["--ops-url", store.url]
    files = tmp_path / "market"
    generated = run_cli("demo", "--market", "--out", str(files), "--customers", "300",
                        "--seed", "3")
    assert generated.returncode == 0, generated.stderr
    assert "Wrote the One Click files for 300 customers" in generated.stdout
    db = store.db
    loaded = run_cli("ingest-market", str(files), "--db", str(db), *ops)
    assert loaded.returncode == 0, loaded.stderr
    assert "known typo 'стандартт'" in loaded.stdout
    no_events = run_cli("decline", "--source", "events", "--db", str(db), *ops)
    assert no_events.returncode == 2 and "holds no events and no orders" in no_events.stderr
    assert "Traceback" not in no_events.stderr
    modelled = run_cli("decline", "--candidates", "5", "--jobs", "1", "--db", str(db), *ops)
    assert modelled.returncode == 0, modelled.stderr
    assert "Decline model v1 from the One Click files" in modelled.stdout
    assert "not published: the warehouse holds no events or orders" in modelled.stdout
    engine = ops_engine(store.url)
    runs = list_runs(engine)
    assert runs[["kind", "status"]].values.tolist() == [
        ["decline", "succeeded"], ["decline", "failed"], ["ingest-market", "succeeded"]]
    scored = pd.read_parquet(db.parent / f"{db.stem}.decline" / "v1" / "customer_decline.parquet")
    assert runs["counts"].iloc[0]["scored"] == len(scored) > 0
    assert runs["counts"].iloc[2]["rows_loaded"] > 0
    [model] = list_versions(engine, models_dir(db), "decline_risk")
    assert model.params["source"] == "market"
    assert sqlite_path(db).exists() == (store.backend == "sqlite")


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


def test_grocery_demo_to_a_launched_push_through_the_cli(tmp_path):
    """A new user's path: write the grocery shop, load orders with their catalogue and the
    consent list, refresh, train, size an item's audience, launch, carry the shop on for a
    week and read the campaign's results so far."""
    files, db = tmp_path / "grocery", tmp_path / "g.duckdb"
    assert run_cli("demo", "--shop", "grocery", "--out", str(files), "--scale", "0.05")\
        .returncode == 0
    loaded = run_cli("ingest-orders", str(files / "orders.csv"), "--items",
                     str(files / "items.csv"), "--db", str(db))
    assert loaded.returncode == 0, loaded.stderr
    consent = run_cli("ingest-consent", str(files / "push_consent.csv"), "--db", str(db))
    assert consent.returncode == 0, consent.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        counts = con.execute("SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM "
                             "items), (SELECT count(*) FROM push_consent)").fetchone()
    lines = sum(1 for _ in (files / "orders.csv").open(encoding="utf-8")) - 1
    assert counts[0] == lines and counts[1] == 49_688 and counts[2] > 0
    assert run_cli("refresh", "--db", str(db)).returncode == 0
    untrained = run_cli("promote", "1108", "--db", str(db))
    assert untrained.returncode == 2 and "promote-train" in untrained.stderr
    trained = run_cli("promote-train", "--db", str(db))
    assert trained.returncode == 0, trained.stderr
    assert "chosen" in trained.stdout and "Personal frequency" in trained.stdout
    launched = run_cli("promote", "1108", "--size", "150", "--launch", "grapes", "--db", str(db))
    assert launched.returncode == 0, launched.stderr
    assert "without push consent" in launched.stdout and "Launched" in launched.stdout
    stored = list_campaigns(db)
    assert stored[["name", "source", "channel"]].values.tolist() == [["grapes", "push", "push"]]
    assert audit_log(db)["user_name"].eq("cli").any()
    carried = run_cli("simulate-grocery", "--state", str(files / "grocery_state.npz"), "--out",
                      str(tmp_path / "next"), "--days", "7", "--db", str(db))
    assert carried.returncode == 0, carried.stderr
    results = run_cli("promote-results", stored["campaign_id"].iloc[0], "--db", str(db))
    assert results.returncode == 0, results.stderr
    assert "Item sales per customer" in results.stdout and "(of 2024-07-15" in results.stdout


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


def assert_one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    """Exit code 2 and one line ``error: ...`` containing each ``expected``: all of stderr, or
    its last line when serving (a server logs at INFO)."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    assert lines[-1].startswith("error: ") and (len(lines) == 1 or "serve" in result.args)
    for text in expected:
        assert text in lines[-1]


@pytest.mark.parametrize("command", [("ingest", "{folder}"), ("ingest-orders", "{orders}"),
                                     ("refresh",), ("export", "c-1"), ("serve", "--port", "1")],
                         ids=lambda c: c[0])
def test_a_db_that_is_a_directory_or_another_kind_of_file_is_refused_in_one_line(
    tmp_path, command
):
    folder = tmp_path / "rr"
    folder.mkdir()
    orders = tmp_path / "orders.csv"
    orders.write_text("customer_id,order_id,ordered_at,amount\nc1,o1,2024-01-05,1.5\n")
    args = [part.format(folder=folder, orders=orders) for part in command]

    not_duckdb = tmp_path / "notes.txt"
    not_duckdb.write_text("not a database")
    for db, reason in ((tmp_path, "is a directory, not a warehouse file"),
                       (not_duckdb, "is not a DuckDB database")):
        assert_one_line_error(run_cli(*args, "--db", str(db)), str(db), reason)
    assert not_duckdb.read_text() == "not a database"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "orders.csv", "rr"]


def test_a_refused_load_is_one_line_naming_file_line_and_column_and_writes_nothing(tmp_path):
    folder = write_rr_folder(tmp_path / "rr")
    write_campaign_file(folder / "demo_campaign.csv", [*demo_rows(3), f"{CAMPAIGN},1003,later"])
    db = tmp_path / "w.duckdb"
    assert_one_line_error(run_cli("ingest", str(folder), "--db", str(db)),
                          "demo_campaign.csv, line 5: column group must be treatment or control")
    assert not db.exists()


def test_serve_builds_no_demo_where_db_names_no_warehouse_unless_asked(tmp_path):
    db = tmp_path / "mistyped.duckdb"
    assert_one_line_error(run_cli("serve", "--port", str(free_port()), "--db", str(db)),
                          f"No warehouse at {db}", "--demo")
    assert list(tmp_path.iterdir()) == []

    other = tmp_path / "other.duckdb"  # a DuckDB file, but no warehouse in it
    duckdb.connect(str(other)).close()
    before = other.read_bytes()
    assert_one_line_error(run_cli("serve", "--port", str(free_port()), "--db", str(other)),
                          "nothing to refresh")
    assert other.read_bytes() == before
    # the only new file is the operational store holding the failed refresh's run record
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.duckdb", "other.ops.sqlite"]
    failed = run_cli("runs", "--db", str(other))
    assert failed.stdout.splitlines()[1].split()[1:3] == ["refresh", "failed"]


def test_first_start_builds_the_demo_and_keeps_serving_through_ingest_and_refresh(tmp_path):
    db = tmp_path / "first-run.duckdb"
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "serve", "--port", str(port), "--db", str(db),
         "--demo"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    health_url = f"http://127.0.0.1:{port}/health"
    try:
        first = wait_for_health(health_url, server, seconds=240)
        assert first["status"] == "ok"
        # the demo's One Click files were modelled and published with the shop
        snapshot = duckdb.connect(str(current_snapshot(db)), read_only=True)
        assert snapshot.execute("SELECT source, version FROM decline_run").fetchall() == [
            ("market", 1)]
        snapshot.close()
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


@pytest.mark.parametrize("argv", [
    ["decline", "--profit-threshold", "nan"], ["decline", "--decline-share", "1"],
    ["refresh", "--discount-rate", "-0.1"], ["uplift", "--top", "0"],
    ["uplift", "--cost-per-contact", "inf"], ["demo", "--out", "x", "--scale", "101"],
])
def test_numbers_outside_their_range_or_not_finite_are_refused(argv, capsys):
    with pytest.raises(SystemExit) as refused:
        app.build_parser().parse_args(argv)
    assert refused.value.code == 2
    assert "must be in" in capsys.readouterr().err


def test_a_percentage_is_read_as_a_fraction():
    assert app.build_parser().parse_args(["uplift", "--top", "30"]).top == 0.3
