"""What the uplift step feeds its models: each completed campaign's customers with their outcome
and their features as of its launch, and every buyer's features as of the refresh.

Features come from the point-in-time feature set ``uplift_features``
(``warehouse/sql/features/uplift_features.sql``), built for a population named before it runs
(``uplift_population``): a campaign's customers on a connection of its own
(``warehouse.features.open_raw``) cut at its launch, or the buyers on the refresh's connection
cut at the refresh's cut-off. So features read only data from before their cut-off, and only the
rows wanted are computed (on the scale-1 demo the campaign's 5,686 customers and the 11,655
buyers, not its 1.4 M customers). A campaign customer without activity before the launch has
zero counts and no recency. A campaign whose results were imported adds its file's own columns
(named ``file_<column>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from warehouse.features import build_features, feature_query

FEATURE_SET = "uplift_features"
FILE_PREFIX = "file_"
TRAINING_TABLE = "uplift_training_features"
# The customers the feature set describes (see its SQL), named by the caller.
POPULATION = "uplift_population"


def feature_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The feature set's columns, the key ``customer_id`` left out."""
    names = [row[0] for row in con.execute(
        f"DESCRIBE ({feature_query(FEATURE_SET)})").fetchall()]
    return [name for name in names if name != "customer_id"]


def _filled(column: str) -> str:
    """A feature as read for a customer who may lack it: counts and amounts 0, the rest NULL."""
    if column.startswith("count_") or column.endswith("_amount"):
        return f'coalesce(f."{column}", 0) AS "{column}"'
    return f'f."{column}"'


def _numbers(table: pa.Table, columns: list[str]) -> pd.DataFrame:
    """The numeric feature columns of ``table`` as a float frame (no Python objects)."""
    return pd.DataFrame({c: table[c].to_numpy(zero_copy_only=False).astype(np.float64)
                         for c in columns})


@dataclass(frozen=True)
class TrainingData:
    """One campaign's customers, in ``customer_id`` order: features, outcome, group."""

    customer_ids: pa.Array
    features: pd.DataFrame
    is_converted: np.ndarray
    is_treated: np.ndarray


def training_data(
    con: duckdb.DuckDBPyConnection, customers: pa.Table, cutoff_at: datetime,
    own: pd.DataFrame | None = None,
) -> TrainingData:
    """Features as of ``cutoff_at`` of ``customers`` (customer_id, is_treated, is_converted) on
    ``con`` (the warehouse attached as ``raw``), plus ``own`` columns (customer_id and the
    file's columns) when given."""
    con.register(POPULATION, customers)
    try:
        build_features(con, FEATURE_SET, cutoff_at, TRAINING_TABLE)
        columns = feature_columns(con)
        table = con.sql(
            "SELECT a.customer_id, a.is_treated, a.is_converted, "  # noqa: S608 -- constants
            + ", ".join(_filled(c) for c in columns)
            + f" FROM {POPULATION} AS a LEFT JOIN {TRAINING_TABLE} AS f USING (customer_id)"
            " ORDER BY a.customer_id").to_arrow_table()
        con.execute(f"DROP TABLE {TRAINING_TABLE}")
    finally:
        con.unregister(POPULATION)
    features = with_own_columns(_numbers(table, columns), table["customer_id"], own)
    return TrainingData(table["customer_id"], features,
                        table["is_converted"].to_numpy(zero_copy_only=False).astype(np.int64),
                        table["is_treated"].to_numpy(zero_copy_only=False).astype(np.int64))


@dataclass(frozen=True)
class ScoringData:
    """Every customer who bought, in ``customer_id`` order, with their features."""

    customer_ids: pa.Array
    features: pd.DataFrame


BUYERS_SQL = f"CREATE OR REPLACE TEMP VIEW {POPULATION} AS SELECT customer_id FROM order_lines"  # noqa: S608


def scoring_data(con: duckdb.DuckDBPyConnection) -> ScoringData:
    """The features of every customer who bought on ``con``, whose views are cut where the
    scores are wanted (the refresh's own connection: its cut-off).

    Only buyers: the campaigns the models learn from address customers who bought (the demo's
    win-back audience, the board's RFM segments), and a visitor who never bought lies outside
    every such audience (scored, 92 % of them came out "persuadable" by extrapolation). Scoring
    the 14 M visitors of a scale-10 shop also took most of a refresh."""
    con.execute(BUYERS_SQL)
    try:
        columns = feature_columns(con)
        table = con.sql(f"SELECT * FROM ({feature_query(FEATURE_SET)}) "  # noqa: S608 -- constants
                        "ORDER BY customer_id").to_arrow_table()
    finally:
        con.execute(f"DROP VIEW {POPULATION}")
    return ScoringData(table["customer_id"], _numbers(table, columns))


def with_own_columns(features: pd.DataFrame, customer_ids: pa.Array,
                     own: pd.DataFrame | None) -> pd.DataFrame:
    """``features`` (row ``i``: customer ``customer_ids[i]``) with a campaign file's own columns
    (``own``: customer_id and the file's columns) added as ``file_<column>``, missing for the
    customers outside the file."""
    if own is None or len(own.columns) < 2:
        return features
    ids = pd.DataFrame({"customer_id": customer_ids.to_pylist()})
    joined = ids.merge(own, on="customer_id", how="left").drop(columns="customer_id")
    return pd.concat([features, joined.add_prefix(FILE_PREFIX)], axis=1)
