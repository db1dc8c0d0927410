"""build_clusters on a real DuckDB file, and the clusters page queries on its output.

The query tests live here because they need the step's tables as their fixture.
"""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics.clusters import FEATURES
from tests.support.shops import step_context
from warehouse.pipeline.steps.clusters import MIN_CUSTOMERS, build_clusters, read_features
from warehouse.queries.clusters import (
    SCATTER_FEATURES,
    cluster_profiles,
    cluster_scores,
    scatter_sample,
)

CTX = step_context(date(2015, 9, 18))
BUYERS_PER_GROUP = 40
VISITORS = 15


GROUPS = "abc"


def create_inputs(con: duckdb.DuckDBPyConnection, buyers_per_group: int) -> None:
    """customer_summary and customer_rfm for three plainly different buyer groups plus visitors.

    Group "a": recent one-order buyers who browse little and spend little; group "b": lapsed,
    frequent, big spenders with many views and cart adds and big baskets; group "c": window
    shoppers who bought once or twice after hundreds of views and dozens of cart adds. Visitors
    ("v...") never bought: no RFM row.
    """
    rng = np.random.default_rng(3)
    n = len(GROUPS) * buyers_per_group
    group = np.repeat(np.arange(len(GROUPS)), buyers_per_group)

    def pick(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        return np.choose(group, [a, b, c])

    orders = pick(np.ones(n, int), rng.integers(4, 7, n), rng.integers(1, 3, n))
    buyers = pd.DataFrame(
        {
            "customer_id": [f"{GROUPS[g]}{i}" for i, g in enumerate(group)],
            "recency_days": pick(rng.integers(0, 5, n), rng.integers(90, 120, n),
                                 rng.integers(40, 60, n)),
            "frequency": orders,
            "monetary_amount": pick(rng.uniform(8, 12, n), rng.uniform(900, 1100, n),
                                    rng.uniform(100, 200, n)),
            "count_views": pick(rng.integers(1, 3, n), rng.integers(80, 120, n),
                                rng.integers(200, 300, n)),
            "count_cart_adds": pick(np.zeros(n, int), rng.integers(8, 12, n),
                                    rng.integers(20, 30, n)),
            "count_orders": orders,
            "avg_basket_size": pick(np.ones(n), np.full(n, 3.0), np.full(n, 1.5)),
        }
    )
    visitors = pd.DataFrame({"customer_id": [f"v{i}" for i in range(VISITORS)], "count_views": 1})
    con.register("buyers", buyers)
    con.register("visitors", visitors)
    con.execute("""
        CREATE TABLE customer_summary (
            customer_id VARCHAR PRIMARY KEY, first_event_at TIMESTAMP, last_event_at TIMESTAMP,
            first_purchase_at TIMESTAMP, last_purchase_at TIMESTAMP, count_events BIGINT,
            count_views BIGINT, count_cart_adds BIGINT, count_orders BIGINT, count_items BIGINT,
            gmv_amount DOUBLE, avg_basket_size DOUBLE);
        CREATE TABLE customer_rfm (
            customer_id VARCHAR PRIMARY KEY, recency_days INTEGER, frequency INTEGER,
            monetary_amount DOUBLE, r_score INTEGER, f_score INTEGER, m_score INTEGER);
    """)
    con.execute("""
        INSERT INTO customer_summary BY NAME
        SELECT customer_id, count_views, count_cart_adds, count_orders, avg_basket_size,
               monetary_amount AS gmv_amount
        FROM buyers
        UNION ALL BY NAME
        SELECT customer_id, count_views, 0 AS count_cart_adds, 0 AS count_orders FROM visitors
    """)
    con.execute("""
        INSERT INTO customer_rfm BY NAME
        SELECT customer_id, recency_days, frequency, monetary_amount FROM buyers
    """)
    con.unregister("buyers")
    con.unregister("visitors")


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path_factory.mktemp("clusters") / "snapshot.duckdb"))
    create_inputs(con, BUYERS_PER_GROUP)
    build_clusters(con, CTX)
    yield con
    con.close()


def test_features_are_one_row_per_buyer_with_orders_per_cart_add(snapshot):
    features = read_features(snapshot).set_index("customer_id")
    assert len(features) == len(GROUPS) * BUYERS_PER_GROUP
    assert not features.index.str.startswith("v").any()
    assert list(features.columns) == list(FEATURES)
    # group a never added to cart: 1 order over max(0, 1) cart adds
    assert (features.loc[features.index.str.startswith("a"), "cart_to_purchase_ratio"] == 1).all()
    raw = snapshot.execute(
        "SELECT customer_id, count_orders / count_cart_adds AS ratio FROM customer_summary "
        "WHERE count_cart_adds > 0"
    ).df().set_index("customer_id")
    np.testing.assert_allclose(features.loc[raw.index, "cart_to_purchase_ratio"], raw["ratio"])


def test_every_buyer_gets_exactly_one_cluster_and_visitors_none(snapshot):
    rows = snapshot.execute(
        "SELECT count(*), count(DISTINCT customer_id), count(*) FILTER (customer_id LIKE 'v%'),"
        " count(cluster_id), count(cluster_name) FROM customer_clusters"
    ).fetchone()
    buyers = len(GROUPS) * BUYERS_PER_GROUP
    assert rows == (buyers, buyers, 0, buyers, buyers)


def test_the_three_planted_groups_become_the_three_clusters(snapshot):
    per_group = snapshot.execute(
        "SELECT left(customer_id, 1) AS grp, count(DISTINCT cluster_id) AS clusters, "
        "any_value(cluster_name) AS name FROM customer_clusters GROUP BY grp ORDER BY grp"
    ).fetchall()
    assert [clusters for _, clusters, _ in per_group] == [1, 1, 1]
    assert len({name for _, _, name in per_group}) == 3
    assert snapshot.execute("SELECT count(*) FROM cluster_profiles").fetchone()[0] == 3


def test_profiles_have_unique_keys_and_names_matching_the_assignments(snapshot):
    profiles = cluster_profiles(snapshot)
    assert profiles["cluster_id"].is_unique and profiles["cluster_name"].is_unique
    assert profiles["customers"].sum() == len(GROUPS) * BUYERS_PER_GROUP
    assert profiles["share"].sum() == pytest.approx(1.0)
    counted = snapshot.execute(
        "SELECT cluster_id, cluster_name, count(*) AS customers FROM customer_clusters "
        "GROUP BY ALL ORDER BY cluster_id"
    ).df()
    pd.testing.assert_frame_equal(
        profiles[["cluster_id", "cluster_name", "customers"]], counted, check_dtype=False
    )
    for feature in FEATURES:
        assert {f"{feature}_mean", f"{feature}_median"} <= set(profiles.columns)


def test_names_say_what_sets_each_cluster_apart(snapshot):
    """Each planted group's name starts with a word for a feature on which it is extreme."""
    names = dict(snapshot.execute(
        "SELECT left(customer_id, 1), any_value(cluster_name) FROM customer_clusters GROUP BY 1"
    ).fetchall())
    extremes = {
        "a": ("Recent", "Low spend", "Infrequent", "Few views", "Few cart adds", "Small baskets"),
        "b": ("Lapsed", "High spend", "Frequent", "Big baskets"),
        "c": ("Heavy viewers", "Cart-heavy", "Low conversion"),
    }
    for group, words in extremes.items():
        assert names[group].startswith(words), (group, names[group])


def test_scores_have_one_row_per_method_and_k_from_three_and_one_chosen(snapshot):
    scores = cluster_scores(snapshot)
    assert not scores.duplicated(["method", "k"]).any()
    assert set(scores["method"]) == {"kmeans", "gmm"}
    assert sorted(set(scores["k"])) == list(range(3, 9))  # SEGMENTATION_K_RANGE
    assert scores["is_chosen"].sum() == 1
    chosen_k = scores.loc[scores["is_chosen"], "k"].item()
    assert chosen_k == len(cluster_profiles(snapshot))


def test_the_chosen_solution_follows_the_rule_the_page_states(snapshot):
    """Highest cluster-balanced silhouette among solutions whose every cluster holds >= 2 % of
    the buyers; the stored smallest share is the chosen solution's smallest cluster."""
    scores = cluster_scores(snapshot)
    eligible = scores[scores["smallest_share"] >= 0.02]
    chosen = scores[scores["is_chosen"]].iloc[0]
    assert chosen["silhouette"] == eligible["silhouette"].max()
    sizes = snapshot.execute("SELECT customers FROM cluster_profiles").df()["customers"]
    assert chosen["smallest_share"] == pytest.approx(sizes.min() / sizes.sum())
    assert scores["smallest_share"].between(0, 1).all()


def test_rebuilding_gives_the_same_clusters(snapshot):
    before = snapshot.execute("SELECT * FROM customer_clusters ORDER BY customer_id").df()
    build_clusters(snapshot, CTX)
    after = snapshot.execute("SELECT * FROM customer_clusters ORDER BY customer_id").df()
    pd.testing.assert_frame_equal(before, after)


def test_too_few_buyers_leaves_the_three_tables_empty(tmp_path):
    con = duckdb.connect(str(tmp_path / "tiny.duckdb"))
    create_inputs(con, (MIN_CUSTOMERS - 1) // len(GROUPS))
    build_clusters(con, CTX)
    for table in ("customer_clusters", "cluster_profiles", "cluster_scores",
                  "cluster_scatter_sample"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    con.close()


def test_scatter_sample_returns_the_two_features_and_the_cluster(snapshot):
    sample = scatter_sample(snapshot, "monetary_amount", "count_views", limit=25)
    assert len(sample) == 25
    assert list(sample.columns) == ["customer_id", "x", "y", "cluster_id", "cluster_name"]
    features = read_features(snapshot).set_index("customer_id")
    np.testing.assert_allclose(sample["x"], features.loc[sample["customer_id"], "monetary_amount"])
    np.testing.assert_allclose(sample["y"], features.loc[sample["customer_id"], "count_views"])


def test_scatter_sample_is_the_same_on_every_call(snapshot):
    first = scatter_sample(snapshot, "recency_days", "frequency", limit=10)
    second = scatter_sample(snapshot, "recency_days", "frequency", limit=10)
    pd.testing.assert_frame_equal(first, second)


def test_scatter_sample_is_capped_at_the_maximum_points(snapshot):
    sample = scatter_sample(snapshot, "recency_days", "frequency", limit=10**9)
    assert len(sample) == len(GROUPS) * BUYERS_PER_GROUP  # all buyers, fewer than the cap


def test_scatter_rejects_a_feature_outside_the_whitelist(snapshot):
    assert "gmv_amount; DROP TABLE customer_clusters" not in SCATTER_FEATURES
    with pytest.raises(ValueError, match="customer_id"):
        scatter_sample(snapshot, "recency_days", "customer_id")


def test_a_buyer_missing_from_the_summary_is_still_clustered_with_no_behaviour(tmp_path):
    con = duckdb.connect(str(tmp_path / "gap.duckdb"))
    create_inputs(con, BUYERS_PER_GROUP)
    con.execute("INSERT INTO customer_rfm VALUES ('x1', 7, 2, 50.0, 3, 5, 3)")
    row = read_features(con).set_index("customer_id").loc["x1"]
    con.close()
    assert row["count_views"] == 0 and row["count_cart_adds"] == 0
    assert row["cart_to_purchase_ratio"] == 2  # its 2 orders over max(0 cart adds, 1)
