"""Read queries for the CLV page, over a snapshot's ``customer_clv``, ``clv_inputs``,
``clv_holdout`` and ``model_params`` (written by ``warehouse/pipeline/steps/clv.py``).

Every function takes a (read-only) connection or cursor and returns a fully fetched frame.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.clv_constants import TOP_FREQUENCY_BUCKET

CLV_DISTRIBUTION_SQL = """
WITH clv AS (
    SELECT clv_amount FROM customer_clv WHERE clv_amount IS NOT NULL
),

bounds AS (
    -- bins span [min, 99th percentile]; the long tail above falls in the last bin
    SELECT
        min(clv_amount) AS low,
        max(clv_amount) AS high,
        greatest(quantile_cont(clv_amount, 0.99) - min(clv_amount), 0) / $bins AS width
    FROM clv
),

binned AS (
    SELECT
        CASE WHEN bounds.width = 0 THEN 0
            ELSE least(CAST(floor((clv.clv_amount - bounds.low) / bounds.width) AS INTEGER),
                       $bins - 1)
        END AS bin_index,
        count(*) AS customers
    FROM clv, bounds
    GROUP BY ALL
),

bins AS (
    SELECT CAST(range AS INTEGER) AS bin_index FROM range($bins)
)

SELECT
    bins.bin_index,
    bounds.low + bins.bin_index * bounds.width AS bin_start,
    CASE WHEN bins.bin_index = $bins - 1 THEN bounds.high
        ELSE bounds.low + (bins.bin_index + 1) * bounds.width END AS bin_end,
    coalesce(binned.customers, 0) AS customers
FROM bins
CROSS JOIN bounds
LEFT JOIN binned USING (bin_index)
WHERE bounds.low IS NOT NULL AND (bounds.width > 0 OR bins.bin_index = 0)
ORDER BY bins.bin_index
"""

# P(alive) depends on how often and how long ago a buyer bought: buckets of repeat purchase days
# (0…6, 7+) × days since the last purchase (equal-width buckets up to the longest gap).
P_ALIVE_MATRIX_SQL = """
WITH buyers AS (
    SELECT
        least(frequency, $top_frequency) AS frequency_bucket,
        days_since_purchase,
        p_alive
    FROM customer_clv
    WHERE p_alive IS NOT NULL
),

width AS (
    SELECT greatest(CAST(ceil((max(days_since_purchase) + 1) / $day_buckets) AS BIGINT), 1)
        AS days
    FROM buyers
)

SELECT
    CAST(frequency_bucket AS INTEGER) AS frequency_bucket,
    CASE WHEN frequency_bucket = $top_frequency THEN frequency_bucket || '+'
        ELSE CAST(frequency_bucket AS VARCHAR) END AS frequency_label,
    CAST(days_since_purchase // width.days AS INTEGER) AS days_bucket,
    (days_since_purchase // width.days) * width.days AS days_start,
    (days_since_purchase // width.days + 1) * width.days - 1 AS days_end,
    count(*) AS customers,
    avg(p_alive) AS mean_p_alive
FROM buyers, width
GROUP BY ALL
ORDER BY frequency_bucket, days_bucket
"""

TOP_CUSTOMERS_SQL = """
SELECT
    customer_id,
    frequency,
    recency,
    "T",
    monetary_value,
    first_purchase_value,
    p_alive,
    expected_purchases_90,
    expected_purchases_365,
    clv_amount,
    days_since_purchase,
    is_one_time_buyer
FROM customer_clv
WHERE clv_amount IS NOT NULL
ORDER BY clv_amount DESC, customer_id
LIMIT ?
"""

MODEL_PARAMS_SQL = """
SELECT model, parameter, value, standard_error, time_unit, calibration_end, fitted_at, note
FROM model_params
WHERE list_contains(?, model)
ORDER BY model, parameter
"""

HOLDOUT_SQL = """
SELECT
    frequency_bucket,
    CASE WHEN frequency_bucket = ? THEN frequency_bucket || '+'
        ELSE CAST(frequency_bucket AS VARCHAR) END AS frequency_label,
    customers,
    predicted_mean,
    actual_mean,
    baseline_mean
FROM clv_holdout
ORDER BY frequency_bucket
"""

CORRELATION_WARNING_SQL = """
SELECT note
FROM model_params
WHERE model = 'gamma_gamma' AND parameter = 'freq_monetary_corr' AND note IS NOT NULL
ORDER BY fitted_at DESC
LIMIT 1
"""

PURCHASE_MODEL_SQL = """
SELECT note
FROM model_params
WHERE model = 'clv' AND parameter = 'purchase_model' AND note IS NOT NULL
LIMIT 1
"""

CLV_MODELS = (
    "bg_nbd", "mbg_nbd", "gamma_gamma", "clv", "bg_nbd_calibration", "mbg_nbd_calibration",
    "validation", "validation_bg_nbd", "validation_mbg_nbd",
)


def _positive(value: int, name: str) -> int:
    if int(value) < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def clv_distribution(con: duckdb.DuckDBPyConnection, bins: int = 20) -> pd.DataFrame:
    """Histogram of ``clv_amount``: ``bin_index, bin_start, bin_end, customers`` (equal-width bins
    up to the 99th percentile; the last bin reaches the maximum). Empty without CLV values."""
    return con.execute(CLV_DISTRIBUTION_SQL, {"bins": _positive(bins, "bins")}).df()


def p_alive_matrix(con: duckdb.DuckDBPyConnection, day_buckets: int = 10) -> pd.DataFrame:
    """Mean P(alive) by repeat purchase days (0…6, 7+) × days since the last purchase
    (equal-width buckets): ``frequency_bucket, frequency_label, days_bucket, days_start,
    days_end, customers, mean_p_alive``; only non-empty cells."""
    params = {
        "day_buckets": _positive(day_buckets, "day_buckets"),
        "top_frequency": TOP_FREQUENCY_BUCKET,
    }
    return con.execute(P_ALIVE_MATRIX_SQL, params).df()


def top_customers(con: duckdb.DuckDBPyConnection, limit: int = 20) -> pd.DataFrame:
    """The ``limit`` customers with the highest CLV: ``customer_id, frequency, recency, T,
    monetary_value, first_purchase_value`` (BTYD inputs, days), ``p_alive,
    expected_purchases_90, _365, clv_amount, days_since_purchase, is_one_time_buyer``."""
    return con.execute(TOP_CUSTOMERS_SQL, [_positive(limit, "limit")]).df()


def model_parameters(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The CLV step's rows of ``model_params``: fitted parameters, validation metrics, notes."""
    return con.execute(MODEL_PARAMS_SQL, [list(CLV_MODELS)]).df()


def holdout_chart(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Predicted vs actual vs baseline holdout purchases per customer, by calibration frequency."""
    return con.execute(HOLDOUT_SQL, [TOP_FREQUENCY_BUCKET]).df()


def purchase_model(con: duckdb.DuckDBPyConnection) -> str | None:
    """The purchase model behind P(alive), expected purchases and CLV ("bg_nbd" or "mbg_nbd"),
    None when none could be fitted."""
    rows = con.execute(PURCHASE_MODEL_SQL).fetchall()  # fully: the cursor serves later reads
    return rows[0][0] if rows else None


def correlation_warning(con: duckdb.DuckDBPyConnection) -> str | None:
    """The Gamma-Gamma independence warning (frequency vs spend correlated), or None."""
    rows = con.execute(CORRELATION_WARNING_SQL).fetchall()
    return rows[0][0] if rows else None
