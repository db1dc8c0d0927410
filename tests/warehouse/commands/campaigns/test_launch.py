"""Campaign launch on real snapshot and ops-store files: frozen audience, assignment, audit log."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.support.campaigns import stored_assignments, stored_campaign
from tests.support.rule_snapshots import publish, repeat_rule, shop, write_snapshot
from warehouse.commands import (
    RuleError,
    UnknownCampaignError,
    audit_log,
    launch_campaign,
    list_campaigns,
    list_rules,
    set_rule_enabled,
)
from warehouse.commands.campaigns.assignment import rule_audience
from warehouse.schema.fields import read_field_catalogue
from warehouse.snapshots import NoSnapshotError

LAUNCHED = datetime(2015, 6, 10, 9, 0)


def crowd(n: int) -> pd.DataFrame:
    """n customers in three segments, all with frequency 2 (so one rule wins them all)."""
    return pd.DataFrame({
        "customer_id": [f"u{i:05d}" for i in range(n)],
        "segment": [("Champions", "Loyal", "At Risk")[i % 3] for i in range(n)],
        "segment_kind": "rfm",
        "frequency": 2,
        "monetary_amount": 50.0,
        "clv_amount": [float(i) for i in range(n)],
    })


def test_launch_freezes_the_won_audience_with_segment_and_clv(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    publish(db, shop())
    rule_id = repeat_rule(db)
    campaign_id = launch_campaign(db, rule_id, control_share=0.5, launched_at=LAUNCHED,
                                  duration_days=14)
    assert campaign_id == "c-20150610-1"
    frozen = stored_assignments(db, campaign_id)
    assert frozen["customer_id"].tolist() == ["c09", "c10"]  # frequency 2 and 3
    assert frozen["segment"].tolist() == ["Champions", "Hibernating"]
    assert frozen["clv_amount"].tolist() == [9.0, 10.0]
    assert sorted(frozen["group_name"]) == ["control", "treatment"]  # one of two in control
    campaign = stored_campaign(db, campaign_id)
    assert campaign["audience_size"] == 2 and campaign["source"] == "board"
    assert campaign["ends_at"] == datetime(2015, 6, 24, 9, 0)
    assert campaign["rule_name"] == "Repeat buyers"

    # A later snapshot: new repeat buyers, changed segments and CLV. The campaign does not move.
    later = shop(20).assign(segment="Lost", clv_amount=99.0, frequency=2)
    publish(db, later)
    assert stored_assignments(db, campaign_id).equals(frozen)


def test_launch_writes_one_audit_row(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    publish(db, crowd(30))
    campaign_id = launch_campaign(db, repeat_rule(db))
    log = audit_log(db)
    assert log[["event", "campaign_id", "row_count"]].values.tolist() == [
        ["launch", campaign_id, 30]]


def test_units_are_the_documented_md5_hash_and_do_not_depend_on_other_customers(
    tmp_path: Path,
) -> None:
    db = tmp_path / "w.duckdb"
    rule_id = repeat_rule(db)
    rules = list_rules(db)
    small = write_snapshot(tmp_path / "small.duckdb", crowd(50))
    large = write_snapshot(tmp_path / "large.duckdb", crowd(80))
    with duckdb.connect(str(small), read_only=True) as con:
        before = rule_audience(con, rules, rule_id, "salt", read_field_catalogue(con))
    with duckdb.connect(str(large), read_only=True) as con:
        after = rule_audience(con, rules, rule_id, "salt", read_field_catalogue(con))
    assert after.set_index("customer_id").loc[before["customer_id"], "unit"].tolist() == \
        before["unit"].tolist()
    expected = [int(hashlib.md5(f"salt:{c}".encode()).hexdigest()[:13], 16) / 2**52
                for c in before["customer_id"][:5]]
    assert before["unit"][:5].tolist() == expected


def test_the_split_holds_overall_and_in_every_segment(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    publish(db, crowd(900))
    campaign_id = launch_campaign(db, repeat_rule(db), control_share=0.2)
    frozen = stored_assignments(db, campaign_id)
    shares = frozen.groupby("segment")["group_name"].apply(lambda g: (g == "control").mean())
    assert (shares == 0.2).all()  # 300 per segment: exactly 60 in control
    assert (frozen["group_name"] == "control").sum() == 180


def test_campaign_ids_number_launches_of_the_same_day(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    publish(db, crowd(10))
    rule_id = repeat_rule(db)
    ids = [launch_campaign(db, rule_id, launched_at=LAUNCHED) for _ in range(2)]
    assert ids == ["c-20150610-1", "c-20150610-2"]
    listed = list_campaigns(db)
    assert set(listed["campaign_id"]) == set(ids)
    assert (listed["count_treatment"] + listed["count_control"] == 10).all()


def test_simultaneous_launches_get_distinct_ids_and_all_are_stored(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    publish(db, crowd(10))
    rule_id = repeat_rule(db)
    with ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(lambda _: launch_campaign(db, rule_id, launched_at=LAUNCHED),
                            range(4)))
    assert sorted(ids) == [f"c-20150610-{n}" for n in range(1, 5)]
    assert sorted(list_campaigns(db)["campaign_id"]) == sorted(ids)


@pytest.mark.parametrize("share", [0, 0.7, -0.1, "half"])
def test_a_control_share_outside_zero_to_half_is_refused(tmp_path: Path, share: object) -> None:
    db = tmp_path / "w.duckdb"
    publish(db, crowd(10))
    with pytest.raises(ValueError, match=r"control share must be .*\(0, 0.5\]"):
        launch_campaign(db, repeat_rule(db), control_share=share)
    assert list_campaigns(db).empty


def test_launch_refuses_disabled_unknown_and_empty_rules(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with pytest.raises(NoSnapshotError):
        launch_campaign(db, 1)
    publish(db, shop())
    with pytest.raises(RuleError, match="no rule with id 999"):
        launch_campaign(db, 999)
    rule_id = repeat_rule(db)
    set_rule_enabled(db, rule_id, False)
    with pytest.raises(RuleError, match="is disabled"):
        launch_campaign(db, rule_id)
    window = next(r for r in list_rules(db) if r.name == "Window shoppers")
    with pytest.raises(ValueError, match="wins no customer"):
        launch_campaign(db, window.rule_id)
    assert list_campaigns(db).empty and audit_log(db).empty


def test_an_unknown_campaign_id_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UnknownCampaignError, match="no campaign 'c-nope'"):
        stored_campaign(tmp_path / "w.duckdb", "c-nope")
