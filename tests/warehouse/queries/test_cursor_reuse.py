"""The dashboard hands each server thread one cursor for every page it serves: a read that leaves
a result half-fetched makes the next page's ``con.sql`` fail on duckdb 2 ("unfinished result from
execute()"). The single-row reads fetch fully."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.queries import clv, decline, promote, status
from warehouse.snapshots import current_snapshot


def _still_usable(con: duckdb.DuckDBPyConnection) -> bool:
    return con.sql("SELECT 42 AS answer").fetchall() == [(42,)]


def test_single_row_reads_leave_the_cursor_free_for_the_next_query(demo_db: Path) -> None:
    with duckdb.connect(str(current_snapshot(demo_db)), read_only=True) as con:
        cur = con.cursor()
        assert clv.purchase_model(cur) in ("bg_nbd", "mbg_nbd")
        assert _still_usable(cur)
        clv.correlation_warning(cur)
        assert _still_usable(cur)
        assert status.refresh_info(cur)["as_of_date"] is not None
        assert _still_usable(cur)
        orders, _large = promote.basket_counts(cur, 5)
        assert orders > 0
        assert _still_usable(cur)


def test_a_customers_decline_row_leaves_the_cursor_free(decline_db: Path) -> None:
    with duckdb.connect(str(current_snapshot(decline_db)), read_only=True) as con:
        cur = con.cursor()
        [(customer_id,)] = cur.sql("SELECT min(customer_id) FROM customer_decline").fetchall()
        assert decline.customer_decline(cur, customer_id)["customer_id"] == customer_id
        assert _still_usable(cur)
        assert decline.customer_decline(cur, "no such customer") is None
        assert _still_usable(cur)
