"""Refresh step: the wide ``customers`` table (``warehouse/marts/customers.sql``), stored ordered
by segment, and its ``segment_summary``.

Sorting 14 M wide rows needs more memory than the refresh's limit leaves (it ran out of memory at
scale 10), so the table is written one segment at a time, in segment order: buyers' RFM segments
from a small temporary table of the buyers' rows, each behavioural segment straight from the
query (one pass over the non-buyers each; there are four such segments). Reads
``customer_segments``, ``customer_rfm``, ``behaviour_segment_labels``, ``customer_clusters`` and
``customer_clv``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from warehouse.sql_runner import Materialization, build_model

if TYPE_CHECKING:
    from warehouse.refresh import RefreshContext


SEGMENT_SUMMARY_MART = "segment_summary"

SCHEMA_SQL = "CREATE OR REPLACE TABLE customers AS SELECT * FROM customer_rows LIMIT 0"
BUYER_ROWS_SQL = """
CREATE OR REPLACE TEMP TABLE customer_buyer_rows AS
SELECT * FROM customer_rows WHERE segment_kind = 'rfm'
"""
# Every segment a customer can have, in storage order, with where its rows come from.
SEGMENTS_SQL = """
SELECT segment, bool_or(is_rfm) AS has_buyers, bool_or(NOT is_rfm) AS has_non_buyers
FROM (
    SELECT DISTINCT segment, TRUE AS is_rfm FROM customer_rfm
    UNION ALL
    SELECT DISTINCT segment, FALSE AS is_rfm FROM behaviour_segment_labels
)
GROUP BY segment
ORDER BY segment
"""
INSERT_BUYERS_SQL = """
INSERT INTO customers SELECT * FROM customer_buyer_rows WHERE segment = $segment
"""
INSERT_NON_BUYERS_SQL = """
INSERT INTO customers
SELECT * FROM customer_rows WHERE segment_kind = 'behavioural' AND segment = $segment
"""


def build_customers(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> None:
    """Write ``customers`` ordered by segment, then ``segment_summary`` from it."""
    build_model(con, "customers", Materialization.TEMP_VIEW, name="customer_rows")
    con.execute(SCHEMA_SQL)
    con.execute(BUYER_ROWS_SQL)
    for segment, has_buyers, has_non_buyers in con.execute(SEGMENTS_SQL).fetchall():
        if has_buyers:
            con.execute(INSERT_BUYERS_SQL, {"segment": segment})
        if has_non_buyers:
            con.execute(INSERT_NON_BUYERS_SQL, {"segment": segment})
    con.execute("DROP TABLE customer_buyer_rows")
    con.execute("DROP VIEW customer_rows")
    build_model(con, SEGMENT_SUMMARY_MART, Materialization.TABLE)
