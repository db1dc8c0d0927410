"""What the uplift step feeds its models: each completed campaign's customers with their outcome
and their features as of its launch, and every customer's features as of the refresh.

Features come from the point-in-time feature set ``uplift_features``
(``warehouse/sql/features/uplift_features.sql``), built on a connection of its own
(``warehouse.features.open_raw``), so they read only data from before their cut-off: the
campaign's launch for training, the refresh's cut-off for scoring. A campaign customer without
activity before the launch has zero counts and no recency. A campaign whose results were
imported adds its file's own columns (named ``file_<column>``).

Scoring every customer of a full-size RetailRocket log means 1.4 M rows, but their features
repeat: most visitors came once, and days are whole. Customers with identical features share a
*profile*; models predict once per profile (about 73,000 at that size) and the scores are joined
back to the customers in SQL.
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
TRAINING_TABLE, SCORING_TABLE = "uplift_training_features", "uplift_scoring_features"


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
    build_features(con, FEATURE_SET, cutoff_at, TRAINING_TABLE)
    columns = feature_columns(con)
    con.register("uplift_audience", customers)
    try:
        table = con.sql(
            "SELECT a.customer_id, a.is_treated, a.is_converted, "  # noqa: S608 -- constants
            + ", ".join(_filled(c) for c in columns)
            + f" FROM uplift_audience AS a LEFT JOIN {TRAINING_TABLE} AS f USING (customer_id)"
            " ORDER BY a.customer_id").to_arrow_table()
    finally:
        con.unregister("uplift_audience")
    features = _numbers(table, columns)
    if own is not None and len(own.columns) > 1:
        ids = pd.Series(table["customer_id"].to_pylist(), name="customer_id")
        extra = own.rename(columns={c: FILE_PREFIX + c for c in own.columns
                                    if c != "customer_id"})
        joined = pd.DataFrame({"customer_id": ids}).merge(extra, on="customer_id", how="left")
        features = pd.concat([features, joined.drop(columns="customer_id")], axis=1)
    return TrainingData(table["customer_id"], features,
                        table["is_converted"].to_numpy(zero_copy_only=False).astype(np.int64),
                        table["is_treated"].to_numpy(zero_copy_only=False).astype(np.int64))


@dataclass(frozen=True)
class ScoringData:
    """Every customer's profile is in the temporary table ``uplift_score_keys`` (customer_id,
    profile) of the scoring connection; ``profiles`` holds each profile's features (row ``i`` =
    profile ``i``) and ``sizes`` how many customers share it."""

    profiles: pd.DataFrame
    sizes: np.ndarray
    count_customers: int


PROFILES_SQL = """
CREATE OR REPLACE TEMP TABLE uplift_profiles AS
SELECT CAST(row_number() OVER () - 1 AS BIGINT) AS profile, *
FROM (SELECT {columns}, count(*) AS size FROM {table} GROUP BY ALL)
"""
KEYS_SQL = """
CREATE OR REPLACE TEMP TABLE uplift_score_keys AS
SELECT f.customer_id, p.profile FROM {table} AS f JOIN uplift_profiles AS p ON {same}
"""


def scoring_data(con: duckdb.DuckDBPyConnection) -> ScoringData:
    """Every customer's features on ``con``, whose views are cut where the scores are wanted
    (the refresh's own connection: its cut-off), grouped into profiles."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {SCORING_TABLE} AS "
                f"{feature_query(FEATURE_SET)}")
    columns = feature_columns(con)
    quoted = [f'"{c}"' for c in columns]
    con.execute(PROFILES_SQL.format(columns=", ".join(quoted), table=SCORING_TABLE))
    same = " AND ".join(f"f.{q} IS NOT DISTINCT FROM p.{q}" for q in quoted)
    con.execute(KEYS_SQL.format(table=SCORING_TABLE, same=same))
    profiles = con.sql("SELECT * FROM uplift_profiles ORDER BY profile").to_arrow_table()
    [(count,)] = con.execute("SELECT count(*) FROM uplift_score_keys").fetchall()
    con.execute(f"DROP TABLE {SCORING_TABLE}")
    con.execute("DROP TABLE uplift_profiles")
    return ScoringData(_numbers(profiles, columns),
                       profiles["size"].to_numpy(zero_copy_only=False), int(count))


def with_own_columns(frame: pd.DataFrame, own_kinds: dict[str, str]) -> pd.DataFrame:
    """``frame`` with a campaign's own columns added, all missing (customers outside its file)."""
    if not own_kinds:
        return frame
    extra = {FILE_PREFIX + c: (pd.Series(np.nan, index=frame.index) if kind == "number"
                               else pd.Series(None, index=frame.index, dtype="object"))
             for c, kind in own_kinds.items()}
    return pd.concat([frame, pd.DataFrame(extra, index=frame.index)], axis=1)
