"""Queries for the behavioural clusters page: a scatter sample, the profiles, the scores by k.

All read the current snapshot (tables written by ``warehouse.pipeline.steps.clusters``).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.clusters import FEATURES
from warehouse.schema.clusters import SCATTER_MAX_POINTS

SCATTER_FEATURES: tuple[str, ...] = FEATURES

# The sample stored by the refresh, in its order. All whitelisted features are selected; the two
# asked for are picked in pandas, so no identifier is ever interpolated.
_SCATTER_SQL = """
SELECT * FROM cluster_scatter_sample
ORDER BY hash(customer_id), customer_id
LIMIT ?
"""


def scatter_sample(
    con: duckdb.DuckDBPyConnection, x: str, y: str, limit: int = SCATTER_MAX_POINTS
) -> pd.DataFrame:
    """Up to ``limit`` buyers (at most ``SCATTER_MAX_POINTS``) with two features and their cluster.

    Columns: ``customer_id``, ``x``, ``y`` (the raw feature values, units of the feature),
    ``cluster_id``, ``cluster_name``. ``x`` and ``y`` must be in ``SCATTER_FEATURES``.
    """
    for axis, feature in (("x", x), ("y", y)):
        if feature not in SCATTER_FEATURES:
            raise ValueError(
                f"unknown scatter feature {feature!r} for {axis}; "
                f"expected one of: {', '.join(SCATTER_FEATURES)}"
            )
    rows = max(0, min(int(limit), SCATTER_MAX_POINTS))
    frame = con.execute(_SCATTER_SQL, [rows]).df()
    return pd.DataFrame(
        {
            "customer_id": frame["customer_id"],
            "x": frame[x],
            "y": frame[y],
            "cluster_id": frame["cluster_id"],
            "cluster_name": frame["cluster_name"],
        }
    )


def cluster_profiles(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per cluster, largest first: the ``cluster_profiles`` table."""
    return con.execute("SELECT * FROM cluster_profiles ORDER BY cluster_id").df()


def cluster_scores(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``method, k, silhouette, bic, inertia, smallest_share, is_chosen``, one row per method and
    k (see ``warehouse.pipeline.steps.clusters``)."""
    return con.execute("SELECT * FROM cluster_scores ORDER BY method, k").df()
