"""Run records: opened before the work, closed with its outcome, 'interrupted' when killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from tests.support.ops_store import StoreCase
from warehouse.clock import utc_now
from warehouse.commands.runs import format_runs, list_runs, record_run
from warehouse.ops import ops_engine

REPO = Path(__file__).resolve().parents[3]
KILLED_RUN = """
import sys, time
from warehouse.ops import ops_engine
from warehouse.commands.runs import record_run
with record_run(ops_engine(sys.argv[1]), kind="refresh", params={"scale": 1}):
    print("started", flush=True)
    time.sleep(120)
"""


def test_a_run_that_ends_normally_is_recorded_with_its_parameters_and_counts(
    engine: Engine,
) -> None:
    before = utc_now()
    with record_run(engine, kind="refresh", params={"as_of": date(2015, 9, 18)}) as run:
        run.add_counts({"orders": 120, "customers": 4_000})
        run.add_counts({"orders": 121})
    [row] = list_runs(engine).to_dict("records")
    assert (row["run_id"], row["kind"], row["status"], row["error"]) == \
        (run.run_id, "refresh", "succeeded", None)
    assert row["params"] == {"as_of": "2015-09-18"}
    assert row["counts"] == {"orders": 121, "customers": 4_000}
    assert before <= row["started_at"] <= row["finished_at"] <= utc_now()
    assert row["seconds"] == (row["finished_at"] - row["started_at"]).total_seconds()
    assert (row["host"], row["pid"]) == (os.uname().nodename, os.getpid())


def test_a_failed_run_keeps_its_error_and_the_error_still_reaches_the_caller(
    engine: Engine,
) -> None:
    with pytest.raises(ValueError, match="no events"), record_run(engine, kind="ingest"):
        raise ValueError("no events in events.csv")
    [row] = list_runs(engine).to_dict("records")
    assert (row["status"], row["error"]) == ("failed", "ValueError: no events in events.csv")
    assert row["finished_at"] >= row["started_at"]
    assert row["params"] is None and row["counts"] is None


def test_a_run_in_progress_is_running_until_it_exceeds_the_limit(engine: Engine) -> None:
    with record_run(engine, kind="job"):
        assert list_runs(engine)["status"].tolist() == ["running"]
        later = utc_now() + timedelta(hours=7)
        assert list_runs(engine, now=later)["status"].tolist() == ["interrupted"]
        assert list_runs(engine, now=later, running_limit=timedelta(hours=8))[
            "status"].tolist() == ["running"]


def test_a_run_whose_process_was_killed_is_listed_as_interrupted(store: StoreCase) -> None:
    engine = ops_engine(store.url)  # migrated here, so the child only opens it
    child = subprocess.Popen([sys.executable, "-c", KILLED_RUN, store.url], cwd=REPO,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "started"
        assert list_runs(engine)["status"].tolist() == ["running"]
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    [row] = list_runs(engine).to_dict("records")
    assert (row["status"], row["pid"]) == ("interrupted", child.pid)
    assert pd.isna(row["finished_at"]) and pd.isna(row["seconds"])


def test_the_latest_runs_come_first_and_the_limit_applies(engine: Engine) -> None:
    for kind in ("first", "second", "third"):
        with record_run(engine, kind=kind):
            pass
    assert list_runs(engine, limit=2)["kind"].tolist() == ["third", "second"]


def test_the_table_for_the_command_line_shows_one_line_per_run() -> None:
    frame = pd.DataFrame({
        "run_id": [12, 11],
        "kind": ["refresh", "ingest"],
        "status": ["failed", "succeeded"],
        "started_at": [datetime(2026, 1, 2, 8, 0, 5), datetime(2026, 1, 2, 7, 59)],
        "finished_at": [datetime(2026, 1, 2, 8, 0, 9, 500_000), datetime(2026, 1, 2, 8, 1, 4)],
        "seconds": [4.5, 124.0],
        "params": [None, None],
        "counts": [None, {"events": 2_743_228, "rejected": 3}],
        "error": ["WarehouseBusyError: w.duckdb is in use by another Actionboard process "
                  "(an ingest or refresh); waited 30 s.\nTraceback…", None],
        "host": ["h", "h"],
        "pid": [1, 2],
    })
    assert format_runs(frame).splitlines() == [
        "run  kind     status     started (UTC)        took        rows" + " " * 26 + "error",
        "12   refresh  failed     2026-01-02 08:00:05  4.5 s" + " " * 37
        + "WarehouseBusyError: w.duckdb is in use by another Actionboa…",
        "11   ingest   succeeded  2026-01-02 07:59:00  2 min 04 s  events 2,743,228, rejected 3",
    ]


def test_the_command_line_says_when_nothing_ran_yet(engine: Engine) -> None:
    assert format_runs(list_runs(engine)) == "No runs recorded yet."
