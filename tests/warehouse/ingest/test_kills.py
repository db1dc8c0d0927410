"""An ingest killed (SIGKILL) at random points leaves the warehouse as it was or as the complete
load makes it, never in between; the same load run again then completes."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.support.kills import run_and_kill, time_to_finish
from tests.support.raw_files import view_events, write_rr_folder
from warehouse.commands import list_campaigns
from warehouse.ingest.retailrocket import ingest_retailrocket

SEEDS = range(12)  # at most; 6 when the first ones interrupt the load at least twice
ENOUGH_SEEDS = 6

INGEST = """
import sys
from pathlib import Path
from warehouse.ingest.retailrocket import ingest_retailrocket
print("started", flush=True)
ingest_retailrocket(Path(sys.argv[1]), Path(sys.argv[2]), progress=False)
print("finished", flush=True)
"""

# Pauses the load at its last step: every file staged and written, nothing committed, the demo
# campaign not yet recorded.
INGEST_PAUSED_BEFORE_THE_CAMPAIGN = """
import sys, time
from pathlib import Path
import warehouse.ingest.retailrocket as retailrocket

def paused(db, campaign, **_):
    print("started", flush=True)
    time.sleep(60)

retailrocket.record_demo_campaign = paused
retailrocket.ingest_retailrocket(Path(sys.argv[1]), Path(sys.argv[2]), progress=False)
"""


def warehouse_state(db: Path) -> dict[str, list[tuple]]:
    """Every table's rows, sorted, without the load log's clock times: equal for two warehouses
    that hold the same data, whenever it was loaded."""
    if not db.exists():
        return {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [name for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()]
        return {table: sorted(con.execute(
            f"SELECT * EXCLUDE (started_at, finished_at) FROM {table}" if table == "loads"
            else f"SELECT * FROM {table}").fetchall(), key=repr) for table in tables}
    finally:
        con.close()


@pytest.fixture(scope="module")
def first_load(tmp_path_factory, demo_folder) -> tuple[Path, Path]:
    """(a warehouse holding a first load, the folder of a second load: the demo shop's files
    without its campaign, so only the warehouse is written)."""
    base = tmp_path_factory.mktemp("kills")
    second = base / "second"
    second.mkdir()
    for name in ("events.csv", "item_properties_part1.csv", "item_properties_part2.csv",
                 "category_tree.csv"):
        shutil.copy2(demo_folder / name, second / name)
    db = base / "before.duckdb"
    ingest_retailrocket(db, write_rr_folder(base / "first", events=view_events(50)),
                        progress=False)
    return db, second


def test_an_ingest_killed_at_random_points_leaves_the_previous_or_the_complete_state(
    tmp_path, first_load
):
    db, folder = first_load
    before = warehouse_state(db)
    reference = tmp_path / "reference.duckdb"
    shutil.copy2(db, reference)
    seconds = time_to_finish(INGEST, str(reference), str(folder))
    after = warehouse_state(reference)
    assert after != before

    interrupted = []
    for seed in SEEDS:  # more seeds only while too few kills came before the load ended
        if seed >= ENOUGH_SEEDS and len(interrupted) >= 2:
            break
        target = tmp_path / f"killed-{seed}.duckdb"
        shutil.copy2(db, target)
        delay = random.Random(seed).uniform(0.0, seconds)
        outcome = run_and_kill(INGEST, str(target), str(folder), delay=delay)
        state = warehouse_state(target)
        assert state in (before, after), f"seed {seed}: killed after {delay:.2f} s, in between"
        if outcome.killed and state == before:
            interrupted.append(target)
    assert len(interrupted) >= 2, "the kills all came too late to interrupt the load"

    # a warehouse whose load was killed takes the same load again, completely
    ingest_retailrocket(interrupted[0], folder, progress=False)
    assert warehouse_state(interrupted[0]) == after


def test_an_ingest_killed_before_its_campaign_is_recorded_leaves_both_stores_as_they_were(
    tmp_path, demo_folder
):
    db = tmp_path / "w.duckdb"
    ingest_retailrocket(db, write_rr_folder(tmp_path / "first", events=view_events(20)),
                        progress=False)
    campaigns_before = list_campaigns(db)
    before = warehouse_state(db)

    outcome = run_and_kill(INGEST_PAUSED_BEFORE_THE_CAMPAIGN, str(db), str(demo_folder),
                           delay=0.2)
    assert outcome.killed, outcome.stderr
    assert warehouse_state(db) == before
    pd.testing.assert_frame_equal(list_campaigns(db), campaigns_before)

