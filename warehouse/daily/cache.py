"""The daily list's cache of point-in-time facts: each report date's candidates with their
features, and (once its window has closed) what they bought.

``ensure`` computes whatever is missing or stale for a set of report dates, oldest first, in
one pass over the data per batch of ``BATCH_DAYS`` dates (``data.candidate_features_by_date``
and ``data.outcomes_by_date``, which give each date exactly what the feature set gives at its
own cut-off): the features of report date D as of D, the outcomes of D as of D + horizon, when
its window has closed. A cached file is stale when the raw
tables hold a different number of rows before its cut-off than when it was computed
(``data.fingerprints``): a load added rows dated before it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from warehouse.daily import data
from warehouse.daily.store import DailyStore, read_fingerprint, read_frame, write_frame

log = logging.getLogger(__name__)

OUTCOME_COLUMNS = ("is_converted", "count_window_orders", "window_amount")
# Report dates computed in one pass over the data: each pass scans every event, and its memory
# grows with the candidates of its dates (about 140,000 a day at scale 10).
BATCH_DAYS = 8

def ensure(
    con: duckdb.DuckDBPyConnection,
    store: DailyStore,
    *,
    feature_days: Iterable[date],
    outcome_days: Iterable[date],
    horizon_days: int,
    refresh: bool = False,
    checked: set[tuple[str, date]] | None = None,
) -> dict[str, int]:
    """Make the cache hold the features of ``feature_days`` and the outcomes of
    ``outcome_days`` (whose windows must have closed); ``refresh`` recomputes them all.
    ``checked``: files this process already made current (``("features", day)``,
    ``("outcomes", day)``), skipped and added to (a backtest checks each once, not every day).
    Returns how many files were computed: ``{"features": n, "outcomes": m}``."""
    horizon = timedelta(days=horizon_days)
    done = set() if checked is None or refresh else checked
    outcome_days = sorted(set(outcome_days) - {day for kind, day in done if kind == "outcomes"})
    feature_days = sorted((set(feature_days) | set(outcome_days))  # outcomes need candidates
                          - {day for kind, day in done if kind == "features"})
    cutoffs = sorted(set(feature_days) | {day + horizon for day in outcome_days})
    counts = data.fingerprints(con, cutoffs)
    stale_features = [day for day in feature_days
                      if refresh or read_fingerprint(store.features(day)) != counts[day]]
    stale_outcomes = [day for day in outcome_days
                      if refresh or read_fingerprint(store.outcomes(day)) != counts[day + horizon]]
    # one pass over the data per batch of stale dates, pointed at the batch's latest cut-off
    for batch in _batches(stale_features):
        data.point_batch(con, batch[-1])
        for day, frame in data.candidate_features_by_date(con, batch):
            write_frame(store.features(day), frame, counts[day])
    for batch in _batches(stale_outcomes):
        data.point_batch(con, batch[-1] + horizon)
        ids = {day: read_frame(store.features(day))["customer_id"] for day in batch}
        for day, frame in data.outcomes_by_date(con, ids, horizon_days):
            write_frame(store.outcomes(day), frame, counts[day + horizon])
    if stale_features or stale_outcomes:
        log.info("daily cache: computed %d feature and %d outcome file(s)",
                 len(stale_features), len(stale_outcomes))
    if checked is not None:
        checked.update({("features", day) for day in feature_days}
                       | {("outcomes", day) for day in outcome_days})
    return {"features": len(stale_features), "outcomes": len(stale_outcomes)}


def _batches(days: list[date]) -> Iterator[list[date]]:
    """``days`` (sorted) in runs of at most ``BATCH_DAYS``."""
    for start in range(0, len(days), BATCH_DAYS):
        yield days[start:start + BATCH_DAYS]


def features(store: DailyStore, day: date) -> pd.DataFrame:
    """Report date ``day``'s candidates and features, as cached."""
    return read_frame(store.features(day))


def outcomes(store: DailyStore, day: date) -> pd.DataFrame:
    """What report date ``day``'s candidates bought in its window, as cached."""
    return read_frame(store.outcomes(day))


def labelled(
    store: DailyStore, days: Iterable[date], max_rows: int | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """The cached candidates of ``days`` with their outcomes, and a weight per row.

    Rows: the features plus ``report_date`` and ``OUTCOME_COLUMNS``, by report date and
    customer id. Above ``max_rows`` candidates, every buyer is kept and the others are sampled
    at the rate that fills ``max_rows``, by a hash of (customer id, report date) so the same
    window always gives the same sample; a sampled row weighs 1 / rate, so the weighted sample
    stands for the window and probabilities stay calibrated. Days are read one at a time, so
    memory holds one day in full and the sample of the others.
    """
    days = sorted(set(days))
    if not days:
        raise ValueError("no report dates to learn from")
    outcomes = [pq.read_table(store.outcomes(day)) for day in days]
    total = sum(table.num_rows for table in outcomes)
    buyers = sum(int(pc.sum(table["is_converted"]).as_py() or 0) for table in outcomes)
    rate = 1.0
    if max_rows is not None and total > max_rows and total > buyers:
        rate = max(min((max_rows - buyers) / (total - buyers), 1.0), 1e-6)
    parts = []
    for day, outcome in zip(days, outcomes, strict=True):
        features = pq.read_table(store.features(day))
        if not features["customer_id"].equals(outcome["customer_id"]):
            raise RuntimeError(f"the cached features and outcomes of {day} list different "
                               "candidates: recompute them (python app.py daily --retrain)")
        table = features
        for name in ("report_date", *OUTCOME_COLUMNS):
            table = table.append_column(name, outcome[name])
        if rate < 1.0:
            keep = np.asarray(outcome["is_converted"]) | (_unit(outcome, day) < rate)
            table = table.filter(pa.array(keep))
        parts.append(table)
    frame = pa.concat_tables(parts).to_pandas()
    frame["report_date"] = pd.to_datetime(frame["report_date"])
    weights = np.where(frame["is_converted"].to_numpy(dtype=bool), 1.0, 1.0 / rate)
    return frame, weights


def _unit(outcome: pa.Table, day: date) -> np.ndarray:
    """A number in [0, 1) per candidate from a hash of (customer id, report date)."""
    keys = pd.Series(outcome["customer_id"].to_pylist(), dtype="string") + f":{day}"
    return pd.util.hash_pandas_object(keys, index=False).to_numpy() / 2.0**64
