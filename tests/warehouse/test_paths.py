"""Which file is the warehouse: explicit --db, then the environment, then the default."""

from __future__ import annotations

from pathlib import Path

from warehouse.paths import DB_ENV_VAR, warehouse_path


def test_explicit_db_wins_over_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, str(tmp_path / "env.duckdb"))
    assert warehouse_path(tmp_path / "cli.duckdb") == tmp_path / "cli.duckdb"
    assert warehouse_path(None) == tmp_path / "env.duckdb"


def test_default_db_is_under_data(monkeypatch):
    monkeypatch.delenv(DB_ENV_VAR, raising=False)
    assert warehouse_path(None) == (Path("data") / "actionboard.duckdb").resolve()
