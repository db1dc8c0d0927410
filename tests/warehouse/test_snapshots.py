"""How snapshots are published, pruned and read while the next one is built."""

from __future__ import annotations

import os
import subprocess
import sys
import time
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
    remove_abandoned_builds,
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


# --- unfinished files of refreshes that did not finish ----------------------------------------

SLEEPER = "import time; print('up', flush=True); time.sleep(60)"


def _building_file(db: Path, pid: int, *, wal: bool = False) -> Path:
    folder = snapshot_dir(db)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"20260101T000000000000-{pid}.duckdb.building"
    path.write_bytes(b"x" * 1000)
    if wal:
        path.with_name(path.name + ".wal").write_bytes(b"y")
    return path


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.fixture
def running_process():
    process = subprocess.Popen([sys.executable, "-c", SLEEPER], stdout=subprocess.PIPE,
                               text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "up"
    yield process
    process.kill()
    process.wait()


def test_a_killed_refresh_s_file_and_its_wal_are_removed_by_the_next_refresh(tmp_path):
    db = tmp_path / "w.duckdb"
    left = _building_file(db, _dead_pid(), wal=True)
    _build_snapshot(db, 1)
    assert not left.exists()
    assert not left.with_name(left.name + ".wal").exists()
    assert sorted(p.name for p in snapshot_dir(db).iterdir()
                  if p.name != "CURRENT")[0].endswith(".duckdb")


def test_the_file_of_a_refresh_still_running_is_left_alone(tmp_path, running_process):
    db = tmp_path / "w.duckdb"
    live = _building_file(db, running_process.pid, wal=True)
    assert remove_abandoned_builds(db) == []
    _build_snapshot(db, 1)
    assert live.exists() and live.with_name(live.name + ".wal").exists()


def test_a_file_whose_process_id_was_reused_by_a_later_process_is_removed(
    tmp_path, running_process
):
    db = tmp_path / "w.duckdb"
    old = _building_file(db, running_process.pid)
    hour_ago = time.time() - 3600  # written an hour before the process now holding the id began
    os.utime(old, (hour_ago, hour_ago))
    assert remove_abandoned_builds(db) == [old]


def test_this_process_s_own_unfinished_files_are_left_alone(tmp_path):
    db = tmp_path / "w.duckdb"
    mine = _building_file(db, os.getpid())
    assert remove_abandoned_builds(db) == []
    assert mine.exists()
