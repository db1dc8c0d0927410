"""The BTYD model input (frequency, recency, T, monetary_value), computed once, in SQL.

One row per buyer with a purchase on or before the cut-off; key ``customer_id``. Follows the
conventions of lifetimes' ``summary_data_from_transaction_data`` (Fader, Hardie & Lee 2005):

* time unit: days; purchases are aggregated per customer per calendar day (``order_date``);
* ``frequency``: purchase days − 1 (repeat purchase days);
* ``recency``: days from the first to the last purchase day;
* ``T``: days from the first purchase day to the cut-off;
* ``monetary_value``: mean amount of the repeat purchase days (the first day excluded), 0 when
  frequency = 0;
* ``first_purchase_value``: the amount of the first purchase day (sum of its line amounts), which
  lets a one-time buyer's own order inform their expected spend (``analytics.clv.gamma_gamma``).

It is needed at several cut-offs (the refresh date, and the calibration end for the holdout
check), hence a parameterised query rather than a mart file. Reads the ``order_lines`` mart.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

# Calibration summary at $cutoff, plus the purchase days in the holdout ($cutoff, $holdout_end].
# With $holdout_end = $cutoff it is the plain summary (actual_purchases all 0).
SUMMARY_SQL = """
WITH purchase_days AS (
    SELECT
        customer_id,
        order_date AS purchase_date,
        CAST(sum(line_amount) AS DOUBLE) AS day_amount
    FROM order_lines
    WHERE customer_id IS NOT NULL AND order_date <= $holdout_end
    GROUP BY customer_id, order_date
),

calibration_days AS (
    SELECT
        *,
        min(purchase_date) OVER (PARTITION BY customer_id) AS first_date
    FROM purchase_days
    WHERE purchase_date <= $cutoff
),

summary AS (
    SELECT
        customer_id,
        count(*) - 1 AS frequency,
        datediff('day', first_date, max(purchase_date)) AS recency,
        datediff('day', first_date, CAST($cutoff AS DATE)) AS "T",
        coalesce(avg(day_amount) FILTER (WHERE purchase_date > first_date), 0.0)
            AS monetary_value,
        coalesce(sum(day_amount) FILTER (WHERE purchase_date = first_date), 0.0)
            AS first_purchase_value
    FROM calibration_days
    GROUP BY customer_id, first_date
),

holdout AS (
    SELECT customer_id, count(*) AS actual_purchases
    FROM purchase_days
    WHERE purchase_date > $cutoff
    GROUP BY customer_id
)

SELECT
    summary.customer_id,
    CAST(summary.frequency AS BIGINT) AS frequency,
    CAST(summary.recency AS BIGINT) AS recency,
    CAST(summary."T" AS BIGINT) AS "T",
    summary.monetary_value,
    summary.first_purchase_value,
    CAST(coalesce(holdout.actual_purchases, 0) AS BIGINT) AS actual_purchases
FROM summary
LEFT JOIN holdout USING (customer_id)
ORDER BY summary.customer_id
"""

INSERT_INPUTS_SQL = f"""
INSERT INTO clv_inputs
SELECT customer_id, frequency, recency, "T", monetary_value, first_purchase_value
FROM ({SUMMARY_SQL})
"""  # noqa: S608 -- constant SQL


def calibration_holdout(
    con: duckdb.DuckDBPyConnection, calibration_end: date, holdout_end: date
) -> pd.DataFrame:
    """The summary at ``calibration_end`` for calibration buyers, plus ``actual_purchases``: their
    purchase days in (``calibration_end``, ``holdout_end``]. Buyers first seen in the holdout are
    excluded, as in lifetimes' ``calibration_and_holdout_data``."""
    if holdout_end <= calibration_end:
        raise ValueError(
            f"holdout end {holdout_end} must be after the calibration end {calibration_end}"
        )
    return con.execute(SUMMARY_SQL, {"cutoff": calibration_end, "holdout_end": holdout_end}).df()


def first_order_date(con: duckdb.DuckDBPyConnection, as_of: date) -> date | None:
    """The first purchase day on or before ``as_of`` (None without purchases): the data's start."""
    row = con.execute(
        "SELECT min(order_date) FROM order_lines WHERE order_date <= ?", [as_of]
    ).fetchone()
    return row[0] if row else None


def write_clv_inputs(con: duckdb.DuckDBPyConnection, as_of: date) -> pd.DataFrame:
    """(Re)create the ``clv_inputs`` table at ``as_of`` and return its rows."""
    con.execute(
        """
        CREATE OR REPLACE TABLE clv_inputs (
            customer_id VARCHAR NOT NULL,
            frequency BIGINT NOT NULL,
            recency BIGINT NOT NULL,
            "T" BIGINT NOT NULL,
            monetary_value DOUBLE NOT NULL,
            first_purchase_value DOUBLE NOT NULL
        )
        """
    )
    con.execute(INSERT_INPUTS_SQL, {"cutoff": as_of, "holdout_end": as_of})
    return con.execute("SELECT * FROM clv_inputs ORDER BY customer_id").df()
