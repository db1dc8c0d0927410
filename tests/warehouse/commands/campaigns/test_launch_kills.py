"""A launch killed (SIGKILL) at random points leaves the operational store with no new campaign,
or with the new campaign whole: every assignment and its audit row, never part of them."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from tests.support.kills import run_and_kill, time_to_finish
from tests.support.rule_snapshots import everyone_rule, large_shop, publish
from warehouse.commands import audit_log, launch_campaign, list_campaigns

CUSTOMERS = 100_000
SEEDS = range(12)  # at most; 6 when the first ones interrupt the launch at least twice
ENOUGH_SEEDS = 6

LAUNCH = """
import sys
from pathlib import Path
from warehouse.commands import launch_campaign
print("started", flush=True)
launch_campaign(Path(sys.argv[1]), int(sys.argv[2]), user="ana", exclude_running=False)
print("finished", flush=True)
"""

# Pauses the launch inside its write transaction: the campaign and its assignments inserted,
# the audit row not yet, nothing committed.
LAUNCH_PAUSED_BEFORE_THE_AUDIT = """
import sys, time
from pathlib import Path
import warehouse.commands.campaigns.launch as launch

def paused(*args, **kwargs):
    print("started", flush=True)
    time.sleep(60)

launch.record = paused
launch.launch_campaign(Path(sys.argv[1]), int(sys.argv[2]), user="ana", exclude_running=False)
"""


def store_state(db: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every campaign with its group sizes, every launch's audit row)."""
    campaigns = list_campaigns(db)[["campaign_id", "audience_size", "count_treatment",
                                    "count_control"]]
    launches = audit_log(db, limit=10_000).query("event == 'launch'")
    return (campaigns.set_index("campaign_id").sort_index(),
            launches[["campaign_id", "user_name", "row_count"]].set_index("campaign_id")
            .sort_index())


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> tuple[Path, int]:
    """(a warehouse whose snapshot holds ``CUSTOMERS`` customers, the rule they all match),
    with one campaign launched already."""
    db = tmp_path_factory.mktemp("launch-kills") / "w.duckdb"
    publish(db, large_shop(CUSTOMERS))
    rule_id = everyone_rule(db)
    launch_campaign(db, rule_id, user="ana", exclude_running=False)
    return db, rule_id


def assert_nothing_or_whole(db: Path, before: tuple[pd.DataFrame, pd.DataFrame],
                            note: str) -> bool:
    """Whether a campaign was added; fails unless the store is as ``before`` or holds exactly
    one more campaign with all its assignments and its audit row."""
    campaigns, launches = store_state(db)
    new = campaigns.drop(before[0].index)
    logged = launches.drop(before[1].index)
    pd.testing.assert_frame_equal(campaigns.loc[before[0].index], before[0])
    if new.empty:
        assert logged.empty, f"{note}: a launch audited without its campaign"
        return False
    assert len(new) == 1, note
    assert new.iloc[0].tolist() == [CUSTOMERS, CUSTOMERS - new.iloc[0]["count_control"],
                                    new.iloc[0]["count_control"]], note
    assert 0 < new.iloc[0]["count_control"] < CUSTOMERS / 2, note
    assert logged.index.tolist() == new.index.tolist(), f"{note}: no audit row for the campaign"
    assert logged.iloc[0].tolist() == ["ana", CUSTOMERS], note
    return True


def test_a_launch_killed_at_random_points_stores_the_whole_campaign_or_nothing(shop):
    db, rule_id = shop
    seconds = time_to_finish(LAUNCH, str(db), str(rule_id))
    interrupted = 0
    for seed in SEEDS:  # more seeds only while too few kills came before the launch ended
        if seed >= ENOUGH_SEEDS and interrupted >= 2:
            break
        before = store_state(db)
        delay = random.Random(seed).uniform(0.0, seconds)
        outcome = run_and_kill(LAUNCH, str(db), str(rule_id), delay=delay)
        added = assert_nothing_or_whole(db, before, f"seed {seed}: killed after {delay:.2f} s")
        interrupted += outcome.killed and not added
    assert interrupted >= 2, "the kills all came too late to interrupt the launch"


def test_a_launch_killed_inside_its_transaction_leaves_no_trace_and_the_next_one_works(shop):
    db, rule_id = shop
    before = store_state(db)
    outcome = run_and_kill(LAUNCH_PAUSED_BEFORE_THE_AUDIT, str(db), str(rule_id), delay=0.5)
    assert outcome.killed, outcome.stderr
    assert not assert_nothing_or_whole(db, before, "killed before the commit")

    launched = launch_campaign(db, rule_id, user="ana", exclude_running=False)
    assert assert_nothing_or_whole(db, before, "launched after the kill")
    assert launched.campaign_id not in before[0].index
