"""The storage layout: which file is the warehouse, and how snapshots are published and read."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse import store


def _build_snapshot(db: Path, value: int) -> Path:
    building = store.new_snapshot_path(db)
    con = duckdb.connect(str(building))
    con.execute("CREATE TABLE marker AS SELECT ?::INTEGER AS value", [value])
    con.close()
    return store.publish_snapshot(db, building)


def test_explicit_db_wins_over_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(store.DB_ENV_VAR, str(tmp_path / "env.duckdb"))
    assert store.warehouse_path(tmp_path / "cli.duckdb") == tmp_path / "cli.duckdb"
    assert store.warehouse_path(None) == tmp_path / "env.duckdb"


def test_default_db_is_under_data(monkeypatch):
    monkeypatch.delenv(store.DB_ENV_VAR, raising=False)
    assert store.warehouse_path(None) == (Path("data") / "actionboard.duckdb").resolve()


def test_no_snapshot_until_one_is_published(tmp_path):
    db = tmp_path / "w.duckdb"
    assert store.current_snapshot(db) is None
    with pytest.raises(store.NoSnapshotError, match="refresh"):
        store.SnapshotReader(db).cursor()


def test_publish_points_current_at_the_new_file_and_drops_building_suffix(tmp_path):
    db = tmp_path / "w.duckdb"
    published = _build_snapshot(db, 1)
    assert published.suffix == ".duckdb"
    assert store.current_snapshot(db) == published
    assert not list(store.snapshot_dir(db).glob("*.building"))


def test_reader_keeps_serving_until_the_next_publish_then_switches(tmp_path):
    db = tmp_path / "w.duckdb"
    _build_snapshot(db, 1)
    reader = store.SnapshotReader(db)
    assert reader.cursor().execute("SELECT value FROM marker").fetchone() == (1,)

    building = store.new_snapshot_path(db)  # a refresh in progress is invisible
    duckdb.connect(str(building)).execute("CREATE TABLE marker AS SELECT 99 AS value").close()
    assert reader.cursor().execute("SELECT value FROM marker").fetchone() == (1,)
    building.unlink()

    _build_snapshot(db, 2)
    assert reader.cursor().execute("SELECT value FROM marker").fetchone() == (2,)


def test_old_snapshots_are_pruned(tmp_path):
    db = tmp_path / "w.duckdb"
    for value in range(store.SNAPSHOTS_KEPT + 2):
        _build_snapshot(db, value)
    kept = list(store.snapshot_dir(db).glob("*.duckdb"))
    assert len(kept) == store.SNAPSHOTS_KEPT
    assert store.current_snapshot(db) in kept


def test_read_only_open_of_a_missing_warehouse_says_how_to_load(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"app\.py ingest"), store.open_warehouse(
        tmp_path / "missing.duckdb", read_only=True
    ):
        pass


def test_current_pairs_each_cursor_with_the_snapshot_it_reads(tmp_path):
    db = tmp_path / "w.duckdb"
    first = _build_snapshot(db, 1)
    reader = store.SnapshotReader(db)
    path, cursor = reader.current()
    assert path == first
    second = _build_snapshot(db, 2)
    path, cursor = reader.current()
    assert (path, cursor.execute("SELECT value FROM marker").fetchone()) == (second, (2,))


def test_the_connection_two_snapshots_back_is_closed_so_pruned_files_are_released(tmp_path):
    db = tmp_path / "w.duckdb"
    _build_snapshot(db, 1)
    reader = store.SnapshotReader(db)
    oldest = reader.cursor()
    _build_snapshot(db, 2)
    previous = reader.cursor()
    _build_snapshot(db, 3)
    assert reader.cursor().execute("SELECT value FROM marker").fetchone() == (3,)
    assert previous.execute("SELECT value FROM marker").fetchone() == (2,)  # still in flight
    with pytest.raises(duckdb.ConnectionException):
        oldest.execute("SELECT value FROM marker")


def test_transaction_rolls_back_everything_when_the_block_fails(tmp_path):
    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    con.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(RuntimeError), store.transaction(con):
        con.execute("INSERT INTO t VALUES (1)")
        raise RuntimeError("half way")
    with store.transaction(con):
        con.execute("INSERT INTO t VALUES (2)")
    assert con.execute("SELECT x FROM t").fetchall() == [(2,)]
