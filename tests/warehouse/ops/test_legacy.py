"""A DuckDB-era operational store is copied into the new store once, then set aside."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import Engine, Table, insert, select

from tests.support.legacy_ops import legacy_rows, write_legacy_store
from tests.support.ops_store import StoreCase
from warehouse.ops import LegacyStoreError, ops_engine, ops_store, ops_transaction
from warehouse.ops import schema as ops
from warehouse.ops.legacy import IMPORTED_KEY

LEGACY_COLUMNS = {
    "rules": [c.name for c in ops.rules.c],
    "campaigns": [c.name for c in ops.campaigns.c if c.name != "clock"],
    "campaign_assignments": [c.name for c in ops.campaign_assignments.c],
    "audit_log": ["logged_at", "event", "campaign_id", "group_name", "row_count", "file_name"],
}


def _rows(engine: Engine, table: Table, columns: list[str]) -> list[tuple]:
    with ops_transaction(engine, readonly=True) as connection:
        rows = connection.execute(select(*(table.c[name] for name in columns))).all()
    return sorted((tuple(row) for row in rows), key=repr)


def _meta(engine: Engine) -> dict[str, str]:
    with ops_transaction(engine, readonly=True) as connection:
        return dict(connection.execute(select(ops.ops_meta.c.key, ops.ops_meta.c.value)).all())


@pytest.fixture
def legacy(store: StoreCase) -> tuple[StoreCase, Path, dict[str, list[tuple]]]:
    """The store case, its DuckDB-era file and that file's rows per table, read before import."""
    path = write_legacy_store(store.db)
    return store, path, {table: legacy_rows(path, table) for table in (*LEGACY_COLUMNS,
                                                                        "ops_meta")}


def test_every_row_of_the_duckdb_store_arrives_unchanged(legacy) -> None:
    store, _, before = legacy
    engine = ops_store(store.db, store.url)
    for table, columns in LEGACY_COLUMNS.items():
        assert _rows(engine, ops.metadata.tables[table], columns) == before[table], table
    assert len(before["campaign_assignments"]) == 10 and len(before["audit_log"]) == 2


def test_imported_campaigns_are_dated_as_their_source_dated_them(legacy) -> None:
    store, _, _ = legacy
    engine = ops_store(store.db, store.url)
    assert _rows(engine, ops.campaigns, ["campaign_id", "clock"]) == [("demo-1", "given")]


def test_the_imported_audit_rows_keep_their_order_and_have_no_user(legacy) -> None:
    store, _, _ = legacy
    engine = ops_store(store.db, store.url)
    with ops_transaction(engine, readonly=True) as connection:
        rows = connection.execute(select(
            ops.audit_log.c.audit_id, ops.audit_log.c.group_name, ops.audit_log.c.user_name)
            .order_by(ops.audit_log.c.audit_id)).all()
    assert [tuple(row) for row in rows] == [(1, "treatment", None), (2, "control", None)]


def test_the_seed_marker_travels_so_deleted_default_rules_stay_deleted(legacy) -> None:
    store, path, _ = legacy
    meta = _meta(ops_store(store.db, store.url))
    assert meta == {"default_rules_seeded": "true", IMPORTED_KEY: str(path)}


def test_the_duckdb_file_is_set_aside_and_a_second_open_imports_nothing(legacy) -> None:
    store, path, before = legacy
    engine = ops_store(store.db, store.url)
    assert not path.exists()
    assert path.with_name(path.name + ".migrated").exists()
    ops_store(store.db, store.url)
    assert _rows(engine, ops.rules, LEGACY_COLUMNS["rules"]) == before["rules"]


def test_a_file_put_back_after_its_import_is_set_aside_without_a_second_copy(legacy) -> None:
    # As after a crash between the import's commit and the rename.
    store, path, before = legacy
    engine = ops_store(store.db, store.url)
    shutil.copy(path.with_name(path.name + ".migrated"), path)
    ops_store(store.db, store.url)
    assert not path.exists() and path.with_name(path.name + ".migrated.2").exists()
    assert _rows(engine, ops.audit_log, LEGACY_COLUMNS["audit_log"]) == before["audit_log"]


def test_new_rules_are_numbered_after_the_imported_ones(legacy) -> None:
    store, _, before = legacy
    engine = ops_store(store.db, store.url)
    now = datetime(2026, 1, 1)
    with ops_transaction(engine) as connection:
        new_id = connection.execute(insert(ops.rules).values(
            name="New", priority=5, conditions="[]", action="a", channel="email", offer="o",
            kpi="k", enabled=True, created_at=now, updated_at=now)).inserted_primary_key[0]
    assert new_id == max(row[0] for row in before["rules"]) + 1 == 6


def test_a_row_the_new_schema_refuses_stops_the_import_and_keeps_the_file(
    store: StoreCase,
) -> None:
    path = write_legacy_store(store.db)
    with duckdb.connect(str(path)) as con:  # an assignment whose campaign is gone
        con.execute("DELETE FROM campaigns")
    with pytest.raises(LegacyStoreError, match=r"a row of campaign_assignments is refused"):
        ops_store(store.db, store.url)
    assert path.exists()
    engine = ops_engine(store.url)
    assert _rows(engine, ops.rules, ["rule_id"]) == []
    assert _meta(engine) == {}


def test_a_store_that_holds_another_warehouses_rows_refuses_a_second_import(
    store: StoreCase,
) -> None:
    first = write_legacy_store(store.db)
    ops_store(store.db, store.url)
    other_db = store.db.parent / "other" / "w.duckdb"
    other_db.parent.mkdir()
    second = write_legacy_store(other_db)
    with pytest.raises(LegacyStoreError, match="already holds the rows of") as refused:
        ops_store(other_db, store.url)
    assert str(first) in str(refused.value) and second.exists()
