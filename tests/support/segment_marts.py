"""Hand-made marts for the segment and snapshot steps: a few buyers and visitors of April to June
2015 whose segments are computed by hand in the tests, in a real DuckDB file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

AS_OF = date(2015, 6, 30)


ORDER_LINES = [
    ("c1", "o1", "2015-06-29 10:00", 100.0),
    ("c1", "o1", "2015-06-29 10:00", 50.0),
    ("c1", "o2", "2015-05-01 09:00", 30.0),
    ("c2", "o3", "2015-06-01 12:00", 20.0),
    ("c3", "o4", "2015-04-01 08:00", 500.0),
    ("c3", "o5", "2015-07-05 08:00", 1000.0),
    ("c4", "o6", "2015-06-30 23:00", 60.0),
    ("c6", "o8", "2015-06-15 11:00", 60.0),
    ("c5", "o7", "2015-07-02 15:00", 80.0),
]


SUMMARY = [
    ("c1", 5, 2, "2015-04-20 10:00", "2015-06-29 10:00"),
    ("c2", 1, 1, "2015-06-01 11:00", "2015-06-01 12:00"),
    ("c3", 1, 1, "2015-04-01 07:00", "2015-04-01 08:00"),
    ("c4", 1, 1, "2015-06-30 22:00", "2015-06-30 23:00"),
    ("c6", 1, 1, "2015-06-15 10:00", "2015-06-15 11:00"),
    ("c5", 4, 1, "2015-06-25 10:00", "2015-06-25 11:00"),
    ("n1", 20, 0, "2015-06-10 10:00", "2015-06-10 12:00"),
    ("n2", 3, 1, "2015-05-20 10:00", "2015-06-05 10:00"),
    ("n3", 1, 0, "2015-06-20 10:00", "2015-06-20 10:00"),
    ("n4", 2, 0, "2015-06-01 10:00", "2015-06-02 10:00"),
]


EVENTS = [
    ("c1", "2015-04-20 10:00", "view"),
    ("n2", "2015-05-20 10:00", "view"),
    ("n2", "2015-06-05 10:00", "addtocart"),
    ("n3", "2015-06-20 10:00", "view"),
    ("c5", "2015-06-25 10:00", "view"),
]


def segment_marts(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection to a new file at ``path`` holding ``order_lines``, ``customer_summary`` and an
    empty ``stg_events`` (as the refresh provides it), from the rows above."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE order_lines (customer_id VARCHAR, order_id VARCHAR, ordered_at TIMESTAMP,"
        " order_date DATE, item_id VARCHAR, line_amount DOUBLE)"
    )
    con.executemany(
        "INSERT INTO order_lines VALUES (?, ?, ?::TIMESTAMP, ?::TIMESTAMP::DATE, 'i', ?)",
        [(c, o, at, at, amount) for c, o, at, amount in ORDER_LINES],
    )
    con.execute(
        "CREATE TABLE customer_summary (customer_id VARCHAR, first_event_at TIMESTAMP,"
        " last_event_at TIMESTAMP, count_views BIGINT, count_cart_adds BIGINT,"
        " count_orders BIGINT, gmv_amount DOUBLE, is_single_visit BOOLEAN"
        " AS (CAST(first_event_at AS DATE) = CAST(last_event_at AS DATE)))"
    )
    con.executemany(
        "INSERT INTO customer_summary (customer_id, first_event_at, last_event_at, count_views,"
        " count_cart_adds, count_orders, gmv_amount) VALUES (?, ?, ?, ?, ?, 0, 0)",
        [(c, first, last, views, carts) for c, views, carts, first, last in SUMMARY],
    )
    con.execute(  # the staging view a refresh provides; empty unless a test adds events
        "CREATE TABLE stg_events (customer_id VARCHAR, event_at TIMESTAMP, event_type VARCHAR)"
    )
    return con
