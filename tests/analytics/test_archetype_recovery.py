"""The demo's planted customer archetypes are found again by the segments and clusters.

Agreement is measured with the adjusted Rand index (ARI: 0 for chance, 1 for identical
partitions) between the generator's ground-truth archetype and the refresh's output, on the
shared demo warehouse (scale 0.02, seed 7). Measured there: 0.43 for the behavioural segments;
0.76 for the clusters with two of them, 0.51 with the three that ``SEGMENTATION_K_RANGE`` gives
(one-time buyers dominate the buyers, so fewer clusters agree more with the archetypes). Each
threshold sits about 0.1 below its measured value: a change that loses an archetype fails.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from warehouse.snapshots import current_snapshot

MIN_SEGMENT_ARI = 0.35
MIN_CLUSTER_ARI = 0.40


@pytest.fixture(scope="module")
def labelled(demo_db, demo_folder) -> pd.DataFrame:
    truth = pd.read_csv(demo_folder / "ground_truth_archetypes.csv", dtype={"visitorid": str})
    con = duckdb.connect(str(current_snapshot(demo_db)), read_only=True)
    customers = con.execute(
        "SELECT customer_id, segment, segment_kind, cluster_name FROM customers"
    ).df()
    con.close()
    return customers.merge(truth, left_on="customer_id", right_on="visitorid", validate="1:1")


def test_every_visitor_of_the_ground_truth_is_a_customer(labelled, demo_folder):
    truth = pd.read_csv(demo_folder / "ground_truth_archetypes.csv")
    assert len(labelled) == len(truth)


def test_behavioural_segments_recover_the_non_buyer_archetypes(labelled):
    non_buyers = labelled[labelled["segment_kind"] == "behavioural"]
    assert adjusted_rand_score(non_buyers["archetype"], non_buyers["segment"]) >= MIN_SEGMENT_ARI


def test_one_visit_browsers_are_all_found(labelled):
    planted = labelled[labelled["archetype"] == "one_visit_browser"]
    assert (planted["segment"] == "One-visit Browsers").mean() == 1.0


def test_clusters_recover_the_buyer_archetypes(labelled):
    buyers = labelled[labelled["segment_kind"] == "rfm"]
    assert adjusted_rand_score(buyers["archetype"], buyers["cluster_name"]) >= MIN_CLUSTER_ARI


def test_buyers_are_exactly_the_customers_who_bought(labelled):
    never_buy = {"one_visit_browser", "returning_browser"}
    assert not labelled[labelled["archetype"].isin(never_buy)]["segment_kind"].eq("rfm").any()
