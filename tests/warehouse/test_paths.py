"""Which file is the warehouse: explicit --db, then the environment, then the default; and
what cannot be one."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse.paths import DB_ENV_VAR, WarehousePathError, check_warehouse_path, warehouse_path


def test_explicit_db_wins_over_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, str(tmp_path / "env.duckdb"))
    assert warehouse_path(tmp_path / "cli.duckdb") == tmp_path / "cli.duckdb"
    assert warehouse_path(None) == tmp_path / "env.duckdb"


def test_default_db_is_under_data(monkeypatch):
    monkeypatch.delenv(DB_ENV_VAR, raising=False)
    assert warehouse_path(None) == (Path("data") / "actionboard.duckdb").resolve()


def test_a_missing_file_or_a_duckdb_file_can_be_a_warehouse(tmp_path):
    assert check_warehouse_path(tmp_path / "new.duckdb") == tmp_path / "new.duckdb"
    duckdb.connect(str(tmp_path / "real.duckdb")).close()
    assert check_warehouse_path(tmp_path / "real.duckdb") == tmp_path / "real.duckdb"


def test_a_directory_is_refused_naming_a_file_to_use_instead(tmp_path):
    with pytest.raises(WarehousePathError,
                       match=f"^{tmp_path} is a directory, not a warehouse file; name a file in "
                             f"it, e.g. --db {tmp_path / 'actionboard.duckdb'}$"):
        check_warehouse_path(tmp_path)


@pytest.mark.parametrize("content", [b"", b"customer_id,order_id\n", b"SQLite format 3\x00" * 8],
                         ids=["empty", "csv", "sqlite"])
def test_a_file_that_is_not_a_duckdb_database_is_refused_and_left_as_it_is(tmp_path, content):
    path = tmp_path / "orders.csv"
    path.write_bytes(content)
    with pytest.raises(WarehousePathError, match="is not a DuckDB database"):
        check_warehouse_path(path)
    assert path.read_bytes() == content


def test_a_path_under_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(WarehousePathError, match="is a file, not a directory"):
        check_warehouse_path(tmp_path / "file" / "w.duckdb")
