"""Scoring one item for every customer with a trained item propensity model.

Reads only the training's results file (``<db stem>.promote/v<version>.duckdb``, written by
``warehouse.promote.job``): the feature tables as of the end of the data and the model's numbers.
One item's rows are a scan of its slice of the pair table (stored sorted by item) joined to the
customers, so scoring every customer for one picked item stays interactive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analytics.propensity.design import design_matrix
from analytics.propensity.models import LinearParams, linear_probability
from warehouse.promote.job import PARAMS_TABLE, results_dir
from warehouse.schema.promote import FEATURE_TABLES, SETTINGS_TABLE, rows_sql

_VERSION_FILE = re.compile(r"v(\d+)\.duckdb")


class NoPropensityModelError(RuntimeError):
    """No item propensity model has been trained for the warehouse."""


def latest_results(db: Path) -> Path:
    """The newest training's results file of warehouse ``db``."""
    folder = results_dir(Path(db))
    found = sorted((int(m.group(1)), path) for path in folder.glob("v*.duckdb")
                   if (m := _VERSION_FILE.fullmatch(path.name)))
    if not found:
        raise NoPropensityModelError(
            f"no item propensity model for {db}: run python app.py promote-train --db {db}")
    return found[-1][1]


@dataclass(frozen=True)
class ItemScores:
    """Every customer's probability of buying ``item_id`` in a large enough basket within the
    horizon after ``cutoff_at``, most likely first."""

    item_id: str
    category: str | None
    price_amount: float | None
    version: int
    cutoff_at: object
    min_basket: int
    horizon_days: int
    scores: pd.DataFrame  # customer_id, probability


def score_item(db: Path, item_id: str, *, results: Path | None = None) -> ItemScores:
    """Score every customer for ``item_id`` with the latest model (or ``results``).

    ValueError for an item the model's data does not know."""
    results = results or latest_results(Path(db))
    item_id = str(item_id).strip()
    con = duckdb.connect(str(results), read_only=True)
    try:
        item = con.execute(
            f"SELECT category, price_amount FROM {FEATURE_TABLES['promote_items']} "  # noqa: S608
            "WHERE item_id = ?", [item_id]).fetchone()
        if item is None:
            raise ValueError(f"item {item_id!r} is neither in the catalogue nor sold before "
                             "the model's cut-off")
        [(version, intercept)] = con.execute(
            "SELECT version, intercept FROM promote_run").fetchall()
        [(min_basket, horizon, cutoff_at)] = con.execute(
            f"SELECT min_basket, horizon_days, cutoff_at FROM {SETTINGS_TABLE}"  # noqa: S608
        ).fetchall()
        params = LinearParams.from_frame(
            con.execute(f"SELECT * FROM {PARAMS_TABLE}").df(), intercept)  # noqa: S608
        con.execute("CREATE TEMP TABLE candidates AS SELECT CAST(? AS VARCHAR) AS item_id",
                    [item_id])
        rows = con.execute(rows_sql(*FEATURE_TABLES.values(), "candidates")).df()
    finally:
        con.close()
    probability = (linear_probability(design_matrix(rows, horizon), params) if len(rows)
                   else np.empty(0))
    scores = pd.DataFrame({"customer_id": rows["customer_id"].astype(str),
                           "probability": probability})
    scores = scores.sort_values(["probability", "customer_id"], ascending=[False, True],
                                kind="stable").reset_index(drop=True)
    return ItemScores(item_id, item[0], item[1], int(version), cutoff_at, int(min_basket),
                      int(horizon), scores)
