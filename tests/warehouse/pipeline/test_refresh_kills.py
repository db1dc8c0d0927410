"""A refresh killed (SIGKILL) at random points leaves the published snapshot current or publishes
the complete new one, and the next refresh removes what the killed ones left behind, but never
the file a refresh running beside it is writing."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from tests.support.kills import REPO, run_and_kill, time_to_finish
from tests.support.warehouses import copy_warehouse
from warehouse.paths import snapshot_dir
from warehouse.pipeline.refresh import refresh
from warehouse.snapshots import current_snapshot

SEEDS = range(8)  # at most; 4 when the first ones kill at least two refreshes
ENOUGH_SEEDS = 4

REFRESH = """
import sys
from pathlib import Path
from warehouse.pipeline.refresh import refresh
print("started", flush=True)
refresh(Path(sys.argv[1]), progress=False)
print("finished", flush=True)
"""


def unfinished(db: Path) -> list[Path]:
    return sorted(snapshot_dir(db).glob("*.building*"))


def assert_complete(snapshot: Path) -> None:
    """A published snapshot opens on its own and holds the refresh's last tables."""
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM refresh_info").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM field_catalogue").fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM customers").fetchone()[0] > 0
    finally:
        con.close()


def test_a_refresh_killed_at_random_points_leaves_a_complete_snapshot_current(tmp_path,
                                                                               demo_db):
    db = copy_warehouse(demo_db, tmp_path / "w")
    seconds = time_to_finish(REFRESH, str(db))
    killed = 0
    for seed in SEEDS:  # more seeds only while too few kills came before the refresh ended
        if seed >= ENOUGH_SEEDS and killed >= 2:
            break
        before = current_snapshot(db)
        delay = random.Random(seed).uniform(0.0, seconds)
        outcome = run_and_kill(REFRESH, str(db), delay=delay)
        killed += outcome.killed
        now = current_snapshot(db)
        assert now is not None
        assert_complete(now)  # the previous snapshot, or a new one published whole
        if outcome.killed and now == before:
            assert unfinished(db), f"seed {seed}: killed mid-build, yet no file was left"
    assert killed >= 2, "the kills all came after the refresh had finished"
    assert unfinished(db)

    published = refresh(db, progress=False)
    assert unfinished(db) == []
    assert current_snapshot(db) == published


def test_a_refresh_leaves_the_file_of_a_refresh_running_beside_it_alone(tmp_path, demo_db):
    db = copy_warehouse(demo_db, tmp_path / "w")
    other = subprocess.Popen([sys.executable, "-c", REFRESH, str(db)], cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not unfinished(db):  # the other refresh has begun writing its file
            assert other.poll() is None and time.monotonic() < deadline, "it never started"
            time.sleep(0.02)
        [theirs] = [path for path in unfinished(db) if path.name.endswith(".building")]
        refresh(db, progress=False)
        assert theirs.exists() or theirs.with_suffix("").exists()  # still building, or published
        _, stderr = other.communicate(timeout=300)
    finally:
        if other.poll() is None:
            other.kill()
    assert other.returncode == 0, stderr
    assert unfinished(db) == []
    assert_complete(current_snapshot(db))

