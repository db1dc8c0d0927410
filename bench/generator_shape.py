"""Does the demo generator reproduce the real RetailRocket data's shape, and how fast?

    python bench/generator_shape.py --scale 1.0 [--seed 7] [--keep DIR]

Generates into a temporary folder (or ``--keep DIR``), times it, measures the published figures
from the written files with DuckDB and prints: figure, target, actual, deviation, within ±15 %.
Targets are the real figures × scale for visitor/event figures, × min(scale, 1) for catalogue
figures, and unscaled for shares, ratios, key and snapshot counts and the category tree.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo.generator import generate

TOLERANCE = 0.15

# (figure, real value, how it scales: "events" × scale, "catalogue" × min(scale, 1), "fixed")
REAL = (
    ("events", 2_756_101, "events"),
    ("views", 2_664_312, "events"),
    ("add-to-carts", 69_332, "events"),
    ("transactions", 22_457, "events"),
    ("view share %", 96.7, "fixed"),
    ("add-to-cart share %", 2.5, "fixed"),
    ("transaction share %", 0.8, "fixed"),
    ("unique visitors", 1_407_580, "events"),
    ("one-event visitor share %", 71.0, "fixed"),
    ("buyers", 11_719, "events"),
    ("visitors with 2+ transactions", 2_576, "events"),
    ("distinct transaction ids", 17_672, "events"),
    ("items per basket", 1.27, "fixed"),
    ("items seen in events", 235_061, "catalogue"),
    ("transactions per day, median", 162, "events"),
    ("transactions per day, min", 51, "events"),
    ("transactions per day, max", 278, "events"),
    ("exact duplicate event rows", 460, "events"),
    ("item_properties rows", 20_275_902, "catalogue"),
    ("part1 rows", 10_999_999, "catalogue"),
    ("part2 rows", 9_275_903, "catalogue"),
    ("items", 417_053, "catalogue"),
    ("property keys", 1_104, "fixed"),
    ("snapshot timestamps", 18, "fixed"),
    ("available rows", 1_503_639, "catalogue"),
    ("categoryid rows", 788_214, "catalogue"),
    ("distinct categories of items", 1_242, "catalogue"),
    ("category tree rows", 1_669, "fixed"),
    ("category tree roots", 25, "fixed"),
    ("category tree depth", 5, "fixed"),
)

EVENTS_SQL = """
CREATE TABLE events AS SELECT * FROM read_csv(?, header = true, columns = {
    'timestamp': 'BIGINT', 'visitorid': 'BIGINT', 'event': 'VARCHAR', 'itemid': 'BIGINT',
    'transactionid': 'BIGINT'})
"""
EVENT_FIGURES_SQL = """
WITH per_visitor AS (
    SELECT visitorid, count(*) AS n, count(*) FILTER (event = 'transaction') AS n_tx
    FROM events GROUP BY visitorid
), per_day AS (
    SELECT count(*) AS n FROM events WHERE event = 'transaction'
    GROUP BY CAST(to_timestamp("timestamp" / 1000) AT TIME ZONE 'UTC' AS DATE)
)
SELECT
    (SELECT count(*) FROM events),
    (SELECT count(*) FILTER (event = 'view') FROM events),
    (SELECT count(*) FILTER (event = 'addtocart') FROM events),
    (SELECT count(*) FILTER (event = 'transaction') FROM events),
    (SELECT count(*) FROM per_visitor),
    (SELECT avg(CAST(n = 1 AS DOUBLE)) * 100 FROM per_visitor),
    (SELECT count(*) FILTER (n_tx >= 1) FROM per_visitor),
    (SELECT count(*) FILTER (n_tx >= 2) FROM per_visitor),
    (SELECT count(DISTINCT transactionid) FROM events),
    (SELECT count(DISTINCT itemid) FROM events),
    (SELECT median(n) FROM per_day),
    (SELECT min(n) FROM per_day),
    (SELECT max(n) FROM per_day),
    (SELECT count(*) FROM events)
        - (SELECT count(*) FROM (SELECT DISTINCT * FROM events))
"""
PROPERTY_FIGURES_SQL = """
SELECT count(*),
       count(*) FILTER (filename LIKE '%part1.csv'),
       count(*) FILTER (filename LIKE '%part2.csv'),
       count(DISTINCT itemid),
       count(DISTINCT property),
       count(DISTINCT "timestamp"),
       count(*) FILTER (property = 'available'),
       count(*) FILTER (property = 'categoryid'),
       count(DISTINCT value) FILTER (property = 'categoryid')
FROM read_csv(?, header = true, filename = true, columns = {
    'timestamp': 'BIGINT', 'itemid': 'BIGINT', 'property': 'VARCHAR', 'value': 'VARCHAR'})
"""
TREE_FIGURES_SQL = """
WITH RECURSIVE tree AS (
    SELECT categoryid, parentid FROM read_csv(?, header = true, columns = {
        'categoryid': 'BIGINT', 'parentid': 'BIGINT'})
), walk AS (
    SELECT categoryid, 1 AS depth FROM tree WHERE parentid IS NULL
    UNION ALL
    SELECT t.categoryid, w.depth + 1 FROM tree t JOIN walk w ON t.parentid = w.categoryid
)
SELECT (SELECT count(*) FROM tree), (SELECT count(*) FROM tree WHERE parentid IS NULL),
       (SELECT max(depth) FROM walk)
"""
CAMPAIGN_SQL = """
WITH audience AS (
    SELECT visitorid, "group" FROM read_csv(?, header = true)
), window_buyers AS (
    SELECT DISTINCT visitorid FROM events
    WHERE event = 'transaction' AND "timestamp" >= ? AND "timestamp" < ?
)
SELECT "group", count(*), avg(CAST(b.visitorid IS NOT NULL AS DOUBLE))
FROM audience a LEFT JOIN window_buyers b USING (visitorid)
GROUP BY "group" ORDER BY "group"
"""


def measure(folder: Path) -> dict[str, float]:
    """The REAL figures measured from the files in ``folder``."""
    con = duckdb.connect()
    con.execute(EVENTS_SQL, [str(folder / "events.csv")])
    event_figures = con.execute(EVENT_FIGURES_SQL).fetchone()
    parts = [str(folder / f"item_properties_part{i}.csv") for i in (1, 2)]
    property_figures = con.execute(PROPERTY_FIGURES_SQL, [parts]).fetchone()
    tree_figures = con.execute(TREE_FIGURES_SQL, [str(folder / "category_tree.csv")]).fetchone()
    con.close()
    (events, views, carts, buys, visitors, one_event, buyers, repeat, tids, items_seen,
     median, low, high, dups) = event_figures
    values = [
        events, views, carts, buys, 100 * views / events, 100 * carts / events,
        100 * buys / events, visitors, one_event, buyers, repeat, tids, buys / tids, items_seen,
        median, low, high, dups, *property_figures[:5], property_figures[5],
        *property_figures[6:], *tree_figures,
    ]
    return {name: float(v) for (name, _, _), v in zip(REAL, values, strict=True)}


def campaign_check(folder: Path) -> list[tuple[str, int, float, float]]:
    """(group, size, measured window conversion, planted probability) from the files."""
    truth = json.loads((folder / "ground_truth_campaign.json").read_text())
    start = int(time.mktime(time.strptime(truth["window_start"], "%Y-%m-%d")) - time.timezone)
    end = int(time.mktime(time.strptime(truth["window_end"], "%Y-%m-%d")) - time.timezone)
    con = duckdb.connect()
    con.execute(EVENTS_SQL, [str(folder / "events.csv")])
    rows = con.execute(CAMPAIGN_SQL, [str(folder / "demo_campaign.csv"), start * 1000,
                                      (end + 86_400) * 1000]).fetchall()
    con.close()
    return [(g, n, rate, truth[f"p_{g}"]) for g, n, rate in rows]


def target(real: float, kind: str, scale: float) -> float:
    return real * {"events": scale, "catalogue": min(scale, 1.0), "fixed": 1.0}[kind]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None, help="write here and keep the files")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="actionboard-bench-") as tmp:
        folder = args.keep or Path(tmp)
        started = time.perf_counter()
        summary = generate(folder, scale=args.scale, seed=args.seed, progress=False)
        seconds = time.perf_counter() - started
        actual = measure(folder)
        campaign = campaign_check(folder)
    print(summary)
    print(f"\ngeneration: {seconds:.1f} s at scale {args.scale:g}\n")
    print(f"| {'figure':<32} | {'target':>12} | {'actual':>12} | {'dev %':>7} | ±15% |")
    print(f"|{'-' * 34}|{'-' * 14}|{'-' * 14}|{'-' * 9}|------|")
    failures = 0
    for name, real, kind in REAL:
        goal = target(real, kind, args.scale)
        got = actual[name]
        deviation = (got - goal) / goal * 100
        ok = abs(deviation) <= TOLERANCE * 100
        failures += not ok
        print(f"| {name:<32} | {goal:>12,.2f} | {got:>12,.2f} | {deviation:>+7.1f} | "
              f"{'yes' if ok else 'NO':<4} |")
    print("\nplanted campaign (conversion in the window, measured from events.csv):")
    for group, size, rate, planted in campaign:
        print(f"  {group:<9} n={size:>6,}  measured {rate:6.1%}  planted {planted:6.1%}")
    print(f"\n{len(REAL) - failures} of {len(REAL)} figures within ±15%")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
