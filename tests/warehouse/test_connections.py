"""DuckDB connections: the warehouse opened for reading, transactions that roll back whole."""

from __future__ import annotations

import duckdb
import pytest

from warehouse.connections import open_warehouse, transaction


def test_read_only_open_of_a_missing_warehouse_says_how_to_load(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"app\.py ingest"), open_warehouse(
        tmp_path / "missing.duckdb", read_only=True
    ):
        pass


def test_transaction_rolls_back_everything_when_the_block_fails(tmp_path):
    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    con.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(RuntimeError), transaction(con):
        con.execute("INSERT INTO t VALUES (1)")
        raise RuntimeError("half way")
    with transaction(con):
        con.execute("INSERT INTO t VALUES (2)")
    assert con.execute("SELECT x FROM t").fetchall() == [(2,)]
