"""What the platform pieces cost on a real warehouse: features, the prediction log, the store.

    python bench/platform_costs.py --db /tmp/pf/w.duckdb [--cutoff 2015-09-01] [--rows 5000000]
                             [--ops-url postgresql+psycopg://…]

``--db`` is a warehouse built by ``python app.py ingest`` (e.g. the scale-1 demo). Each figure is
timed once:

* customer features at the cut-off (``warehouse.features.build_features``), rows and seconds;
* the prediction log: ``--rows`` synthetic scores written, written again (replacing them), and
  counted and averaged through ``predictions_sql``;
* the operational store: the DuckDB-era store beside ``--db`` (if any) imported into a fresh
  SQLite store (on a copy; the original stays), then 2,000 write transactions from 8 threads;
* campaigns in that store: an explicit audience of ``--audience`` customers launched
  (``launch_audience``: hash, exclusion of running campaigns' customers, split, bulk insert,
  audit), then every campaign and assignment read as the refresh reads them
  (``campaign_chunks``) into a DuckDB table, and the campaign's groups exported.
Results for the record go to docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

import duckdb
import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from warehouse.commands import export_campaign, launch_audience  # noqa: E402
from warehouse.commands.campaigns.storage import campaign_chunks  # noqa: E402
from warehouse.features import build_features, open_raw  # noqa: E402
from warehouse.frames import insert_frame  # noqa: E402
from warehouse.ops import ops_store, ops_transaction  # noqa: E402
from warehouse.ops.legacy import legacy_path  # noqa: E402
from warehouse.ops.schema import audit_log, campaign_assignments  # noqa: E402
from warehouse.prediction_log import read_predictions, write_predictions  # noqa: E402

WRITES, THREADS = 2_000, 8
T = TypeVar("T")


def _timed(label: str, action: Callable[[], T]) -> T:
    started = time.perf_counter()
    result = action()
    print(f"{label:<58}{time.perf_counter() - started:7.2f} s")
    return result


def bench_features(db: Path, cutoff: datetime) -> None:
    with open_raw(db) as con:
        _timed(f"customer features at {cutoff:%Y-%m-%d %H:%M}",
               lambda: build_features(con, "customer_features", cutoff))
        [(rows,)] = con.sql("SELECT count(*) FROM customer_features").fetchall()
    print(f"  {rows:,} customers")


def bench_prediction_log(rows: int, folder: Path) -> None:
    rng = np.random.default_rng(7)
    scores = pa.table({"customer_id": pa.array(np.arange(rows).astype(str)),
                       "score": pa.array(rng.random(rows))})
    for label in ("write", "write again (replaces)"):
        _timed(f"prediction log: {label} {rows:,} rows", lambda: write_predictions(
            folder, scores, model="bench", version=1, as_of=date(2015, 9, 1), horizon_days=30))
    with duckdb.connect() as con:
        [(count, mean)] = _timed(
            "prediction log: count and mean through DuckDB",
            lambda: read_predictions(con, folder).aggregate("count(*), avg(score)").fetchall())
    print(f"  {count:,} rows, mean score {mean:.4f}")


def bench_store(db: Path, url: str | None, workdir: Path) -> None:
    copy = workdir / db.name
    if legacy_path(db).exists():
        shutil.copy(legacy_path(db), legacy_path(copy))
    engine = _timed("operational store: open (migrate, import DuckDB store)",
                    lambda: ops_store(copy, url))
    with ops_transaction(engine, readonly=True) as connection:
        imported = connection.execute(
            select(func.count()).select_from(campaign_assignments)).scalar()
    print(f"  {imported:,} campaign assignments imported")

    def write(number: int) -> None:
        with ops_transaction(engine) as connection:
            connection.execute(insert(audit_log).values(
                logged_at=datetime(2026, 1, 1), user_name="bench", event="export",
                segment="Champions", row_count=number))

    def run() -> None:
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(write, range(WRITES)))

    _timed(f"operational store: {WRITES:,} writes from {THREADS} threads", run)


def bench_campaigns(db: Path, url: str | None, workdir: Path, customers: int) -> None:
    copy = workdir / db.name
    ids = [f"b{number:09d}" for number in range(customers)]
    launched = _timed(
        f"campaigns: launch an explicit audience of {customers:,}",
        lambda: launch_audience(copy, ids, name="Bench", action="a", channel="email",
                                offer="o", kpi="k", source="daily_list", user="bench",
                                launched_at=datetime(2015, 9, 1), ops_url=url))
    with duckdb.connect() as con:
        def copy_all() -> int:
            rows = 0
            for table, chunk in campaign_chunks(copy, url):
                if not con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = ?",
                                   [table]).fetchall():
                    con.register("first_chunk", chunk)
                    con.execute(f"CREATE TABLE {table} AS SELECT * FROM first_chunk LIMIT 0")  # noqa: S608
                    con.unregister("first_chunk")
                insert_frame(con, table, chunk)
                rows += chunk.num_rows
            return rows

        rows = _timed("campaigns: read them all as the refresh does", copy_all)
    print(f"  {rows:,} rows (campaigns and assignments)")
    _timed("campaigns: export both groups", lambda: export_campaign(
        copy, launched.campaign_id, workdir / "export", user="bench", ops_url=url))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--cutoff", type=datetime.fromisoformat, default=datetime(2015, 9, 1))
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--ops-url", default=None)
    parser.add_argument("--audience", type=int, default=300_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="actionboard-platform-") as workdir:
        bench_features(args.db, args.cutoff)
        bench_prediction_log(args.rows, Path(workdir) / "predictions")
        bench_store(args.db, args.ops_url, Path(workdir))
        bench_campaigns(args.db, args.ops_url, Path(workdir), args.audience)


if __name__ == "__main__":
    main()
