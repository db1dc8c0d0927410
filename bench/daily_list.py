"""Time and peak memory of the daily contact list, and latency of its page's callbacks.

    python bench/daily_list.py --scale 1 [--workdir DIR] [--keep]
    python bench/daily_list.py --db PATH [--workdir DIR]   (a copy of a warehouse already
                                                          loaded by app.py ingest)

Each command runs as its own process through the real CLI, so its wall time includes start-up
and its peak memory (max RSS, from wait4) is its own; its CPU time (user + system) is printed
too, since on a shared machine the wall time depends on what else runs:

1. ``backtest --days 7`` on a warehouse with no daily folder yet (nothing cached);
2. the daily folder, registry and prediction log removed, ``daily`` for four consecutive report
   dates ending three days before the data's "today": the first run trains from scratch on a
   cold cache; the next ones are the everyday case (one new day of features and outcomes, one
   new model version); the fourth also checks the list of the first;
3. the fourth date again (the idempotent re-run).

Then the page's callbacks are timed in this process on the stored reports: first drawings
(what a click on a report not drawn yet costs: ``--draw-rounds`` of each report, the page's
memory of drawn reports emptied before each), then p50 / p95 over ``--repeats`` calls after one
warm-up, as a page already open would call them. ``--no-backtest`` skips step 1 (the
backtest's target is at scale 1). Results for the record go to docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from warehouse.commands.model_registry import models_dir  # noqa: E402
from warehouse.daily.store import daily_dir  # noqa: E402
from warehouse.ops import sqlite_path  # noqa: E402
from warehouse.prediction_log import predictions_dir  # noqa: E402


def run(name: str, args: list[str]) -> dict[str, float | str]:
    """Run one CLI command; its wall time and peak memory."""
    with tempfile.TemporaryFile(mode="w+") as log:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, str(ROOT / "app.py"), *args], cwd=ROOT,
                                   stdout=log, stderr=log)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        log.seek(0)
        output = log.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{name} failed:\n{output[-3000:]}")
    return {"step": name, "seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024, "output": output}


def data_today(db: Path) -> date:
    with duckdb.connect(str(db), read_only=True) as con:
        [(last,)] = con.execute('SELECT max(epoch_ms("timestamp")) FROM events').fetchall()
    return last.date() + timedelta(days=1)


def clear_daily_state(db: Path) -> None:
    """Forget every list, version, score and cached fact of ``db``'s daily list."""
    for folder in (daily_dir(db), models_dir(db), predictions_dir(db), db.parent / "reports"):
        shutil.rmtree(folder, ignore_errors=True)
    for path in sqlite_path(db).parent.glob(sqlite_path(db).name + "*"):
        path.unlink()


def latency(calls: dict[str, Callable[[], object]], repeats: int) -> list[tuple[str, float,
                                                                              float]]:
    rows = []
    for name, call in calls.items():
        call()
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
        rows.append((name, float(np.percentile(samples, 50)), float(np.percentile(samples, 95))))
    return rows


def first_drawings(db: Path, days: list[date], rounds: int) -> tuple[float, list[float]]:
    """Milliseconds of the first drawing of a report in this process (one-time start-up costs
    included), then of ``rounds`` first drawings of each stored report: the page's memory of
    drawn reports is emptied before each, so every drawing reads the report's stored file."""
    from dashboard.app import create_app
    from dashboard.pages.daily_list import callbacks
    from warehouse.queries.daily_list import PREDICTION, PVA

    create_app(db)
    reports = [(PREDICTION, day) for day in days] + [(PVA, days[0])]

    def draw(report_type: str, day: date) -> float:
        callbacks._report.cache_clear()  # nothing drawn yet
        started = time.perf_counter()
        callbacks.show_report(report_type, day.isoformat())
        return (time.perf_counter() - started) * 1000

    first = draw(*reports[0])
    return first, [draw(*report) for _ in range(rounds) for report in reports]


def page_calls(db: Path, listed: date, checked: date) -> dict[str, Callable[[], object]]:
    from dashboard.app import create_app
    from dashboard.pages.daily_list import callbacks
    from dashboard.pages.daily_list.layout import layout
    from warehouse.queries.daily_list import PREDICTION, PVA

    create_app(db)  # the callbacks read the app created last
    return {
        "page layout (backtest, history)": layout,
        "picker: prediction dates": lambda: callbacks.update_picker(PREDICTION, None),
        "picker: predicted-vs-actual dates": lambda: callbacks.update_picker(PVA, None),
        "show a prediction report": lambda: callbacks.show_report(PREDICTION,
                                                                  listed.isoformat()),
        "show a predicted-vs-actual report": lambda: callbacks.show_report(PVA,
                                                                           checked.isoformat()),
        "download the list file": lambda: callbacks.download_report(PREDICTION,
                                                                    listed.isoformat()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", type=Path, default=None,
                        help="an ingested warehouse to use instead of generating one")
    parser.add_argument("--repeats", type=int, default=200, help="calls per page callback")
    parser.add_argument("--draw-rounds", type=int, default=40,
                        help="first drawings of each stored report")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--no-backtest", dest="backtest", action="store_false",
                        help="skip the 7-day backtest")
    args = parser.parse_args()

    load_before = f"{os.getloadavg()[0]:.1f}"
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="actionboard-daily-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    steps = []
    if args.db is None:
        raw, db = workdir / "raw", workdir / "bench.duckdb"
        steps.append(run("demo", ["demo", "--out", str(raw), "--scale", str(args.scale),
                                  "--seed", str(args.seed)]))
        steps.append(run("ingest", ["ingest", str(raw), "--db", str(db)]))
    else:  # a copy: the bench clears the daily list's state, stores included
        db = workdir / "bench.duckdb"
        shutil.copy2(args.db, db)
    clear_daily_state(db)
    today = data_today(db)
    backtest_output = ""
    if args.backtest:
        steps.append(run("backtest --days 7 (nothing cached)",
                         ["backtest", "--days", "7", "--db", str(db)]))
        backtest_output = steps[-1]["output"]
        clear_daily_state(db)
    first = today - timedelta(days=6)
    days = [first + timedelta(days=i) for i in range(4)]
    for index, day in enumerate(days):
        kind = "first run, cold cache" if index == 0 else "everyday run"
        steps.append(run(f"daily --date {day} ({kind})",
                         ["daily", "--date", day.isoformat(), "--db", str(db)]))
    steps.append(run(f"daily --date {days[-1]} again (idempotent)",
                     ["daily", "--date", days[-1].isoformat(), "--db", str(db)]))

    print(f"\nDaily list at scale {args.scale if args.db is None else args.db.name} on "
          f"{os.cpu_count()} cores (data today: {today})")
    print(f"load average before: {load_before}, after: {os.getloadavg()[0]:.1f} "
          "(CPU seconds do not depend on what else runs on the machine)")
    print(f"{'step':<52} {'seconds':>8} {'CPU s':>6} {'peak MB':>8}")
    for row in steps:
        print(f"{row['step']:<52} {row['seconds']:>8.1f} {row['cpu']:>6.1f} "
              f"{row['peak_mb']:>8.0f}")
    everyday = [row["seconds"] for row in steps if "everyday" in row["step"]]
    print(f"everyday run: median {np.median(everyday):.1f} s, max {max(everyday):.1f} s")
    print("\n" + backtest_output.strip())

    first, first_draws = first_drawings(db, days, args.draw_rounds)
    print(f"\nfirst drawing of a report: the first in this process {first:.1f} ms; then "
          f"{len(first_draws)} first drawings ({args.draw_rounds} of each stored report): "
          f"p50 {np.percentile(first_draws, 50):.1f} ms, p95 "
          f"{np.percentile(first_draws, 95):.1f} ms, max {max(first_draws):.1f} ms")
    print(f"\n{'page callback':<40} {'p50 ms':>7} {'p95 ms':>7}")
    for name, p50, p95 in latency(page_calls(db, days[-1], days[0]), args.repeats):
        print(f"{name:<40} {p50:>7.1f} {p95:>7.1f}")
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
