"""Refresh step: copy campaigns into the snapshot, measure each customer's outcome, test the lift.

Tables written (after ``customers``, so segments can be filled in):

* ``campaigns`` — the operational store's campaigns plus ``measured_until_at`` (end of the
  measurement window, min(ends_at, end of the as-of day)) and ``status``
  ('scheduled' | 'running' | 'completed', ``warehouse.schema.campaigns.CAMPAIGN_STATUS_SQL``);
* ``campaign_assignments`` — as stored at launch; a NULL segment (imported campaigns) is filled
  from ``segment_snapshots`` at the last period end before the launch day (the segment the
  customer was in when targeted, not after), and stays NULL for customers not active by then;
* ``campaign_import_outcomes`` — the outcomes of campaigns run outside the product, as their
  results file gave them (``warehouse.commands.import_campaign_results``): campaign_id,
  customer_id, is_converted, revenue_amount (NULL without a revenue column);
* ``campaign_outcomes`` — one row per campaign × assigned customer, key (campaign_id,
  customer_id): group_name, segment, is_converted, count_orders, gmv_amount (currency units),
  counting ``order_lines`` with launched_at ≤ ordered_at < measured_until_at; for an imported
  campaign the file's outcome instead (count_orders 1 for a conversion, gmv_amount its revenue),
  and such a campaign is 'completed' whatever its dates;
* ``campaign_results`` — one row per campaign × metric (conversion, orders_per_customer,
  gmv_per_customer): group sizes, control and treatment means, absolute and relative lift with
  95 % CI, p-value, SRM p-value and flag (``analytics.experiments.results``); an imported
  campaign has conversion only, and GMV per customer when its file has revenue.

The operational store is only read: its campaigns and assignments arrive in chunks through the
command side (``campaign_chunks``, one read-only transaction); without a store the tables are
empty, and none is created.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from analytics.experiments.results import experiment_results
from warehouse.commands.campaigns.storage import campaign_chunks
from warehouse.frames import insert_frame
from warehouse.pipeline.registry import REGISTRY, Step
from warehouse.pipeline.steps.segment_snapshots import segments_at_sql
from warehouse.schema.campaigns import CAMPAIGN_STATUS_SQL, CAMPAIGN_TABLES_DDL

if TYPE_CHECKING:
    from warehouse.pipeline.context import RefreshContext

# The tables this step writes, created empty first.
TABLES_DDL = CAMPAIGN_TABLES_DDL + """
ALTER TABLE campaigns ADD COLUMN measured_until_at TIMESTAMP;
ALTER TABLE campaigns ADD COLUMN status VARCHAR;
CREATE TABLE campaign_outcomes (
    campaign_id VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    group_name VARCHAR NOT NULL,
    segment VARCHAR,
    is_converted BOOLEAN NOT NULL,
    count_orders BIGINT NOT NULL,
    gmv_amount DOUBLE NOT NULL,
    PRIMARY KEY (campaign_id, customer_id)
);
CREATE TABLE campaign_import_outcomes (
    campaign_id VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    is_converted BOOLEAN NOT NULL,
    revenue_amount DOUBLE,
    PRIMARY KEY (campaign_id, customer_id)
);
CREATE TABLE campaign_results (
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

WINDOW_SQL = f"""
UPDATE campaigns SET
    measured_until_at = greatest(launched_at, least(ends_at, $cutoff_at)),
    status = {CAMPAIGN_STATUS_SQL}
"""  # noqa: S608 -- a constant expression

# Campaigns measured by their results file are complete whatever their dates and the data.
IMPORTED_WINDOW_SQL = """
UPDATE campaigns SET measured_until_at = ends_at, status = 'completed'
WHERE campaign_id IN (SELECT DISTINCT campaign_id FROM campaign_import_outcomes)
"""

# Unfilled assignments with the last period end before their launch day: that snapshot's data
# cannot reflect the campaign.
FILL_WANTED_SQL = """
CREATE OR REPLACE TEMP TABLE fill_wanted AS
WITH launch_periods AS (
    SELECT campaigns.campaign_id, max(ends.period_end) AS period_end
    FROM campaigns
    JOIN (SELECT DISTINCT period_end FROM segment_sizes) AS ends
      ON ends.period_end < CAST(campaigns.launched_at AS DATE)
    GROUP BY campaigns.campaign_id
)
SELECT a.campaign_id, a.customer_id, launch_periods.period_end
FROM campaign_assignments AS a
JOIN launch_periods USING (campaign_id)
WHERE a.segment IS NULL
"""

FILL_SEGMENTS_SQL = f"""
UPDATE campaign_assignments AS a SET segment = found.segment
FROM fill_wanted AS wanted, ({segments_at_sql("fill_wanted")}) AS found
WHERE a.segment IS NULL
  AND wanted.campaign_id = a.campaign_id
  AND wanted.customer_id = a.customer_id
  AND found.period_end = wanted.period_end
  AND found.customer_id = wanted.customer_id
"""  # noqa: S608 -- composed from constants

OUTCOMES_SQL = """
INSERT INTO campaign_outcomes
WITH

assignments AS (SELECT * FROM campaign_assignments),
imported AS (SELECT * FROM campaign_import_outcomes),
windows AS (
    SELECT campaign_id, launched_at, measured_until_at FROM campaigns
    WHERE campaign_id NOT IN (SELECT campaign_id FROM imported)
),

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
       coalesce(i.is_converted, coalesce(o.count_orders, 0) > 0) AS is_converted,
       coalesce(CAST(i.is_converted AS BIGINT), o.count_orders, 0) AS count_orders,
       CASE WHEN i.campaign_id IS NOT NULL THEN coalesce(i.revenue_amount, 0)
            ELSE coalesce(o.gmv_amount, 0) END AS gmv_amount
FROM assignments AS a
LEFT JOIN window_orders AS o USING (campaign_id, customer_id)
LEFT JOIN imported AS i USING (campaign_id, customer_id)
"""


def _copy_from_ops(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> None:
    """Fill ``campaigns`` and ``campaign_assignments`` from the operational store, if any."""
    for table, chunk in campaign_chunks(ctx.db, ctx.ops_url):
        insert_frame(con, table, chunk)


# Per imported campaign, the metrics its file measures: conversion, and GMV with revenue.
IMPORTED_METRICS_SQL = """
SELECT campaign_id, count(revenue_amount) > 0 AS has_revenue
FROM campaign_import_outcomes GROUP BY campaign_id
"""


def _results(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    campaigns = con.execute(
        "SELECT campaign_id, control_share FROM campaigns WHERE status <> 'scheduled' "
        "ORDER BY campaign_id"
    ).fetchall()
    imported = dict(con.execute(IMPORTED_METRICS_SQL).fetchall())
    frames = []
    for campaign_id, control_share in campaigns:  # one test per campaign, not per customer
        outcomes = con.execute(
            "SELECT group_name, is_converted, count_orders, gmv_amount FROM campaign_outcomes "
            "WHERE campaign_id = ?", [campaign_id]
        ).df()
        results = experiment_results(outcomes, control_share).assign(campaign_id=campaign_id)
        if campaign_id in imported:
            measured = ["conversion"] + (["gmv_per_customer"] if imported[campaign_id] else [])
            results = results[results["metric"].isin(measured)]
        frames.append(results)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def build_campaign_outcomes(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> None:
    """Write ``campaigns``, ``campaign_assignments``, ``campaign_import_outcomes``,
    ``campaign_outcomes``, ``campaign_results``.

    Needs ``order_lines``, the parts of ``segment_snapshots`` and ``segment_sizes`` (its period
    ends); ``ctx`` gives ``db`` (whose operational store is read) and ``cutoff_at`` (first
    instant after the as-of day).
    """
    con.execute(TABLES_DDL)
    _copy_from_ops(con, ctx)
    con.execute(WINDOW_SQL, {"cutoff_at": ctx.cutoff_at})
    con.execute(IMPORTED_WINDOW_SQL)
    con.execute(FILL_WANTED_SQL)
    con.execute(FILL_SEGMENTS_SQL)
    con.execute("DROP TABLE fill_wanted")
    con.execute(OUTCOMES_SQL)
    insert_frame(con, "campaign_results", _results(con))


REGISTRY.register(Step(
    "campaign_outcomes", build_campaign_outcomes,
    reads=("order_lines", "customers", "segment_sizes", "snapshot_calendar",
           "snapshot_buyer_segments", "snapshot_non_buyer_states", "snapshot_profile_segments"),
    writes=("campaigns", "campaign_assignments", "campaign_import_outcomes",
            "campaign_outcomes", "campaign_results"),
))
