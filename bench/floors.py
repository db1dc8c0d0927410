"""What the largest steps cost at their simplest, to tell the pipeline's overhead from the floor.

    python bench/floors.py --data DIR [--workdir /tmp/actionboard-floors]

DIR is a RetailRocket-format folder (e.g. from ``python app.py demo --out DIR --scale 10``). Each
figure is one DuckDB statement on ``events.csv`` under the pipeline's memory limit, timed once:

* parse: read every row, columns as text (the least any ingest does);
* de-duplicate: the typed rows grouped, as ingest does to drop exact duplicates;
* visitors: one row per visitor with their first/last event and counts, the core of
  customer_summary, keyed by the integer visitorid and by its text form (the product's
  customer_id);
* persisted ids: one text or integer id per visitor written to a database file, the cost every
  per-customer table of a snapshot pays; text also without compression, as the snapshot stores
  its 14 M visitor ids.
Results for the record go to docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from warehouse.connections import MEMORY_LIMIT  # noqa: E402

TEXT_COLUMNS = {f"c{i}": "VARCHAR" for i in range(5)}  # timestamp, visitorid, event, itemid, tx
SOURCE = "read_csv($path, columns = $columns, header = true, auto_detect = false)"
STATEMENTS = {
    "parse (count rows)": f"SELECT count(*) FROM {SOURCE}",  # noqa: S608 constants only
    "de-duplicate (group typed rows)": (
        "CREATE OR REPLACE TEMP TABLE typed AS SELECT TRY_CAST(c0 AS BIGINT) AS ts, "  # noqa: S608
        "TRY_CAST(c1 AS BIGINT) AS visitorid, c2 AS event, TRY_CAST(c3 AS BIGINT) AS itemid, "
        f"TRY_CAST(c4 AS BIGINT) AS tx, count(*) AS n FROM {SOURCE} GROUP BY ALL"
    ),
    "visitors keyed by integer": (
        "CREATE OR REPLACE TEMP TABLE visitors AS SELECT visitorid, min(ts) AS first_ts, "
        "max(ts) AS last_ts, count(*) AS events, count(*) FILTER (event = 'view') AS views "
        "FROM typed GROUP BY visitorid"
    ),
    "visitors keyed by text": (
        "CREATE OR REPLACE TEMP TABLE visitors_text AS SELECT CAST(visitorid AS VARCHAR) AS id, "
        "min(ts) AS first_ts, max(ts) AS last_ts, count(*) AS events, "
        "count(*) FILTER (event = 'view') AS views FROM typed GROUP BY 1"
    ),
    "persisted ids, integer": "CREATE OR REPLACE TABLE ids AS SELECT visitorid FROM visitors",
    "persisted ids, text": "CREATE OR REPLACE TABLE ids AS SELECT id FROM visitors_text",
    "persisted ids, text uncompressed": (
        "CREATE OR REPLACE TABLE ids (id VARCHAR USING COMPRESSION uncompressed);"
        "INSERT INTO ids SELECT id FROM visitors_text"
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder holding events.csv")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/actionboard-floors"))
    args = parser.parse_args()
    events = args.data / "events.csv"
    if not events.is_file():
        raise SystemExit(f"no events.csv in {args.data}")
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    con = duckdb.connect(str(args.workdir / "floors.duckdb"), config={"memory_limit": MEMORY_LIMIT})
    params = {"path": str(events), "columns": TEXT_COLUMNS}
    print(f"{'statement':<34}{'seconds':>8}  rows")
    try:
        for name, sql in STATEMENTS.items():
            started = time.perf_counter()
            # several statements in one string: the result is the last one's
            (rows,) = con.execute(sql, params if "$path" in sql else None).fetchone()
            seconds = time.perf_counter() - started
            print(f"{name:<34}{seconds:>8.1f}  {rows:,}")
    finally:
        con.close()
        shutil.rmtree(args.workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
