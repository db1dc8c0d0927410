"""Time and peak memory of each pipeline step, and latency of the dashboard's queries.

    python bench/bench.py --scale 1.0 [--workdir /tmp/actionboard-bench] [--keep]
    python bench/bench.py --db /tmp/actionboard-bench/bench.duckdb [--repeats 30]  # queries only

Each step runs as its own process through the real CLI (`app.py demo|ingest|refresh`), so its
wall time includes start-up and its CPU time and peak memory (from wait4) are the step's alone
(CPU time is the steadier figure on a shared machine). The
query sample then runs against the published snapshot, as the dashboard does.
Results for the record go to docs/PERFORMANCE.md.
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
from datetime import timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from warehouse.snapshots import SnapshotReader  # noqa: E402


def run_step(name: str, args: list[str]) -> dict[str, float | str]:
    """Run one CLI command; its wall time, peak memory and the step timings it printed."""
    with tempfile.TemporaryFile(mode="w+") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), *args], cwd=ROOT, stdout=log, stderr=log
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        log.seek(0)
        output = log.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{name} failed:\n{output[-2000:]}")
    timings = [line.strip() for line in output.splitlines() if line.strip().startswith("seconds:")]
    return {"step": name, "seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024, "detail": timings[0] if timings else ""}


def query_sample(reader: SnapshotReader) -> dict[str, Callable[[], object]]:
    """The queries a page load issues, with realistic parameters."""
    from warehouse.commands import list_rules
    from warehouse.queries import (
        board,
        clusters,
        clv,
        migration,
        overview,
        rule_audiences,
        segments,
    )

    cur = reader.cursor()
    bounds = overview.data_bounds(cur)
    end = bounds["last_date"].iloc[0].date()
    start = end - timedelta(days=27)
    prev_start, prev_end = start - timedelta(days=28), start - timedelta(days=1)
    segment_sizes = segments.segment_overview(cur).set_index("segment")["customers"]
    first_segment, largest_segment = segment_sizes.index[0], segment_sizes.idxmax()
    rules = [rule for rule in list_rules(reader.db) if rule.enabled]
    largest_rule = int(board.rule_stats(cur, rules).rules.sort_values("count_won")
                       .iloc[-1]["rule_id"])
    snapshots = migration.snapshot_dates(cur)
    return {
        "overview: period KPIs": lambda: overview.period_kpis(cur, start, end),
        "overview: previous KPIs": lambda: overview.period_kpis(cur, prev_start, prev_end),
        "overview: GMV by week": lambda: overview.gmv_series(cur, start, end, "week"),
        "overview: funnel": lambda: overview.funnel(cur, start, end),
        "overview: top categories": lambda: overview.top_series(cur, start, end, "day", "category"),
        "overview: top items": lambda: overview.top_series(cur, start, end, "day", "item"),
        "segments: overview": lambda: segments.segment_overview(cur),
        "segments: customers of first": lambda: segments.segment_top_customers(cur, first_segment),
        "segments: customers of largest": lambda: segments.segment_top_customers(
            cur, largest_segment
        ),
        "segments: scores of largest": lambda: segments.segment_score_counts(
            cur, largest_segment
        ),
        "segments: RxF heatmap": lambda: segments.rf_heatmap(cur),
        "clusters: profiles": lambda: clusters.cluster_profiles(cur),
        "clusters: scatter": lambda: clusters.scatter_sample(cur, "frequency", "monetary_amount"),
        "migration: sizes over time": lambda: migration.segment_sizes_over_time(cur),
        "migration: transitions": lambda: migration.transition_counts(
            cur, snapshots[0], snapshots[-1]
        ),
        "clv: distribution": lambda: clv.clv_distribution(cur),
        "clv: top customers": lambda: clv.top_customers(cur),
        "board: rule audiences": lambda: board.rule_stats(cur, rules),
        # the first read after a publish: every customer's arrays and every rule's matches
        "board: rule audiences, cold": lambda: (rule_audiences.clear(),
                                                board.rule_stats(cur, rules)),
        "board: design baseline, rule 1": lambda: board.audience_baseline(
            cur, rules, rules[0].rule_id
        ),
        "board: design baseline, largest": lambda: board.audience_baseline(
            cur, rules, largest_rule
        ),
    }


def time_queries(reader: SnapshotReader, repeats: int, only: str = ""
                 ) -> list[dict[str, float | str]]:
    rows = []
    for name, run in query_sample(reader).items():
        if only not in name:
            continue
        run()  # warm the cache once, as a page that is already open would have
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            run()
            samples.append((time.perf_counter() - started) * 1000)
        rows.append({
            "query": name,
            "p50_ms": float(np.percentile(samples, 50)),
            "p95_ms": float(np.percentile(samples, 95)),
        })
    return rows


def print_queries(reader: SnapshotReader, repeats: int, only: str = "") -> None:
    print(f"\n{'query':<34} {'p50 ms':>7} {'p95 ms':>7}")
    for row in time_queries(reader, repeats, only):
        print(f"{row['query']:<34} {row['p50_ms']:>7.1f} {row['p95_ms']:>7.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=50, help="runs per query")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--db", type=Path, default=None,
                        help="time the queries on this refreshed warehouse; build nothing")
    parser.add_argument("--only", default="",
                        help="time only the queries whose name contains this text")
    args = parser.parse_args()
    if args.db is not None:
        print_queries(SnapshotReader(args.db), args.repeats, args.only)
        return

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="actionboard-bench-"))
    raw, db = workdir / "raw", workdir / "bench.duckdb"
    workdir.mkdir(parents=True, exist_ok=True)
    for leftover in workdir.glob("bench*"):
        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()

    steps = [
        run_step("demo", ["demo", "--out", str(raw), "--scale", str(args.scale),
                          "--seed", str(args.seed)]),
        run_step("ingest", ["ingest", str(raw), "--db", str(db)]),
        run_step("refresh", ["refresh", "--db", str(db)]),
    ]
    print(f"\nScale {args.scale} on {os.cpu_count()} cores")
    print(f"{'step':<10} {'seconds':>8} {'CPU s':>8} {'peak MB':>8}")
    for row in steps:
        print(f"{row['step']:<10} {row['seconds']:>8.1f} {row['cpu_seconds']:>8.1f} "
              f"{row['peak_mb']:>8.0f}  {row['detail']}")
    total = steps[1]["seconds"] + steps[2]["seconds"]
    cpu = steps[1]["cpu_seconds"] + steps[2]["cpu_seconds"]
    print(f"{'ingest+refresh':<10} {total:>4.1f} s ({cpu:.1f} CPU s)")

    print_queries(SnapshotReader(db), args.repeats, args.only)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
