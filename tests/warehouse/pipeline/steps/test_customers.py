"""The customers step refuses to publish a view whose zero orders for visitors would be false."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from tests.support.shops import step_context
from warehouse.pipeline.steps.customers import CUSTOMER_PARTS, build_customers


def test_buyers_without_an_order_in_the_summary_stop_the_refresh(tmp_path):
    con = duckdb.connect(str(tmp_path / "snap.duckdb"))
    con.execute("CREATE TABLE customer_rfm AS SELECT 'c1' AS customer_id")
    con.execute("CREATE TABLE customer_summary AS SELECT 'c1' AS customer_id, 0 AS count_orders")
    with pytest.raises(RuntimeError, match="1 buyers have RFM scores but 0 customers have an"):
        build_customers(con, step_context(date(2015, 6, 30)))
    tables = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    con.close()
    assert not tables & set(CUSTOMER_PARTS)  # nothing written
