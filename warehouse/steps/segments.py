"""Refresh step: RFM scores and a segment for every customer, as of the refresh date.

Reads ``order_lines`` and ``customer_summary``; writes

* ``customer_rfm`` — one row per buyer, key ``customer_id``: ``recency_days`` (days from the
  last purchase's date to the as-of date), ``frequency`` (distinct orders), ``monetary_amount``
  (sum of ``line_amount``), ``r_score, f_score, m_score`` (1–5);
* ``customer_segments`` — one row per customer of ``customer_summary`` (and any buyer it lacks),
  key ``customer_id``: ``segment, segment_kind ('rfm'|'behavioural')``;
* ``segment_definitions`` — one row per segment: ``segment, segment_kind, description,
  display_order``, for legends.

Feeds the ``customers`` wide table and the segment pages. Only orders whose ``order_date`` is on
or before ``ctx.as_of`` count; a customer with none is a non-buyer, segmented by behaviour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from analytics.rfm import score_rfm
from analytics.segments import (
    assign_rfm_segments,
    behavioural_segments,
    segment_definitions,
    window_shopper_threshold,
)
from warehouse.frames import insert_frame

if TYPE_CHECKING:
    from warehouse.refresh import RefreshContext

BUYER_FIGURES_SQL = """
SELECT
    customer_id,
    date_diff('day', max(order_date), CAST($as_of AS DATE)) AS recency_days,
    count(DISTINCT order_id) AS frequency,
    coalesce(sum(line_amount), 0) AS monetary_amount
FROM order_lines
WHERE order_date <= CAST($as_of AS DATE)
GROUP BY customer_id
"""

# Behaviour facts of customers with no order by the as-of date; "single visit" = all events on
# one calendar day (a visit is a visitor active on a day, as in the traffic KPI).
NON_BUYERS_SQL = """
CREATE OR REPLACE TEMP TABLE segment_non_buyers AS
WITH buyers AS (
    SELECT DISTINCT customer_id
    FROM order_lines
    WHERE order_date <= CAST($as_of AS DATE)
)

SELECT
    summary.customer_id,
    coalesce(summary.count_views, 0) AS count_views,
    coalesce(summary.count_cart_adds, 0) AS count_cart_adds,
    coalesce(summary.first_event_at::DATE = summary.last_event_at::DATE, FALSE)
        AS is_single_visit
FROM customer_summary AS summary
ANTI JOIN buyers USING (customer_id)
"""

INSERT_NON_BUYERS_SQL = """
INSERT INTO customer_segments
SELECT non_buyers.customer_id, profiles.segment, 'behavioural'
FROM segment_non_buyers AS non_buyers
INNER JOIN behaviour_profiles AS profiles
    USING (count_views, count_cart_adds, is_single_visit)
"""

TABLES_DDL = """
CREATE OR REPLACE TABLE customer_rfm (
    customer_id     VARCHAR NOT NULL,
    recency_days    INTEGER NOT NULL,
    frequency       INTEGER NOT NULL,
    monetary_amount DOUBLE  NOT NULL,
    r_score         TINYINT NOT NULL,
    f_score         TINYINT NOT NULL,
    m_score         TINYINT NOT NULL
);
CREATE OR REPLACE TABLE customer_segments (
    customer_id  VARCHAR NOT NULL,
    segment      VARCHAR NOT NULL,
    segment_kind VARCHAR NOT NULL
);
CREATE OR REPLACE TABLE segment_definitions (
    segment       VARCHAR NOT NULL,
    segment_kind  VARCHAR NOT NULL,
    description   VARCHAR NOT NULL,
    display_order INTEGER NOT NULL
);
"""


def label_behaviour_profiles(
    con: duckdb.DuckDBPyConnection, relation: str, by: str | None = None
) -> pd.DataFrame:
    """Distinct behaviour profiles of ``relation`` with their customer count and segment.

    Non-buyers are the bulk of RetailRocket-shaped data (99% of visitors), so instead of pulling
    a row per customer (per period) into pandas, only the distinct ``(by,) count_views,
    count_cart_adds, is_single_visit`` combinations travel, weighted by their customers; callers
    join the labels back in SQL. ``relation`` and ``by`` are identifiers from this package's
    constants, never user input.
    """
    keys = ", ".join(([by] if by else []) + ["count_views", "count_cart_adds", "is_single_visit"])
    sql = f"SELECT {keys}, count(*) AS customers FROM {relation} GROUP BY ALL"  # noqa: S608
    profiles = con.execute(sql).df()
    profiles["segment"] = behavioural_segments(profiles, by=by, weight="customers")
    return profiles


def build_segments(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> None:
    """Write ``customer_rfm``, ``customer_segments`` and ``segment_definitions`` as of ctx.as_of."""
    params = {"as_of": ctx.as_of}
    rfm = score_rfm(con.execute(BUYER_FIGURES_SQL, params).df())
    con.execute(NON_BUYERS_SQL, params)
    profiles = label_behaviour_profiles(con, "segment_non_buyers")
    threshold = window_shopper_threshold(profiles["count_views"], profiles["customers"])
    buyers = rfm[["customer_id"]].assign(segment=assign_rfm_segments(rfm), segment_kind="rfm")

    con.execute(TABLES_DDL)
    insert_frame(con, "customer_rfm", rfm)
    insert_frame(con, "customer_segments", buyers)
    insert_frame(con, "segment_definitions", segment_definitions(threshold))
    con.register("behaviour_profiles", profiles)
    try:
        con.execute(INSERT_NON_BUYERS_SQL)
    finally:
        con.unregister("behaviour_profiles")
    con.execute("DROP TABLE segment_non_buyers")
