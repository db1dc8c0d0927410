"""Latency of Promote an item on a trained warehouse: scoring every customer for one item, and
the item search as the operator types.

    python bench/promote.py --db DB [--items 20] [--searches 200]

DB must hold a published snapshot and a trained item propensity model (``python app.py demo
--shop grocery``, ``ingest-orders --items``, ``ingest-consent``, ``refresh``, ``promote-train``;
the training prints its own time). Scores the best-selling items one after another and runs
prefixes of their names through the search, as typed; prints median and p95 of each. Results
for the record go to docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from warehouse.promote.scoring import score_item  # noqa: E402
from warehouse.queries.promote import search_items  # noqa: E402
from warehouse.snapshots import SnapshotReader  # noqa: E402


def _ms(samples: list[float]) -> str:
    return (f"median {np.median(samples) * 1000:.0f} ms, p95 "
            f"{np.percentile(samples, 95) * 1000:.0f} ms over {len(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--searches", type=int, default=200)
    args = parser.parse_args()
    reader = SnapshotReader(args.db)
    _, con = reader.current()
    top = con.execute("SELECT item_id, coalesce(item_name, item_id) FROM item_catalogue "
                      "ORDER BY count_orders_28d DESC LIMIT ?", [args.items]).fetchall()
    scoring, customers = [], 0
    for item_id, _ in top:
        started = time.perf_counter()
        customers = len(score_item(args.db, item_id).scores)
        scoring.append(time.perf_counter() - started)
    typed = [name[:k].lower() for _, name in top for k in range(2, len(name) + 1)]
    searching = []
    for text in (typed * (args.searches // max(len(typed), 1) + 1))[:args.searches]:
        started = time.perf_counter()
        search_items(con, text)
        searching.append(time.perf_counter() - started)
    print(f"score one item for {customers:,} customers: {_ms(scoring)}")
    print(f"item search: {_ms(searching)}")


if __name__ == "__main__":
    main()
