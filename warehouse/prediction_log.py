"""The prediction log: every score a model gave, kept to compare with what happened later.

Append-only and apart from the snapshots (which a refresh prunes): Parquet files under
``<db stem>.predictions/model=<model>/as_of=<date>/v<version>.parquet``, one file per model,
scoring date and model version. Re-scoring the same model version for the same date rewrites
that one file, so it replaces those rows and never duplicates them; other dates and versions are
untouched. A file is written under a temporary name in its folder and renamed into place, so a
reader sees the old rows or the new ones, never a part.

DuckDB reads the whole log as one table through ``predictions_sql`` (hive partitioning turns the
folder names into the ``model`` and ``as_of`` columns). Writes go through Arrow and DuckDB, never
a Python loop over rows: millions of scores take seconds.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.clock import utc_now
from warehouse.commands.model_registry import check_model_name

PREDICTIONS_SUFFIX = ".predictions"
REQUIRED_COLUMNS = ("customer_id", "score")
OPTIONAL_COLUMNS = ("item_id",)
# The columns of the log, in this order; model and as_of come from the folder names.
COLUMNS_SQL = """
    CAST(model AS VARCHAR) AS model,
    CAST(version AS INTEGER) AS version,
    CAST(scored_at AS TIMESTAMP) AS scored_at,
    CAST(as_of AS DATE) AS as_of,
    CAST(customer_id AS VARCHAR) AS customer_id,
    CAST(item_id AS VARCHAR) AS item_id,
    CAST(score AS DOUBLE) AS score,
    CAST(horizon_days AS INTEGER) AS horizon_days
"""
EMPTY_SQL = f"SELECT {COLUMNS_SQL} FROM (SELECT NULL AS model, NULL AS version, NULL AS " \
            "scored_at, NULL AS as_of, NULL AS customer_id, NULL AS item_id, NULL AS score, " \
            "NULL AS horizon_days) WHERE false"  # noqa: S608 -- constants only

# Rows the log refuses: without a customer, without a usable score, repeated.
CHECKS_SQL = """
SELECT
    count(*) FILTER (WHERE customer_id IS NULL),
    count(*) FILTER (WHERE score IS NULL OR NOT isfinite(score)),
    count(*) - count(DISTINCT (customer_id, item_id))
FROM incoming
"""

FILE_SQL = """
SELECT
    CAST($version AS INTEGER) AS version,
    CAST($scored_at AS TIMESTAMP) AS scored_at,
    customer_id,
    item_id,
    score,
    CAST($horizon_days AS INTEGER) AS horizon_days
FROM incoming
"""


def predictions_dir(db: Path) -> Path:
    """The log of warehouse ``db``: ``<db stem>.predictions``."""
    return db.with_name(db.stem + PREDICTIONS_SUFFIX)


def partition_path(folder: Path, model: str, as_of: date, version: int) -> Path:
    """The one file holding ``model`` version ``version``'s scores as of ``as_of``."""
    return folder / f"model={model}" / f"as_of={as_of.isoformat()}" / f"v{version}.parquet"


def _incoming(frame: pd.DataFrame | pa.Table) -> pa.Table:
    """The frame's columns as an Arrow table with the log's types; refuses unknown columns."""
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(
        frame, preserve_index=False)
    names = set(table.column_names)
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise ValueError(f"predictions need column(s) {', '.join(missing)}")
    unknown = sorted(names - set(REQUIRED_COLUMNS) - set(OPTIONAL_COLUMNS))
    if unknown:
        raise ValueError(f"predictions have column(s) the log does not keep: "
                         f"{', '.join(unknown)} (expected customer_id, score, item_id)")
    if "item_id" not in names:
        table = table.append_column("item_id", pa.nulls(table.num_rows, pa.string()))
    try:
        return pa.table({
            "customer_id": table["customer_id"].cast(pa.string()),
            "item_id": table["item_id"].cast(pa.string()),
            "score": table["score"].cast(pa.float64()),
        })
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise ValueError(f"predictions: {error}") from error


def write_predictions(
    folder: Path,
    frame: pd.DataFrame | pa.Table,
    *,
    model: str,
    version: int,
    as_of: date,
    horizon_days: int,
    scored_at: datetime | None = None,
) -> Path:
    """Store ``frame``'s scores (customer_id, score, optional item_id) as ``model`` version
    ``version``'s predictions as of ``as_of`` for the next ``horizon_days`` days; return the file.

    Replaces whatever that model version scored for that date before. Raises ValueError for a
    missing or unknown column, a missing customer_id, a score that is missing or not finite, or
    the same (customer_id, item_id) twice; nothing is written then.
    """
    check_model_name(model)
    if int(version) < 1 or int(horizon_days) < 1:
        raise ValueError(f"version and horizon_days must be at least 1, got {version} and "
                         f"{horizon_days}")
    incoming = _incoming(frame)
    with duckdb.connect() as con:
        con.register("incoming", incoming)
        [(no_customer, bad_score, duplicates)] = con.sql(CHECKS_SQL).fetchall()
        problems = [f"{count:,} {what}" for count, what in (
            (no_customer, "row(s) without customer_id"),
            (bad_score, "missing or non-finite score(s)"),
            (duplicates, "repeated (customer_id, item_id) pair(s)")) if count]
        if problems:
            raise ValueError(f"predictions of {model!r} v{version} as of {as_of} not written: "
                             + "; ".join(problems))
        rows = con.sql(FILE_SQL, params={
            "version": int(version), "scored_at": scored_at or utc_now(),
            "horizon_days": int(horizon_days),
        }).to_arrow_table()
    target = partition_path(folder, model, as_of, int(version))
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=".writing-", suffix=".tmp")
    os.close(handle)
    try:
        pq.write_table(rows, name)
        os.replace(name, target)
    finally:
        Path(name).unlink(missing_ok=True)
    return target


def predictions_sql(folder: Path) -> str:
    """A SELECT over the whole log (columns model, version, scored_at, as_of, customer_id,
    item_id, score, horizon_days); empty, with those columns, before the first write."""
    if not any(folder.glob("model=*/as_of=*/v*.parquet")):
        return EMPTY_SQL
    pattern = str(folder / "model=*" / "as_of=*" / "v*.parquet").replace("'", "''")
    return (f"SELECT {COLUMNS_SQL} FROM read_parquet('{pattern}', hive_partitioning = true, "  # noqa: S608
            "hive_types = {'model': VARCHAR, 'as_of': DATE})")


def read_predictions(con: duckdb.DuckDBPyConnection, folder: Path) -> duckdb.DuckDBPyRelation:
    """The log as a relation on ``con``, to filter, join or fetch."""
    return con.sql(predictions_sql(folder))
