"""Point-in-time features: what was known about each customer just before a cut-off.

A model is judged out of time: it trains on features as of a past cut-off and is scored against
what happened after it, so a feature must never read data from after its cut-off. Each feature
set is one SELECT in ``warehouse/sql/features/<name>.sql`` (one row per its grain, the key
first). It reads the raw tables only through the staging views and ``order_lines`` — the same SQL
the refresh uses, so prices and categories are looked up once, one way — which this module points
at the cut-off: events, orders and item properties dated strictly before it.

To add a feature set, drop a ``<name>.sql`` file there that selects from those views (and other
feature sets' CTEs copied in, never the raw tables); ``feature_sets()`` lists it and
``build_features`` builds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from warehouse import connections
from warehouse.ingest.raw import price_property
from warehouse.sql.runner import (
    Materialization,
    build_model,
    build_staging_views,
    model_names,
    model_path,
    read_query,
)

FEATURES_DIR = Path(__file__).with_name("sql") / "features"
# The views a feature set may read: every one cut at the cut-off (see their SQL files).
POINT_IN_TIME_VIEWS = (*model_names("staging"), *model_names("intermediate"), "order_lines")
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")


def feature_sets() -> list[str]:
    """The names of the feature sets shipped in ``FEATURES_DIR``."""
    return sorted(path.stem for path in FEATURES_DIR.glob("*.sql"))


def feature_query(name: str) -> str:
    """The SELECT of feature set ``name``."""
    path = model_path(name, FEATURES_DIR)
    if not path.is_file():
        raise ValueError(f"no feature set {name!r}; known: {', '.join(feature_sets())}")
    return read_query(path)


def set_cutoff(con: duckdb.DuckDBPyConnection, cutoff_at: datetime) -> None:
    """Point the staging views and ``order_lines`` of ``con`` at ``cutoff_at`` (naive UTC).

    ``con`` must have the warehouse attached as ``raw``. This replaces the views' cut-off on
    that connection: give it a connection of its own (``open_raw``), not a refresh's.
    """
    if cutoff_at.tzinfo is not None:
        cutoff_at = cutoff_at.astimezone(UTC).replace(tzinfo=None)
    cutoff_ms = int(cutoff_at.replace(tzinfo=UTC).timestamp() * 1000)
    con.execute("SET VARIABLE cutoff_ms = CAST(? AS BIGINT)", [cutoff_ms])
    con.execute("SET VARIABLE cutoff_at = CAST(? AS TIMESTAMP)", [cutoff_at])
    con.execute("SET VARIABLE price_property = CAST(? AS VARCHAR)",
                [price_property(con, "raw.settings")])
    build_staging_views(con)
    for view in POINT_IN_TIME_VIEWS[len(model_names("staging")):]:
        build_model(con, view, Materialization.TEMP_VIEW)


def build_features(
    con: duckdb.DuckDBPyConnection, name: str, cutoff_at: datetime, table: str | None = None
) -> str:
    """Create (or replace) table ``table`` (default: ``name``) holding feature set ``name`` as
    of ``cutoff_at``, on a connection with the warehouse attached as ``raw``; return its name."""
    target = table or name
    if not _IDENTIFIER.fullmatch(target):
        raise ValueError(f"table name {target!r} is not a plain lower-case SQL identifier")
    query = feature_query(name)
    set_cutoff(con, cutoff_at)
    con.execute(f"CREATE OR REPLACE TABLE {target} AS\n{query}\n")
    return target


@contextmanager
def open_raw(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection with warehouse ``db`` attached read-only as ``raw``,
    under the pipeline's memory limit; waits while an ingest holds the warehouse."""
    if not Path(db).exists():
        raise FileNotFoundError(
            f"No warehouse at {db}. Load data first: python app.py ingest DIR --db {db}")
    con = duckdb.connect(config={"memory_limit": connections.MEMORY_LIMIT})
    try:
        connections.retry_on_lock(
            lambda: con.execute("ATTACH ? AS raw (READ_ONLY)", [str(db)]), Path(db))
        yield con
    finally:
        con.close()


def compute_features(
    db: Path, cutoff_at: datetime, name: str = "customer_features"
) -> pd.DataFrame:
    """Feature set ``name`` of warehouse ``db`` as of ``cutoff_at``, as a frame ordered by its
    first column (the key)."""
    with open_raw(db) as con:
        table = build_features(con, name, cutoff_at)
        key = con.execute(f"SELECT * FROM {table} LIMIT 0").description[0][0]  # noqa: S608
        return con.sql(f'SELECT * FROM {table} ORDER BY "{key}"').df()  # noqa: S608
