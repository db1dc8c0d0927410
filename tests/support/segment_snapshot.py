"""A small snapshot for the segment and migration queries: a stored ``customers`` table, segment
definitions and two monthly segment snapshots (May and June 2015), as a refresh stores them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from analytics.segments import segment_definitions
from warehouse.pipeline.steps.customers import build_segment_top_customers
from warehouse.pipeline.steps.segment_snapshots import write_sizes_and_transitions
from warehouse.sql.runner import Materialization, build_model

CUSTOMERS = [
    ("a", "Champions", "rfm", 5, 5, 5, 1, 4, 400.0, 400.0, 900.0, 0.9),
    ("b", "Champions", "rfm", 5, 4, 4, 2, 3, 200.0, 200.0, 500.0, 0.7),
    ("c", "Lost", "rfm", 1, 1, 1, 90, 1, 100.0, 100.0, 10.0, 0.1),
    ("d", "Lost", "rfm", 1, 1, 2, 80, 1, 300.0, 300.0, None, None),
    ("e", "Window Shoppers", "behavioural", None, None, None, None, None, None, 0.0, None, None),
]


MAY, JUNE = date(2015, 5, 31), date(2015, 6, 30)


SNAPSHOTS = [
    (MAY, "a", "New Customers"),
    (MAY, "b", "Lost"),
    (MAY, "c", "Browsers"),
    (JUNE, "a", "Champions"),
    (JUNE, "b", "Lost"),
    (JUNE, "d", "Cart Abandoners"),
]


def segment_snapshot(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection to a new snapshot file at ``path`` holding the rows above, with
    ``segment_summary``, ``segment_top_customers``, ``segment_sizes`` and
    ``segment_transitions`` built by the refresh's own code."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE customers (customer_id VARCHAR, segment VARCHAR, segment_kind VARCHAR,"
        " cluster_name VARCHAR, r_score TINYINT, f_score TINYINT, m_score TINYINT,"
        " recency_days INTEGER, frequency INTEGER, monetary_amount DOUBLE, count_views BIGINT,"
        " count_cart_adds BIGINT, count_orders BIGINT, gmv_amount DOUBLE,"
        " cart_to_purchase_ratio DOUBLE, first_event_at TIMESTAMP, last_event_at TIMESTAMP,"
        " last_purchase_at TIMESTAMP, p_alive DOUBLE, expected_purchases_90 DOUBLE,"
        " clv_amount DOUBLE)"
    )
    con.executemany(
        "INSERT INTO customers (customer_id, segment, segment_kind, r_score, f_score, m_score,"
        " recency_days, frequency, monetary_amount, gmv_amount, clv_amount, p_alive)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        CUSTOMERS,
    )
    definitions = segment_definitions()
    con.register("definitions_frame", definitions)
    con.execute("CREATE TABLE segment_definitions AS SELECT * FROM definitions_frame")
    con.unregister("definitions_frame")
    con.execute(
        "CREATE TABLE segment_snapshots (period_end DATE, customer_id VARCHAR, segment VARCHAR)"
    )
    con.executemany("INSERT INTO segment_snapshots VALUES (?, ?, ?)", SNAPSHOTS)
    write_sizes_and_transitions(con)
    build_model(con, "segment_summary", Materialization.TABLE)
    build_segment_top_customers(con)
    return con
