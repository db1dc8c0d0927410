"""Refresh step: RFM scores and a segment for every customer, as of the refresh date.

Reads ``order_lines`` and ``customer_summary``; writes

* ``customer_rfm`` — one row per buyer, key ``customer_id``: ``recency_days`` (days from the
  last purchase's date to the as-of date), ``frequency`` (distinct orders), ``monetary_amount``
  (sum of ``line_amount``), ``r_score, f_score, m_score`` (1–5) and its RFM ``segment``;
* ``segment_definitions`` — one row per segment: ``segment, segment_kind, description,
  display_order``, for legends;
* the temporary view ``customer_segments`` — one row per customer of ``customer_summary``: its
  columns plus ``segment, segment_kind ('rfm'|'behavioural')``, which the two stored parts of
  ``customers`` read. Non-buyers are 99% of RetailRocket-shaped data, so their segments are
  never written row by row here: the view looks each up in the small
  ``behaviour_segment_labels`` table (one row per distinct behaviour profile).

Only orders whose ``order_date`` is on or before ``ctx.as_of`` count; a customer with none is a
non-buyer, segmented by behaviour.
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
from warehouse.pipeline.registry import REGISTRY, Step
from warehouse.schema.fields import NUMBER, TEXT, Field

if TYPE_CHECKING:
    from warehouse.pipeline.context import RefreshContext

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

# Behaviour facts of customers with no order by the as-of date.
NON_BUYERS_VIEW_SQL = """
CREATE OR REPLACE TEMP VIEW segment_non_buyers AS
SELECT customer_id, count_views, count_cart_adds, is_single_visit
FROM customer_summary
ANTI JOIN customer_rfm USING (customer_id)
"""

LABELS_DDL = """
CREATE OR REPLACE TEMP TABLE behaviour_segment_labels (
    count_views     BIGINT  NOT NULL,
    count_cart_adds BIGINT  NOT NULL,
    is_single_visit BOOLEAN NOT NULL,
    segment         VARCHAR NOT NULL
)
"""

# Two branches rather than one pass with a CASE, so that a filter on segment_kind drops the other
# branch: each stored part of ``customers`` joins only what its kind of customer needs.
SEGMENTS_VIEW_SQL = """
CREATE OR REPLACE TEMP VIEW customer_segments AS
SELECT summary.*, rfm.segment, 'rfm' AS segment_kind
FROM customer_summary AS summary
INNER JOIN customer_rfm AS rfm USING (customer_id)
UNION ALL
SELECT summary.*, labels.segment, 'behavioural' AS segment_kind
FROM customer_summary AS summary
ANTI JOIN customer_rfm USING (customer_id)
INNER JOIN behaviour_segment_labels AS labels
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
    m_score         TINYINT NOT NULL,
    segment         VARCHAR NOT NULL
);
CREATE OR REPLACE TABLE segment_definitions (
    segment       VARCHAR NOT NULL,
    segment_kind  VARCHAR NOT NULL,
    description   VARCHAR NOT NULL,
    display_order INTEGER NOT NULL
);
"""


def label_behaviour_profiles(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    by: str | None = None,
    weight: str | None = None,
) -> pd.DataFrame:
    """Distinct behaviour profiles of ``relation`` with their customer count and segment.

    Non-buyers are the bulk of RetailRocket-shaped data (99% of visitors), so instead of pulling
    a row per customer (per period) into pandas, only the distinct ``(by,) count_views,
    count_cart_adds, is_single_visit`` combinations travel, weighted by their customers; callers
    join the labels back in SQL. A row of ``relation`` is one customer, or ``weight`` customers
    when that column is named. ``relation``, ``by`` and ``weight`` are identifiers from this
    package's constants, never user input.
    """
    keys = ", ".join(([by] if by else []) + ["count_views", "count_cart_adds", "is_single_visit"])
    count = f"CAST(sum({weight}) AS BIGINT)" if weight else "count(*)"
    sql = f"SELECT {keys}, {count} AS customers FROM {relation} GROUP BY ALL"  # noqa: S608
    profiles = con.execute(sql).df()
    profiles["segment"] = behavioural_segments(profiles, by=by, weight="customers")
    return profiles


def build_segments(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> None:
    """Write ``customer_rfm`` and ``segment_definitions`` and define ``customer_segments``."""
    rfm = score_rfm(con.execute(BUYER_FIGURES_SQL, {"as_of": ctx.as_of}).df())
    con.execute(TABLES_DDL)
    insert_frame(con, "customer_rfm", rfm.assign(segment=assign_rfm_segments(rfm)))
    con.execute(NON_BUYERS_VIEW_SQL)
    profiles = label_behaviour_profiles(con, "segment_non_buyers")
    threshold = window_shopper_threshold(profiles["count_views"], profiles["customers"])
    insert_frame(con, "segment_definitions", segment_definitions(threshold))
    con.execute(LABELS_DDL)
    insert_frame(con, "behaviour_segment_labels", profiles.drop(columns="customers"))
    con.execute("DROP VIEW segment_non_buyers")
    con.execute(SEGMENTS_VIEW_SQL)


FIELDS = (
    Field("segment", TEXT, "Segment",
          "RFM segment of a buyer, behavioural segment of a visitor who never bought"),
    Field("segment_kind", TEXT, "Segment kind (rfm / behavioural)",
          "rfm for buyers, behavioural for visitors without an order"),
    Field("r_score", NUMBER, "Recency score (1-5)",
          "5 = among the buyers who bought most recently", table="customer_rfm"),
    Field("f_score", NUMBER, "Frequency score (1-5)",
          "5 = among the buyers with the most orders", table="customer_rfm"),
    Field("m_score", NUMBER, "Monetary score (1-5)",
          "5 = among the buyers who spent the most", table="customer_rfm"),
    Field("recency_days", NUMBER, "Days since last purchase",
          "days from the last purchase's date to the as-of date", table="customer_rfm"),
    Field("frequency", NUMBER, "Purchases (frequency)",
          "distinct orders up to the as-of date", table="customer_rfm"),
    Field("monetary_amount", NUMBER, "Total spend (monetary)",
          "sum of the buyer's order lines, in currency units", table="customer_rfm"),
)

REGISTRY.register(Step(
    "segments", build_segments,
    reads=("order_lines", "customer_summary"),
    writes=("customer_rfm", "segment_definitions", "behaviour_segment_labels",
            "customer_segments"),
    fields=FIELDS,
))
