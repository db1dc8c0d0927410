"""How snapshots are published, pruned and read while the next one is built."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse.paths import snapshot_dir
from warehouse.snapshots import (
    SNAPSHOTS_KEPT,
    NoSnapshotError,
    SnapshotReader,
    current_snapshot,
    new_snapshot_path,
    publish_snapshot,
)


def _build_snapshot(db: Path, value: int) -> Path:
    building = new_snapshot_path(db)
    con = duckdb.connect(str(building))
    con.execute("CREATE TABLE marker AS SELECT ?::INTEGER AS value", [value])
    con.close()
    return publish_snapshot(db, building)


def test_no_snapshot_until_one_is_published(tmp_path):
    db = tmp_path / "w.duckdb"
    assert current_snapshot(db) is None
    with pytest.raises(NoSnapshotError, match="refresh"):
        SnapshotReader(db).cursor()


def test_publish_points_current_at_the_new_file_and_drops_building_suffix(tmp_path):
    db = tmp_path / "w.duckdb"
    published = _build_snapshot(db, 1)
    assert published.suffix == ".duckdb"
    assert current_snapshot(db) == published
    assert not list(snapshot_dir(db).glob("*.building"))


def test_reader_keeps_serving_until_the_next_publish_then_switches(tmp_path):
    db = tmp_path / "w.duckdb"
    _build_snapshot(db, 1)
    reader = SnapshotReader(db)
    assert reader.cursor().execute("SELECT value FROM marker").fetchone() == (1,)

    building = new_snapshot_path(db)  # a refresh in progress is invisible
    duckdb.connect(str(building)).execute("CREATE TABLE marker AS SELECT 99 AS value").close()
    assert reader.cursor().execute("SELECT value FROM marker").fetchone() == (1,)
    building.unlink()

    _build_snapshot(db, 2)
    assert reader.cursor().execute("SELECT value FROM marker").fetchone() == (2,)


def test_old_snapshots_are_pruned(tmp_path):
    db = tmp_path / "w.duckdb"
    for value in range(SNAPSHOTS_KEPT + 2):
        _build_snapshot(db, value)
    kept = list(snapshot_dir(db).glob("*.duckdb"))
    assert len(kept) == SNAPSHOTS_KEPT
    assert current_snapshot(db) in kept


def test_current_pairs_each_cursor_with_the_snapshot_it_reads(tmp_path):
    db = tmp_path / "w.duckdb"
    first = _build_snapshot(db, 1)
    reader = SnapshotReader(db)
    path, cursor = reader.current()
    assert path == first
    second = _build_snapshot(db, 2)
    path, cursor = reader.current()
    assert (path, cursor.execute("SELECT value FROM marker").fetchone()) == (second, (2,))


def test_the_connection_two_snapshots_back_is_closed_so_pruned_files_are_released(tmp_path):
    db = tmp_path / "w.duckdb"
    _build_snapshot(db, 1)
    reader = SnapshotReader(db)
    oldest = reader.cursor()
    _build_snapshot(db, 2)
    previous = reader.cursor()
    _build_snapshot(db, 3)
    assert reader.cursor().execute("SELECT value FROM marker").fetchone() == (3,)
    assert previous.execute("SELECT value FROM marker").fetchone() == (2,)  # still in flight
    with pytest.raises(duckdb.ConnectionException):
        oldest.execute("SELECT value FROM marker")
