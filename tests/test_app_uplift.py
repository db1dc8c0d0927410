"""The uplift loop through the command line, as a user runs it on the demo: read the learnt
model and the money, launch the top 30 % by predicted uplift with a control group, let the shop
carry on two weeks, refresh — the targeted campaign is measured and a new model learnt from it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.support.raw_warehouse import add_raw_rows, ms
from tests.support.uplift import (
    DEMO_CAMPAIGN_ACTION,
    DEMO_CAMPAIGN_ID,
    copy_demo_warehouse,
    import_random_campaign,
)
from warehouse.commands import list_campaigns, list_rules
from warehouse.commands.uplift_models import uplift_versions
from warehouse.demo_shop import demo_dir, state_file
from warehouse.queries.board import rule_stats
from warehouse.snapshots import open_snapshot

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "app.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def _top_buyers(db: Path, share: float) -> set[str]:
    """The top share of buyers by uplift score, read with pandas from the published customers."""
    with open_snapshot(db) as con:
        customers = con.sql("SELECT customer_id, segment_kind, uplift_score FROM customers").df()
    buyers = customers[customers["segment_kind"] == "rfm"].sort_values(
        ["uplift_score", "customer_id"], ascending=[False, True])
    return set(buyers["customer_id"].head(round(share * len(buyers))))


def _assigned(db: Path, campaign_id: str) -> pd.DataFrame:
    with open_snapshot(db) as con:
        return con.sql("SELECT customer_id, group_name FROM campaign_assignments "
                       "WHERE campaign_id = $id", params={"id": campaign_id}).df()


@pytest.fixture(scope="module")
def loop(uplift_demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The loop run once: report, launch, simulate 14 days and refresh, report again."""
    db = copy_demo_warehouse(uplift_demo_db, tmp_path_factory.mktemp("uplift-loop"))
    expected = _top_buyers(db, 0.3)
    before = run_cli("uplift", "--db", str(db), "--cost-per-contact", "1")
    launch = run_cli("uplift-launch", "--top", "30", "--duration-days", "14", "--db", str(db))
    campaigns = list_campaigns(db)
    targeted = campaigns[campaigns["source"] == "uplift"]
    simulated = run_cli("simulate", "--days", "14", "--refresh", "--db", str(db))
    after = run_cli("uplift", "--db", str(db))
    return {"db": db, "expected": expected, "before": before, "launch": launch,
            "targeted": targeted, "simulated": simulated, "after": after}


def test_the_report_shows_the_learnt_campaign_and_the_money(loop):
    before = loop["before"]
    assert before.returncode == 0, before.stderr
    assert DEMO_CAMPAIGN_ID in before.stdout and "(published as uplift_score)" in before.stdout
    for line in ("Contact nobody", "Contact everyone", "Top 30% by predicted uplift",
                 "Single model with treatment interactions", "persuadable"):
        assert line in before.stdout


def test_the_launch_freezes_the_top_share_of_buyers_with_a_control_group(loop):
    assert loop["launch"].returncode == 0, loop["launch"].stderr
    assert "the end of the data" in loop["launch"].stdout
    [campaign_id] = loop["targeted"]["campaign_id"]
    assigned = _assigned(loop["db"], campaign_id)
    assert set(assigned["customer_id"]) == loop["expected"]
    control = (assigned["group_name"] == "control").mean()
    assert control == pytest.approx(0.2, abs=0.04)
    assert loop["targeted"]["channel"].iloc[0] == "email"  # as the learnt campaign


def test_two_weeks_later_the_campaign_is_measured_and_learnt_from(loop):
    assert loop["simulated"].returncode == 0, loop["simulated"].stderr
    [campaign_id] = loop["targeted"]["campaign_id"]
    assert f"Treatment groups contacted: {campaign_id}" in loop["simulated"].stdout
    with open_snapshot(loop["db"]) as con:
        status = con.execute("SELECT status FROM campaigns WHERE campaign_id = ?",
                             [campaign_id]).fetchone()[0]
        lift = con.execute("SELECT n_treatment, n_control, abs_ci_low FROM campaign_results "
                           "WHERE campaign_id = ? AND metric = 'conversion'", [campaign_id]
                           ).fetchone()
        models = con.execute("SELECT campaign_id, is_trained, is_published, model_version "
                             "FROM uplift_models ORDER BY ends_at").fetchall()
    assigned = _assigned(loop["db"], campaign_id)
    assert status == "completed"
    assert lift[:2] == ((assigned["group_name"] == "treatment").sum(),
                        (assigned["group_name"] == "control").sum())
    assert lift[2] > 0  # the contacted top of the ranking converts more than its control group
    assert models == [(DEMO_CAMPAIGN_ID, True, False, 1), (campaign_id, True, True, 2)]
    assert [v.params["campaign_id"] for v in uplift_versions(loop["db"])] == [
        DEMO_CAMPAIGN_ID, campaign_id]
    assert f"{campaign_id}" in loop["after"].stdout


def test_launching_without_a_model_says_what_to_do_first(demo_db: Path, tmp_path: Path):
    db = copy_demo_warehouse(demo_db, tmp_path)
    result = run_cli("uplift-launch", "--top", "30", "--db", str(db))
    assert result.returncode == 2
    assert "no uplift model is published yet" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("top", ["0", "101", "abc"])
def test_a_bad_share_is_refused_with_the_reason(tmp_path: Path, top: str):
    result = run_cli("uplift-launch", "--top", top, "--db", str(tmp_path / "x.duckdb"))
    assert result.returncode == 2
    assert "--top" in result.stderr and "percentage" in result.stderr


def _events_and_state(db: Path) -> tuple[int, bytes, list[str]]:
    """What a refused simulate must leave as it was: the loaded events, the kept state, and the
    demo folder's entries (no half-written days left behind)."""
    with duckdb.connect(str(db), read_only=True) as con:
        [(events,)] = con.execute("SELECT count(*) FROM events").fetchall()
    folder = demo_dir(db)
    state = state_file(db).read_bytes() if state_file(db).is_file() else b""
    return events, state, sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_simulate_on_a_warehouse_without_the_demo_state_says_it_works_on_the_demo_only(
        demo_db: Path, tmp_path: Path):
    db = copy_demo_warehouse(demo_db, tmp_path)  # loaded from files: no state kept beside it
    before = _events_and_state(db)
    _refused(run_cli("simulate", "--days", "7", "--db", str(db)),
             "simulate works on the demo shop only")
    assert _events_and_state(db) == before


@pytest.mark.parametrize(("days", "message"), [
    ("0", "expected a whole number of at least 1, got '0'"),
    ("-3", "expected a whole number of at least 1, got '-3'"),
    ("two", "expected a whole number of at least 1, got 'two'"),
    ("367", "days must be between 1 and 366, got 367"),
])
def test_simulate_refuses_a_bad_number_of_days_and_appends_nothing(
        uplift_demo_db: Path, tmp_path: Path, days: str, message: str):
    db = copy_demo_warehouse(uplift_demo_db, tmp_path)
    before = _events_and_state(db)
    result = run_cli("simulate", "--days", days, "--db", str(db))
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].endswith(message)  # argparse: usage, then it
    assert _events_and_state(db) == before


def test_simulate_refuses_a_warehouse_whose_data_the_kept_state_does_not_continue(
        uplift_demo_db: Path, tmp_path: Path):
    # another shop's warehouse, its events newer than the demo's, with the demo's state beside it
    db = add_raw_rows(tmp_path / "other.duckdb", events=[
        (ms("2016-02-01 09:00:00"), 1, "view", 10, None),
        (ms("2016-03-01 12:00:00"), 2, "view", 11, None)])
    shutil.copytree(demo_dir(uplift_demo_db), demo_dir(db))
    before = _events_and_state(db)
    _refused(run_cli("simulate", "--days", "7", "--db", str(db)),
             "the loaded events end at 2016-03-01T12:00:00 but the simulator state ends at 2015-")
    assert _events_and_state(db) == before


def test_simulate_on_a_file_that_is_not_a_warehouse_says_so(uplift_demo_db: Path,
                                                             tmp_path: Path):
    db = tmp_path / "notes.duckdb"
    db.write_text("customer_id,group\n1,treatment\n")
    shutil.copytree(demo_dir(uplift_demo_db), demo_dir(db))
    _refused(run_cli("simulate", "--days", "7", "--db", str(db)), str(db))
    assert db.read_text() == "customer_id,group\n1,treatment\n"


def test_simulate_without_a_warehouse_says_to_build_the_demo(tmp_path: Path):
    db = tmp_path / "missing.duckdb"
    _refused(run_cli("simulate", "--days", "7", "--db", str(db)),
             f"No warehouse at {db}. Build the demo first")
    assert not db.exists()


def test_the_targeting_as_a_rule_matches_the_persuadables_in_the_top_share(
        uplift_demo_db: Path, tmp_path: Path):
    db = copy_demo_warehouse(uplift_demo_db, tmp_path)
    result = run_cli("uplift-launch", "--top", "20", "--as-rule", "--db", str(db))
    assert result.returncode == 0, result.stderr
    [rule] = [r for r in list_rules(db) if r.name == "Persuadables: top 20% by predicted uplift"]
    with open_snapshot(db) as con:
        stats = rule_stats(con, [rule]).rules
        scored = con.sql("SELECT uplift_score, response_type FROM customers "
                         "WHERE uplift_score IS NOT NULL").df()
    cut = np.quantile(scored["uplift_score"], 0.8)  # DuckDB's quantile_cont interpolates alike
    expected = int(((scored["uplift_score"] > cut)
                    & (scored["response_type"] == "persuadable")).sum())
    assert int(stats["count_matched"].iloc[0]) == expected > 0
    assert f"Created rule {rule.rule_id}" in result.stdout


def test_a_pooled_model_of_campaigns_with_one_action_is_learnt_and_others_are_refused(
        uplift_demo_db: Path, tmp_path: Path):
    db = copy_demo_warehouse(uplift_demo_db, tmp_path)
    same = import_random_campaign(db, tmp_path, name="Second win-back", seed=3,
                                  action=DEMO_CAMPAIGN_ACTION, launched_at=date(2015, 9, 1),
                                  ends_at=date(2015, 9, 8))
    other = import_random_campaign(db, tmp_path, name="Push reminder", seed=5,
                                   action="Push reminder", launched_at=date(2015, 9, 2),
                                   ends_at=date(2015, 9, 9))
    assert run_cli("refresh", "--db", str(db)).returncode == 0
    pooled = run_cli("uplift", "--campaigns", f"{DEMO_CAMPAIGN_ID},{same}", "--db", str(db))
    assert pooled.returncode == 0, pooled.stderr
    assert f"Pooled model pool:{'+'.join(sorted([DEMO_CAMPAIGN_ID, same]))}" in pooled.stdout
    assert [v.params["campaign_ids"] for v in uplift_versions(db)
            if "campaign_ids" in v.params] == [sorted([DEMO_CAMPAIGN_ID, same])]
    _refused(run_cli("uplift", "--campaigns", f"{DEMO_CAMPAIGN_ID},{other}", "--db", str(db)),
             "the campaigns ran different actions")
    alone = run_cli("uplift", "--campaigns", DEMO_CAMPAIGN_ID, "--db", str(db))
    assert alone.returncode == 2 and "two or more campaign ids" in alone.stderr
