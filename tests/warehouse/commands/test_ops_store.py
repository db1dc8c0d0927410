"""The operational store's connection: many dashboard threads at once, and the refresh's
read-only view of it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from warehouse.commands import audit_log, list_campaigns, list_rules
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
