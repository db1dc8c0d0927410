"""Speed of the decline model: search and fit, explanations, and the page's callbacks.

    python bench/decline.py --scale 1.0 [--workdir /tmp/actionboard-decline] [--keep]

Builds a demo warehouse at the scale (``app.py demo|ingest|refresh``), writes and loads the One
Click demo files (1,300 customers, the published size), then runs ``app.py decline`` on each
source as its own process (wall time and peak memory, and the job's own seconds per phase). The
Decline risk page's callbacks are then timed server side through Dash's HTTP endpoint, each
customer's explanation asked for the first time (so nothing is cached). Last, the chosen kind of
explainer on 100 × the published size shows how explanations scale. Results for the record go to
docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import run_step  # noqa: E402  (bench/bench.py, beside this script)

MARKET_CUSTOMERS = 1300
REPEATS = 50
BENCH_USER = "decline-bench"


def _decline(db: Path, source: str) -> dict[str, object]:
    try:
        return run_step(f"decline ({source})", ["decline", "--source", source, "--db", str(db)])
    except SystemExit as failure:  # e.g. too few qualifying buyers at a small scale
        return {"step": f"decline ({source})", "seconds": float("nan"), "peak_mb": float("nan"),
                "detail": str(failure).strip().splitlines()[-1]}


def _callback(client, outputs: list[tuple[str, str]], input_id: str, value: object) -> float:
    """Milliseconds of one callback request answered by the Dash server."""
    body = {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [{"id": input_id, "property": "value", "value": value}],
        "changedPropIds": [f"{input_id}.value"],
        "state": [],
    }
    started = time.perf_counter()
    response = client.post("/_dash-update-component", data=json.dumps(body),
                           content_type="application/json")
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"callback on {input_id} answered {response.status_code}")
    return elapsed


def signed_in_client(app, db: Path):
    """A test client of ``app`` signed in through ``POST /login`` as the bench's viewer (added,
    or given a fresh password, through the command side)."""
    import re

    from warehouse import commands

    password = commands.generate_password()
    if BENCH_USER in {user.name for user in commands.list_users(db)}:
        commands.set_password(db, BENCH_USER, password, user="cli")
    else:
        commands.add_user(db, BENCH_USER, commands.VIEWER, password, user="cli")
    client = app.server.test_client()
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    if token is None:
        raise SystemExit("the sign-in page has no form token")
    answer = client.post("/login", data={"name": BENCH_USER, "password": password, "next": "/",
                                         "csrf": token.group(1)})
    if answer.status_code != 303:
        raise SystemExit(f"signing in answered {answer.status_code}")
    return client


def callback_latency(db: Path) -> dict[str, list[float]]:
    """Server-side milliseconds of the page's callbacks (search, a customer's explanation)."""
    from dashboard.app import create_app
    from dashboard.pages.decline import ids
    from warehouse.snapshots import open_snapshot

    app = create_app(db)
    client = signed_in_client(app, db)
    with open_snapshot(db) as con:
        customers = [row[0] for row in con.execute(
            "SELECT customer_id FROM customer_decline ORDER BY hash(customer_id) LIMIT ?",
            [REPEATS + 1]).fetchall()]
    search = [(ids.DECLINE_CUSTOMER, "options"), (ids.DECLINE_CUSTOMER, "value"),
              (ids.DECLINE_SEARCH_MESSAGE, "children")]
    explain = [(ids.DECLINE_CUSTOMER_FACTS, "children"), (ids.DECLINE_REASONS, "children"),
               (ids.DECLINE_WATERFALL, "figure")]
    _callback(client, explain, ids.DECLINE_CUSTOMER, customers[-1])  # warm-up
    return {
        "search: highest risks": [_callback(client, search, ids.DECLINE_SEARCH, "")
                                  for _ in range(REPEATS)],
        "search: an id's start (new each time)": [
            _callback(client, search, ids.DECLINE_SEARCH, c[:3] + str(i % 10))
            for i, c in enumerate(customers[:REPEATS])],
        "a customer's explanation (first view)": [
            _callback(client, explain, ids.DECLINE_CUSTOMER, c) for c in customers[:REPEATS]],
    }


def explain_at_scale(db: Path, copies: int = 100) -> tuple[int, float, str]:
    """Seconds to explain ``copies`` × the One Click customers with a freshly fitted model."""
    import pandas as pd

    from analytics.decline.explain import explain
    from analytics.decline.search import SearchSettings, fit_decline_model
    from warehouse.decline.sources import market_profile

    profile = market_profile(db).profile
    model = fit_decline_model(profile, SearchSettings(n_iter=5))
    many = pd.concat([profile.assign(customer_id=profile["customer_id"] + f"-{i}")
                      for i in range(copies)], ignore_index=True)
    started = time.perf_counter()
    explain(model, many)
    return len(many), time.perf_counter() - started, model.explainer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="actionboard-decline-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "actionboard.duckdb"
    try:
        steps = []
        if not db.exists():
            steps += [
                run_step("demo", ["demo", "--out", str(work / "shop"), "--scale", str(args.scale)]),
                run_step("ingest", ["ingest", str(work / "shop"), "--db", str(db)]),
                run_step("refresh", ["refresh", "--db", str(db)]),
                run_step("demo --market", ["demo", "--market", "--out", str(work / "market"),
                                           "--customers", str(MARKET_CUSTOMERS)]),
                run_step("ingest-market", ["ingest-market", str(work / "market"), "--db",
                                           str(db)]),
            ]
        steps += [_decline(db, "events"), _decline(db, "market")]
        print(f"Decline risk at scale {args.scale:g} (One Click files: {MARKET_CUSTOMERS:,} "
              "customers)")
        print(f"{'step':<18}{'seconds':>9}{'peak MB':>9}  detail")
        for step in steps:
            print(f"{step['step']:<18}{step['seconds']:>9.1f}{step['peak_mb']:>9.0f}  "
                  f"{step['detail']}")
        print(f"\n{'callback (server side, ms)':<42}{'p50':>8}{'p95':>8}")
        for name, times in callback_latency(db).items():
            print(f"{name:<42}{np.percentile(times, 50):>8.1f}{np.percentile(times, 95):>8.1f}")
        rows, seconds, kind = explain_at_scale(db)
        print(f"\nexplaining {rows:,} customers with the {kind} explainer: {seconds:.1f} s")
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
