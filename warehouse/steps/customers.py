"""Refresh step: ``customers`` (a view over two tables stored ordered by segment), its
``segment_summary`` and each segment's ``segment_top_customers``.

Buyers (``customer_buyers``, every column) and non-buyers (``customer_visitors``, only what
varies among them) are stored apart: non-buyers are 99% of RetailRocket-shaped data and carry no
orders, RFM, cluster or CLV, so writing those columns for them cost more than the rest of the
table. Each part is sorted by segment as it is written. Reads ``customer_segments``,
``customer_rfm``, ``customer_clusters`` and ``customer_clv``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from warehouse.sql.runner import Materialization, build_model

if TYPE_CHECKING:
    from warehouse.refresh import RefreshContext


SEGMENT_SUMMARY_MART = "segment_summary"
# The two stored parts and their columns left uncompressed (14 M unique ids among visitors).
CUSTOMER_PARTS = {"customer_buyers": (), "customer_visitors": ("customer_id",)}

# A segment's customers as its page lists them: highest CLV first (non-buyers have none), ties by
# id; the first TOP_CUSTOMERS of each are stored, since ordering a behavioural segment of
# millions of visitors took a quarter of a second per click at scale 10.
TOP_CUSTOMERS = 1000
TOP_CUSTOMERS_ORDER = "clv_amount DESC NULLS LAST, customer_id"
TOP_TABLE_SQL = """
CREATE OR REPLACE TABLE segment_top_customers AS
SELECT *, CAST(0 AS INTEGER) AS rank FROM customers LIMIT 0
"""
TOP_INSERT_SQL = f"""
INSERT INTO segment_top_customers
SELECT *, CAST(row_number() OVER (ORDER BY {TOP_CUSTOMERS_ORDER}) AS INTEGER) AS rank
FROM (
    SELECT * FROM customers WHERE segment = $segment
    ORDER BY {TOP_CUSTOMERS_ORDER} LIMIT $limit
)
"""  # noqa: S608 -- the order is a constant


# The view gives visitors zero orders: that holds only if the buyers (RFM-scored) are exactly
# the summary's customers with an order.
BUYERS_AGREE_SQL = """
SELECT (SELECT count(*) FROM customer_rfm),
       (SELECT count(*) FROM customer_summary WHERE count_orders > 0)
"""


def build_customers(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> None:
    """Write the two stored parts, define the ``customers`` view, then ``segment_summary`` and
    ``segment_top_customers``."""
    scored, ordering = con.execute(BUYERS_AGREE_SQL).fetchone()
    if scored != ordering:
        raise RuntimeError(
            f"refresh: {scored:,} buyers have RFM scores but {ordering:,} customers have an "
            "order; the customers table would misstate orders. Please report this."
        )
    for part, uncompressed in CUSTOMER_PARTS.items():
        build_model(con, part, Materialization.TABLE, uncompressed=uncompressed)
    build_model(con, "customers", Materialization.VIEW)
    build_model(con, SEGMENT_SUMMARY_MART, Materialization.TABLE)
    build_segment_top_customers(con)


def build_segment_top_customers(con: duckdb.DuckDBPyConnection) -> None:
    """``segment_top_customers``: each segment's first ``TOP_CUSTOMERS`` customers in
    ``TOP_CUSTOMERS_ORDER`` with their ``rank`` (1 = first), all columns of ``customers``; one
    bounded query per segment of ``segment_summary`` rather than ranking every customer."""
    con.execute(TOP_TABLE_SQL)
    segments = con.execute(
        f"SELECT segment FROM {SEGMENT_SUMMARY_MART} WHERE customers > 0 ORDER BY segment"  # noqa: S608
    ).fetchall()
    for (segment,) in segments:
        con.execute(TOP_INSERT_SQL, {"segment": segment, "limit": TOP_CUSTOMERS})
