"""The daily list's cache of point-in-time facts: each report date's candidates with their
features, and (once its window has closed) what they bought.

``ensure`` computes whatever is missing or stale for a set of report dates in one pass over
their cut-offs, oldest first: at cut-off C it builds the features of report date C and the
outcomes of report date C − horizon, whose window ends at C. A cached file is stale when the raw
tables hold a different number of rows before its cut-off than when it was computed
(``data.fingerprints``): a load added rows dated before it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from warehouse.daily import data
from warehouse.daily.store import DailyStore, read_fingerprint, read_frame, write_frame

log = logging.getLogger(__name__)

OUTCOME_COLUMNS = ("is_converted", "count_window_orders", "window_amount")
THREADS = 2
# The window: each day's cached candidates joined with their cached outcomes.
WINDOW_SQL = """
WITH window_rows AS (
    SELECT
        candidate.*,
        outcome.report_date,
        outcome.is_converted,
        outcome.count_window_orders,
        outcome.window_amount
    FROM read_parquet($features) AS candidate
    INNER JOIN read_parquet($outcomes) AS outcome
        ON outcome.customer_id = candidate.customer_id
       AND outcome.report_date = CAST(candidate.cutoff_at AS DATE)
)
"""
COUNT_SQL = WINDOW_SQL + """
SELECT count(*), count(*) FILTER (WHERE is_converted) FROM window_rows
"""
# A candidate who did not buy is kept when the hash of (customer id, report date), uniform in
# [0, 1), falls below the sampling rate (md5 as a well-mixed, portable digest).
SAMPLE_SQL = WINDOW_SQL + """
SELECT *, NOT is_converted AND $rate < 1.0 AS is_sampled
FROM window_rows
WHERE is_converted OR $rate >= 1.0
   OR CAST(CAST('0x' || substr(md5(customer_id || ':' || CAST(report_date AS VARCHAR)), 1, 13)
               AS BIGINT) AS DOUBLE) / 4503599627370496.0 < $rate
ORDER BY report_date, customer_id
"""

def ensure(
    con: duckdb.DuckDBPyConnection,
    store: DailyStore,
    *,
    feature_days: Iterable[date],
    outcome_days: Iterable[date],
    horizon_days: int,
    refresh: bool = False,
) -> dict[str, int]:
    """Make the cache hold the features of ``feature_days`` and the outcomes of
    ``outcome_days`` (whose windows must have closed); ``refresh`` recomputes them all.
    Returns how many files were computed: ``{"features": n, "outcomes": m}``."""
    horizon = timedelta(days=horizon_days)
    outcome_days = sorted(set(outcome_days))
    feature_days = sorted(set(feature_days) | set(outcome_days))  # outcomes need candidates
    cutoffs = sorted(set(feature_days) | {day + horizon for day in outcome_days})
    counts = data.fingerprints(con, cutoffs)
    stale_features = [day for day in feature_days
                      if refresh or read_fingerprint(store.features(day)) != counts[day]]
    stale_outcomes = [day for day in outcome_days
                      if refresh or read_fingerprint(store.outcomes(day)) != counts[day + horizon]]
    work = sorted(set(stale_features) | {day + horizon for day in stale_outcomes})
    for cutoff in work:
        data.point_at(con, cutoff)
        if cutoff in stale_features:
            write_frame(store.features(cutoff), data.candidate_features(con), counts[cutoff])
        day = cutoff - horizon
        if day in stale_outcomes:
            ids = read_frame(store.features(day))["customer_id"]
            write_frame(store.outcomes(day), data.outcomes(con, day, ids, horizon_days),
                        counts[cutoff])
    if work:
        log.info("daily cache: computed %d feature and %d outcome file(s)",
                 len(stale_features), len(stale_outcomes))
    return {"features": len(stale_features), "outcomes": len(stale_outcomes)}


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
    stands for the window and probabilities stay calibrated.
    """
    days = sorted(set(days))
    if not days:
        raise ValueError("no report dates to learn from")
    files = {"features": [str(store.features(day)) for day in days],
             "outcomes": [str(store.outcomes(day)) for day in days]}
    with duckdb.connect(config={"threads": THREADS}) as con:
        [(total, buyers)] = con.execute(COUNT_SQL, files).fetchall()
        rate = 1.0
        if max_rows is not None and total > max_rows and total > buyers:
            rate = max(min((max_rows - buyers) / (total - buyers), 1.0), 1e-6)
        frame = con.execute(SAMPLE_SQL, {**files, "rate": rate}).df()
    weights = np.where(frame.pop("is_sampled").to_numpy(dtype=bool), 1.0 / rate, 1.0)
    return frame, weights

