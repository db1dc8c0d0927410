"""A pooled uplift model of several completed campaigns with the same action: learnt on their
union with features as of each launch and the campaign as a feature, registered under the set's
name, learnt once; sets that cannot be pooled are refused with the reason."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.support.uplift import (
    DEMO_CAMPAIGN_ACTION,
    DEMO_CAMPAIGN_ID,
    copy_demo_warehouse,
    import_random_campaign,
)
from warehouse.commands.uplift_models import uplift_versions
from warehouse.pipeline.refresh import refresh
from warehouse.snapshots import open_snapshot
from warehouse.uplift_pool import pool_id, pooled_report, train_pooled_model


@pytest.fixture(scope="module")
def pooled_shop(uplift_demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The uplift demo with two imported campaigns: one with the planted campaign's action,
    one with another; refreshed once."""
    folder = tmp_path_factory.mktemp("uplift-pool")
    db = copy_demo_warehouse(uplift_demo_db, folder)
    same = import_random_campaign(db, folder, name="September win-back", seed=3,
                                  action=DEMO_CAMPAIGN_ACTION, launched_at=date(2015, 9, 1),
                                  ends_at=date(2015, 9, 8))
    other = import_random_campaign(db, folder, name="Push reminder", seed=5,
                                   action="Push reminder", launched_at=date(2015, 9, 2),
                                   ends_at=date(2015, 9, 9))
    refresh(db, progress=False)
    return {"db": db, "same": same, "other": other}


def _customers(db: Path, *campaign_ids: str) -> int:
    with open_snapshot(db) as con:
        [(count,)] = con.execute("SELECT count(*) FROM campaign_outcomes WHERE campaign_id IN "
                                 "(SELECT UNNEST($ids))", {"ids": list(campaign_ids)}).fetchall()
    return int(count)


def test_campaigns_with_the_same_action_are_learnt_together_and_registered(pooled_shop):
    db, ids = pooled_shop["db"], [pooled_shop["same"], DEMO_CAMPAIGN_ID]
    before = len(uplift_versions(db))
    pooled = train_pooled_model(db, ids)
    version = pooled.version
    assert pooled.is_new and len(uplift_versions(db)) == before + 1
    assert pooled.pool_id == version.params["campaign_id"] == pool_id(ids)
    assert version.params["campaign_ids"] == sorted(ids)
    assert version.params["action"] == DEMO_CAMPAIGN_ACTION
    assert "campaign" in version.params["features"]
    m = version.metrics
    assert m["count_train"] + m["count_holdout"] == _customers(db, *ids)
    assert sorted(r["learner"] for r in m["comparison"]) == [
        "class_transformation", "interaction", "two_model"]
    assert [r["learner"] for r in m["comparison"] if r["is_chosen"]] == [version.params["learner"]]
    assert list(pooled.campaigns["customers"]) == [_customers(db, DEMO_CAMPAIGN_ID),
                                                   _customers(db, pooled_shop["same"])]
    report = pooled_report(pooled)
    assert pool_id(ids) in report and "two models" in report.lower()


def test_the_same_set_is_learnt_once(pooled_shop):
    db, ids = pooled_shop["db"], [DEMO_CAMPAIGN_ID, pooled_shop["same"]]
    first = train_pooled_model(db, ids)
    count = len(uplift_versions(db))
    again = train_pooled_model(db, list(reversed(ids)))
    assert not again.is_new
    assert again.version.version == first.version.version
    assert len(uplift_versions(db)) == count


def test_campaigns_with_different_actions_are_refused_naming_the_actions(pooled_shop):
    db = pooled_shop["db"]
    count = len(uplift_versions(db))
    with pytest.raises(ValueError, match="different actions") as error:
        train_pooled_model(db, [DEMO_CAMPAIGN_ID, pooled_shop["other"]])
    assert f"'{DEMO_CAMPAIGN_ACTION}': {DEMO_CAMPAIGN_ID}" in str(error.value)
    assert f"'Push reminder': {pooled_shop['other']}" in str(error.value)
    assert len(uplift_versions(db)) == count


@pytest.mark.parametrize(("ids", "message"), [
    (["demo-winback-2015-08"], "at least two campaigns"),
    (["demo-winback-2015-08", "demo-winback-2015-08"], "at least two campaigns"),
    (["demo-winback-2015-08", "no-such-campaign"], "no campaign no-such-campaign"),
])
def test_a_set_that_is_not_two_known_campaigns_is_refused(pooled_shop, ids, message):
    with pytest.raises(ValueError, match=message):
        train_pooled_model(pooled_shop["db"], ids)
