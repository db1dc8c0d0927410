"""The operational store: schema created once and versioned, rules seeded once; many dashboard
threads at once, and the refresh's read-only view of it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from warehouse.commands import audit_log, list_campaigns, list_rules, ops_store
from warehouse.commands.ops_store import attached_read_only, open_ops
from warehouse.paths import ops_path


def test_many_threads_of_one_process_use_the_store_at_once_without_a_conflict(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    with open_ops(db):
        pass  # created
    reads = [list_rules, list_campaigns, audit_log] * 40
    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(lambda read: read(db), reads))
    assert len(results) == len(reads)
    assert all(len(rules) == 4 for rules in results[::3])  # the default rules, every time


def test_the_refresh_sees_the_store_read_only_and_nothing_when_there_is_none(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    con = duckdb.connect()
    with attached_read_only(con, db) as name:
        assert name is None
    assert not ops_path(db).exists()  # reading never creates the store
    with open_ops(db):
        pass
    with attached_read_only(con, db) as name:
        assert con.execute(f"SELECT count(*) FROM {name}.rules").fetchone()[0] == 4
    assert ("ops",) not in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


def test_a_new_store_gets_every_table_the_default_rules_and_the_schema_version(
    tmp_path: Path,
) -> None:
    with open_ops(tmp_path / "w.duckdb") as con:
        assert {"rules", "campaigns", "campaign_assignments", "audit_log", "ops_meta"} <= \
            _tables(con)
        assert con.execute("SELECT count(*) FROM rules").fetchone()[0] == \
            len(ops_store.DEFAULT_RULES)
        meta = dict(con.execute("SELECT key, value FROM ops_meta").fetchall())
    assert meta[ops_store.VERSION_KEY] == ops_store.SCHEMA_VERSION


def test_a_store_from_before_versioning_gets_missing_tables_and_keeps_its_deleted_rules(
    tmp_path: Path,
) -> None:
    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(ops_path(db))) as con:  # seeded, then every rule deleted
        con.execute(ops_store.OPS_DDL)
        con.execute("INSERT INTO ops_meta VALUES (?, 'true')", [ops_store.SEEDED_KEY])
        con.execute("DROP TABLE audit_log")
    with open_ops(db) as con:
        assert "audit_log" in _tables(con)
        assert con.execute("SELECT count(*) FROM rules").fetchone()[0] == 0
        version = con.execute("SELECT value FROM ops_meta WHERE key = ?",
                              [ops_store.VERSION_KEY]).fetchone()
    assert version == (ops_store.SCHEMA_VERSION,)
