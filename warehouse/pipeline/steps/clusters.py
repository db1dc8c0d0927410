"""Refresh step: behavioural clusters of buyers (issue 3 §2).

Reads one feature row per buyer (``customer_rfm`` joined to ``customer_summary``), fits
``analytics.clusters.BehaviourClusterer`` with 3 to 8 clusters (``SEGMENTATION_K_RANGE``: two
groups are no segmentation a marketer can use) and writes four snapshot tables:

* ``customer_clusters`` — one row per buyer, key ``customer_id``: ``cluster_id, cluster_name``.
* ``cluster_profiles`` — one row per cluster, key ``cluster_id``: ``cluster_name, customers,
  share`` and ``<feature>_mean``, ``<feature>_median`` of each raw feature.
* ``cluster_scores`` — one row per method and k, key ``(method, k)``: ``silhouette`` (the
  cluster-balanced silhouette that chooses), ``bic, inertia`` (for information),
  ``smallest_share`` (the smallest cluster's share of the buyers it was fitted on: below
  ``analytics.clusters.MIN_CLUSTER_SHARE`` a solution is not chosen), ``is_chosen``.
* ``cluster_scatter_sample`` — up to ``SCATTER_MAX_POINTS`` buyers, key ``customer_id``: the
  ``FEATURES`` and ``cluster_id, cluster_name``, for the page's scatter.

Visitors who never bought have no RFM row and no cluster (``cluster_name`` is NULL in
``customers``). With fewer than ``MIN_CUSTOMERS`` buyers the tables are written empty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from analytics.clusters import FEATURES, SEGMENTATION_K_RANGE, BehaviourClusterer
from warehouse.frames import insert_frame
from warehouse.pipeline.registry import REGISTRY, Step
from warehouse.schema.clusters import SCATTER_MAX_POINTS
from warehouse.schema.fields import TEXT, Field

if TYPE_CHECKING:
    from warehouse.pipeline.context import RefreshContext

RANDOM_STATE = 0
MIN_CUSTOMERS = 20

# One row per buyer (every row of customer_rfm). cart_to_purchase_ratio is orders per cart add, as
# in `customers`; a buyer who never added to cart (purchases can be logged without a cart event)
# counts as 1 cart add, so the ratio is defined for every buyer and equals the `customers` column
# wherever that is not NULL. A buyer missing from the summary counts as no views, no cart adds.
FEATURES_SQL = """
SELECT
    rfm.customer_id,
    CAST(rfm.recency_days AS DOUBLE) AS recency_days,
    CAST(rfm.frequency AS DOUBLE) AS frequency,
    CAST(rfm.monetary_amount AS DOUBLE) AS monetary_amount,
    CAST(coalesce(summary.count_views, 0) AS DOUBLE) AS count_views,
    CAST(coalesce(summary.count_cart_adds, 0) AS DOUBLE) AS count_cart_adds,
    coalesce(summary.count_orders, rfm.frequency)
        / greatest(coalesce(summary.count_cart_adds, 0), 1) AS cart_to_purchase_ratio,
    CAST(coalesce(summary.avg_basket_size, 0) AS DOUBLE) AS avg_basket_size
FROM customer_rfm AS rfm
LEFT JOIN customer_summary AS summary USING (customer_id)
"""

# The cluster scatter's points (see ``warehouse.schema.clusters``).
SCATTER_SAMPLE_SQL = f"""
CREATE OR REPLACE TABLE cluster_scatter_sample AS
WITH features AS ({FEATURES_SQL})
SELECT features.*, clusters.cluster_id, clusters.cluster_name
FROM features
INNER JOIN customer_clusters AS clusters USING (customer_id)
ORDER BY hash(features.customer_id), features.customer_id
LIMIT {SCATTER_MAX_POINTS}
"""  # noqa: S608 -- constants only

_STAT_COLUMNS = ", ".join(
    f"{feature}_{stat} DOUBLE" for feature in FEATURES for stat in ("mean", "median")
)
DDL = f"""
CREATE OR REPLACE TABLE customer_clusters (
    customer_id VARCHAR PRIMARY KEY, cluster_id INTEGER NOT NULL, cluster_name VARCHAR NOT NULL
);
CREATE OR REPLACE TABLE cluster_profiles (
    cluster_id INTEGER PRIMARY KEY, cluster_name VARCHAR NOT NULL UNIQUE,
    customers BIGINT NOT NULL, share DOUBLE NOT NULL, {_STAT_COLUMNS}
);
CREATE OR REPLACE TABLE cluster_scores (
    method VARCHAR NOT NULL, k INTEGER NOT NULL, silhouette DOUBLE, bic DOUBLE, inertia DOUBLE,
    smallest_share DOUBLE NOT NULL, is_chosen BOOLEAN NOT NULL, PRIMARY KEY (method, k)
);
"""


def read_features(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per buyer: ``customer_id`` and the ``FEATURES`` columns, ordered by customer_id."""
    return con.execute(FEATURES_SQL + "ORDER BY rfm.customer_id").df()


def build_clusters(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> None:
    """Fit the behavioural clusters on the snapshot's buyers and write the four tables."""
    features = read_features(con)
    con.execute(DDL)
    if len(features) >= MIN_CUSTOMERS:
        _fit_and_write(con, features)
    con.execute(SCATTER_SAMPLE_SQL)


def _fit_and_write(con: duckdb.DuckDBPyConnection, features: pd.DataFrame) -> None:
    model = BehaviourClusterer(k_range=SEGMENTATION_K_RANGE, random_state=RANDOM_STATE).fit(
        features
    )
    assignments = pd.DataFrame(
        {
            "customer_id": features["customer_id"],
            "cluster_id": model.labels_,
            "cluster_name": pd.Series(model.labels_).map(model.names_),
        }
    )
    insert_frame(con, "customer_clusters", assignments)
    insert_frame(con, "cluster_profiles", model.profiles_)
    insert_frame(con, "cluster_scores", model.candidates_)


REGISTRY.register(Step(
    "clusters", build_clusters,
    reads=("customer_rfm", "customer_summary"),
    writes=("customer_clusters", "cluster_profiles", "cluster_scores", "cluster_scatter_sample"),
    fields=(Field("cluster_name", TEXT, "Cluster",
                  "behavioural cluster of a buyer (recency, orders, spend, views, cart adds, "
                  "basket size)", table="customer_clusters"),),
))
