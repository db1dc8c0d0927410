"""An export (``python app.py export``) killed (SIGKILL) at random points leaves the previous
files intact or the complete new pair, both groups or neither in the audit log, and the next
export leaves no temporary file behind."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from tests.support.kills import run_and_kill, time_to_finish
from tests.support.rule_snapshots import everyone_rule, large_shop, publish
from warehouse.commands import audit_log, export_campaign, launch_campaign
from warehouse.commands.campaigns.export import export_file_name

CUSTOMERS = 100_000
SEEDS = range(12)  # at most; 6 when the first ones interrupt the export at least twice
ENOUGH_SEEDS = 6
TREATMENT, CONTROL = "treatment", "control"

EXPORT = """
import sys
import actionboard_cli
print("started", flush=True)
actionboard_cli.main(["export", sys.argv[1], "--out", sys.argv[2], "--db", sys.argv[3]])
print("finished", flush=True)
"""

# Pauses the export right after its first file was renamed into place: both groups logged.
EXPORT_PAUSED_BETWEEN_THE_RENAMES = """
import os, sys, time
from pathlib import Path
from warehouse.commands import export_campaign
rename = os.replace

def paused(source, target):
    rename(source, target)
    print("started", flush=True)
    time.sleep(60)

os.replace = paused
export_campaign(Path(sys.argv[3]), sys.argv[1], Path(sys.argv[2]), user="cli")
"""


@pytest.fixture(scope="module")
def campaign(tmp_path_factory) -> tuple[Path, str, dict[str, bytes]]:
    """(a warehouse, a campaign of ``CUSTOMERS`` customers launched on it, the bytes of its two
    files by group, from a complete export)."""
    base = tmp_path_factory.mktemp("export-kills")
    db = base / "w.duckdb"
    publish(db, large_shop(CUSTOMERS))
    campaign_id = launch_campaign(db, everyone_rule(db), user="ana").campaign_id
    files = export_campaign(db, campaign_id, base / "reference", user="cli")
    return db, campaign_id, {TREATMENT: files[0].read_bytes(), CONTROL: files[1].read_bytes()}


def files_in(folder: Path, campaign_id: str) -> dict[str, bytes]:
    """The campaign's files in ``folder`` by group (absent ones left out)."""
    paths = {group: folder / export_file_name(campaign_id, group) for group in (TREATMENT,
                                                                               CONTROL)}
    return {group: path.read_bytes() for group, path in paths.items() if path.exists()}


def exports_logged(db: Path, campaign_id: str) -> list[tuple[str, str, int]]:
    """(user, group, rows) of every export of the campaign logged, oldest first."""
    logged = audit_log(db, limit=100_000).query(
        "event == 'export' and campaign_id == @campaign_id").iloc[::-1]
    return list(logged[["user_name", "group_name", "row_count"]].itertuples(index=False,
                                                                            name=None))


def hidden(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith("."))


def test_the_same_campaign_exported_twice_gives_the_same_bytes(campaign, tmp_path):
    db, campaign_id, reference = campaign
    export_campaign(db, campaign_id, tmp_path, user="ana")
    assert files_in(tmp_path, campaign_id) == reference
    assert len(reference[TREATMENT]) > 1_000_000 and len(reference[CONTROL]) > 100_000


def test_an_export_killed_at_random_points_leaves_the_previous_or_the_new_pair(campaign,
                                                                                tmp_path):
    db, campaign_id, reference = campaign
    counts = {TREATMENT: reference[TREATMENT].count(b"\r\n") - 1,
              CONTROL: reference[CONTROL].count(b"\r\n") - 1}
    both_logged = [("cli", TREATMENT, counts[TREATMENT]), ("cli", CONTROL, counts[CONTROL])]
    seconds = time_to_finish(EXPORT, campaign_id, str(tmp_path / "timed"), str(db))
    interrupted = []
    for seed in SEEDS:  # more seeds only while too few kills came before the export ended
        if seed >= ENOUGH_SEEDS and len(interrupted) >= 2:
            break
        folder = tmp_path / f"out-{seed}"
        folder.mkdir()
        if seed % 2:  # exported there before: the previous pair must survive
            for group, content in reference.items():
                (folder / export_file_name(campaign_id, group)).write_bytes(content)
        before, logged_before = files_in(folder, campaign_id), exports_logged(db, campaign_id)
        delay = random.Random(seed).uniform(0.0, seconds)
        outcome = run_and_kill(EXPORT, campaign_id, str(folder), str(db), delay=delay)
        note = f"seed {seed}: killed after {delay:.2f} s"
        after = files_in(folder, campaign_id)
        # the previous files, the new pair, or (on a first export, killed between the renames)
        # the complete control file alone
        assert after in (before, reference, {CONTROL: reference[CONTROL]}), note
        logged = exports_logged(db, campaign_id)
        assert logged in (logged_before, logged_before + both_logged), note
        if after != before or not outcome.killed:  # files handed out are logged
            assert logged == logged_before + both_logged, note
        if outcome.killed and logged == logged_before:
            interrupted.append(folder)
    assert len(interrupted) >= 2, "the kills all came too late to interrupt the export"

    left = next((folder for folder in interrupted if hidden(folder)), interrupted[0])
    export_campaign(db, campaign_id, left, user="cli")
    assert files_in(left, campaign_id) == reference
    assert hidden(left) == []


@pytest.mark.parametrize("exported_before", [True, False])
def test_an_export_killed_between_its_renames_leaves_a_consistent_pair(
    campaign, tmp_path, exported_before
):
    db, campaign_id, reference = campaign
    folder = tmp_path / "out"
    if exported_before:
        shutil.copytree(db.parent / "reference", folder)
    else:
        folder.mkdir()
    logged_before = exports_logged(db, campaign_id)

    outcome = run_and_kill(EXPORT_PAUSED_BETWEEN_THE_RENAMES, campaign_id, str(folder), str(db),
                           delay=0.5)
    assert outcome.killed, outcome.stderr
    # both groups were logged before the first rename
    assert [group for _, group, _ in exports_logged(db, campaign_id)[len(logged_before):]] == [
        TREATMENT, CONTROL]
    # the control file was placed first; the treatment file is the same bytes as before, or
    # not there yet: nothing can be sent from a pair that does not belong together
    assert files_in(folder, campaign_id) == (reference if exported_before
                                             else {CONTROL: reference[CONTROL]})
    [unplaced] = hidden(folder)
    assert unplaced.startswith(f".{export_file_name(campaign_id, TREATMENT)}.")

    export_campaign(db, campaign_id, folder, user="cli")
    assert files_in(folder, campaign_id) == reference
    assert hidden(folder) == []
