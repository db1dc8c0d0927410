"""Refresh step: copy campaigns into the snapshot, measure each customer's outcome, test the lift.

Tables written (after ``customers``, so segments can be filled in):

* ``campaigns`` — the operational store's campaigns plus ``measured_until_at`` (end of the
  measurement window, min(ends_at, end of the as-of day)) and ``status``
  ('scheduled' | 'running' | 'completed');
* ``campaign_assignments`` — as stored at launch; a NULL segment (imported campaigns) is filled
  from today's ``customers``;
* ``campaign_outcomes`` — one row per campaign × assigned customer, key (campaign_id,
  customer_id): group_name, segment, is_converted, count_orders, gmv_amount (currency units),
  counting ``order_lines`` with launched_at ≤ ordered_at < measured_until_at;
* ``campaign_results`` — one row per campaign × metric (conversion, orders_per_customer,
  gmv_per_customer): group sizes, control and treatment means, absolute and relative lift with
  95 % CI, p-value, SRM p-value and flag (``analytics.experiment_results``).
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from analytics.experiment_results import experiment_results
from warehouse.ops_schema import CAMPAIGN_TABLES_DDL
from warehouse.store import open_ops

RESULTS_DDL = """
CREATE TABLE IF NOT EXISTS campaign_outcomes (
    campaign_id VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    group_name VARCHAR NOT NULL,
    segment VARCHAR,
    is_converted BOOLEAN NOT NULL,
    count_orders BIGINT NOT NULL,
    gmv_amount DOUBLE NOT NULL,
    PRIMARY KEY (campaign_id, customer_id)
);
CREATE TABLE IF NOT EXISTS campaign_results (
    campaign_id VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,           -- conversion | orders_per_customer | gmv_per_customer
    n_control BIGINT,
    n_treatment BIGINT,
    control_mean DOUBLE,
    treatment_mean DOUBLE,
    abs_lift DOUBLE,                   -- treatment − control
    abs_ci_low DOUBLE,
    abs_ci_high DOUBLE,
    rel_lift DOUBLE,                   -- treatment / control − 1
    rel_ci_low DOUBLE,
    rel_ci_high DOUBLE,
    p_value DOUBLE,
    srm_p_value DOUBLE,
    is_srm BOOLEAN,
    PRIMARY KEY (campaign_id, metric)
);
"""

WINDOW_SQL = """
ALTER TABLE campaigns ADD COLUMN measured_until_at TIMESTAMP;
ALTER TABLE campaigns ADD COLUMN status VARCHAR;
UPDATE campaigns SET
    measured_until_at = greatest(launched_at, least(ends_at, getvariable('outcome_cutoff_at'))),
    status = CASE
        WHEN launched_at >= getvariable('outcome_cutoff_at') THEN 'scheduled'
        WHEN ends_at > getvariable('outcome_cutoff_at') THEN 'running'
        ELSE 'completed'
    END;
"""

FILL_SEGMENTS_SQL = """
UPDATE campaign_assignments AS a SET segment = c.segment
FROM customers AS c
WHERE a.segment IS NULL AND c.customer_id = a.customer_id
"""

OUTCOMES_SQL = """
INSERT INTO campaign_outcomes
WITH

assignments AS (SELECT * FROM campaign_assignments),
windows AS (SELECT campaign_id, launched_at, measured_until_at FROM campaigns),

window_orders AS (
    SELECT a.campaign_id, a.customer_id,
           count(DISTINCT o.order_id) AS count_orders,
           sum(o.line_amount) AS gmv_amount
    FROM assignments AS a
    JOIN windows AS w USING (campaign_id)
    JOIN order_lines AS o
      ON o.customer_id = a.customer_id
     AND o.ordered_at >= w.launched_at
     AND o.ordered_at < w.measured_until_at
    GROUP BY a.campaign_id, a.customer_id
)

SELECT a.campaign_id, a.customer_id, a.group_name, a.segment,
       coalesce(o.count_orders, 0) > 0 AS is_converted,
       coalesce(o.count_orders, 0) AS count_orders,
       coalesce(o.gmv_amount, 0) AS gmv_amount
FROM assignments AS a
LEFT JOIN window_orders AS o USING (campaign_id, customer_id)
"""


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    sql = "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary"
    [(count,)] = con.execute(sql, [name]).fetchall()
    return count > 0


def _copy_from_ops(con: duckdb.DuckDBPyConnection, ctx: Any) -> None:
    with open_ops(ctx.db) as ops:
        tables = {name: ops.sql(f"SELECT * FROM {name}").to_arrow_table()  # noqa: S608
                  for name in ("campaigns", "campaign_assignments")}  # fixed names
    con.execute(CAMPAIGN_TABLES_DDL)
    for name, table in tables.items():
        con.register("ops_frame", table)
        try:
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM ops_frame")  # noqa: S608
        finally:
            con.unregister("ops_frame")


def _results(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    campaigns = con.execute(
        "SELECT campaign_id, control_share FROM campaigns WHERE status <> 'scheduled' "
        "ORDER BY campaign_id"
    ).fetchall()
    frames = []
    for campaign_id, control_share in campaigns:  # one test per campaign, not per customer
        outcomes = con.execute(
            "SELECT group_name, is_converted, count_orders, gmv_amount FROM campaign_outcomes "
            "WHERE campaign_id = ?", [campaign_id]
        ).df()
        frames.append(experiment_results(outcomes, control_share).assign(campaign_id=campaign_id))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def build_campaign_outcomes(con: duckdb.DuckDBPyConnection, ctx: Any) -> None:
    """Write ``campaigns``, ``campaign_assignments``, ``campaign_outcomes``, ``campaign_results``.

    Needs ``order_lines`` (and uses ``customers`` when present); ``ctx`` gives ``db`` and
    ``cutoff_at`` (first instant after the as-of day).
    """
    _copy_from_ops(con, ctx)
    con.execute("SET VARIABLE outcome_cutoff_at = CAST(? AS TIMESTAMP)", [ctx.cutoff_at])
    con.execute(WINDOW_SQL)
    if _has_table(con, "customers"):
        con.execute(FILL_SEGMENTS_SQL)
    con.execute(RESULTS_DDL)
    con.execute(OUTCOMES_SQL)
    results = _results(con)
    if not results.empty:
        con.register("results_frame", results)
        try:
            con.execute("INSERT INTO campaign_results BY NAME SELECT * FROM results_frame")
        finally:
            con.unregister("results_frame")
