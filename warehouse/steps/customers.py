"""Refresh step: ``customers`` (a view over two tables stored ordered by segment) and its
``segment_summary``.

Buyers (``customer_buyers``, every column) and non-buyers (``customer_visitors``, only what
varies among them) are stored apart: non-buyers are 99% of RetailRocket-shaped data and carry no
orders, RFM, cluster or CLV, so writing those columns for them cost more than the rest of the
table. Each part is sorted by segment as it is written. Reads ``customer_segments``,
``customer_rfm``, ``customer_clusters`` and ``customer_clv``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from warehouse.sql_runner import Materialization, build_model

if TYPE_CHECKING:
    from warehouse.refresh import RefreshContext


SEGMENT_SUMMARY_MART = "segment_summary"
# The two stored parts and their columns left uncompressed (14 M unique ids among visitors).
CUSTOMER_PARTS = {"customer_buyers": (), "customer_visitors": ("customer_id",)}


def build_customers(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> None:
    """Write the two stored parts, define the ``customers`` view, then ``segment_summary``."""
    for part, uncompressed in CUSTOMER_PARTS.items():
        build_model(con, part, Materialization.TABLE, uncompressed=uncompressed)
    build_model(con, "customers", Materialization.VIEW)
    build_model(con, SEGMENT_SUMMARY_MART, Materialization.TABLE)
