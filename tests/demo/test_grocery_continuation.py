"""A push launched on the grocery demo, the shop carried on, and the campaign's results: the
simulator answers the treatment group only, and the measured figures match the new orders."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select

from tests.support.grocery import PUSHED_DAYS as DAYS
from tests.support.grocery import PUSHED_ITEM as ITEM
from tests.support.grocery import build_pushed_grocery
from warehouse.commands.push_audience import push_treatment_groups
from warehouse.ops import ops_store, ops_transaction
from warehouse.ops.schema import campaign_assignments
from warehouse.promote.results import push_results


def held_out(db, campaign_id: str) -> set[str]:
    with ops_transaction(ops_store(db), readonly=True) as connection:
        return set(connection.execute(
            select(campaign_assignments.c.customer_id).where(
                campaign_assignments.c.campaign_id == campaign_id,
                campaign_assignments.c.group_name == "control")).scalars())


@pytest.fixture(scope="module")
def carried_on(tmp_path_factory: pytest.TempPathFactory):
    return build_pushed_grocery(tmp_path_factory.mktemp("grocery-continued"))


def test_the_simulator_contacts_the_treatment_group_and_never_the_holdout(carried_on):
    db, out, launched = carried_on
    effects = pd.read_csv(out / "ground_truth_push_effects.csv", dtype={"customer_id": str})
    groups = push_treatment_groups(db)
    treated = set(groups.loc[groups["campaign_id"] == launched.campaign_id, "customer_id"])
    assert len(treated) == launched.count_treatment
    assert set(effects["customer_id"]) == treated
    assert effects["delivered"].sum() > 0


def test_results_count_the_items_large_basket_buyers_per_group(carried_on):
    db, out, launched = carried_on
    results = push_results(db, launched.campaign_id)
    assert (results.item_id, results.treatment, results.control) == (
        ITEM, launched.count_treatment, launched.count_control)
    # by hand from the new orders file: orders holding the item among ≥ 5 distinct items
    lines = pd.read_csv(out / "orders.csv", dtype={"customer_id": str, "item_id": str,
                                                   "order_id": str})
    lines = lines[pd.to_datetime(lines["ordered_at"]) < pd.Timestamp("2024-07-01")
                  + pd.Timedelta(days=DAYS)]
    sizes = lines.groupby("order_id")["item_id"].nunique()
    large = lines[lines["order_id"].map(sizes) >= 5]
    buyers = set(large.loc[large["item_id"] == ITEM, "customer_id"])
    groups = push_treatment_groups(db)
    treated = set(groups.loc[groups["campaign_id"] == launched.campaign_id, "customer_id"])
    assert results.qualifying_buyers.treatment_mean == pytest.approx(
        len(buyers & treated) / launched.count_treatment)
    baskets = large.loc[large["item_id"] == ITEM].drop_duplicates("order_id")
    assert results.qualifying_baskets.treatment_mean == pytest.approx(
        baskets["customer_id"].isin(treated).sum() / launched.count_treatment)
    assert results.qualifying_baskets.control_mean * launched.count_control == pytest.approx(
        baskets["customer_id"].isin(held_out(db, launched.campaign_id)).sum())
    low, high = results.pushes_per_incremental_interval
    assert low <= results.pushes_per_incremental_sale <= high
    described = results.describe()
    assert "Qualifying baskets with the item per customer" in described
    assert "Pushes per incremental qualifying buyer" in described
    assert "Opt-outs:" in described


def test_a_campaign_not_yet_published_is_refused(carried_on):
    db, _, _ = carried_on
    with pytest.raises(ValueError, match="not in the published data"):
        push_results(db, "c-nope")
