"""Refresh step: every customer's segment at each period end, for migration views.

Defines ``segment_snapshots`` — a view with one row per period end × customer, key
``(period_end, customer_id)``: ``period_end DATE, customer_id, segment``. Period ends are the last
day of each month (``ctx.granularity = 'month'``, the default) or each Sunday (``'week'``) from
the first activity up to the as-of date, plus the as-of date itself.

At each period end, using only data dated on or before it: buyers get their RFM segment, scored
among the buyers of that date; non-buyers get their behavioural segment from their events up to
it. Events come from the staging view ``stg_events (customer_id, event_at, event_type)``; the
facts of visitors whose activity lies in one period come from ``customers`` (see NON-BUYER
STATES below), so this step runs after that view is defined. A customer is in a period only once
they have an event or an order (by ``order_date``) on or before its end.

The view is not stored row by row (tens of millions of rows at full size): it expands the stored
``snapshot_period_ends (period_end)``, ``snapshot_buyer_segments (period_end, customer_id,
segment)``, ``snapshot_non_buyer_states (period_end, customer_id, count_views,
count_cart_adds, is_single_visit)`` — a changing non-buyer's behaviour facts at one period end —
and ``snapshot_profile_segments (period_end, count_views, count_cart_adds,
is_single_visit, segment)``, the segment of each behaviour profile at each period end; settled
visitors come from the view ``snapshot_spans`` over ``customers`` and ``snapshot_calendar (day,
period_end)``.

Also writes ``segment_sizes`` — one row per period end × segment, key ``(period_end, segment)``:
``customers``; what the migration page charts over time — and ``segment_transitions`` — one row
per (from_period, to_period, from_segment, to_segment) with ``from_period < to_period``, both
period ends of ``segment_snapshots``: ``customers`` moving between the two segments. Customers
absent at ``from_period`` come from ``(new)``, customers absent at ``to_period`` go to
``(gone)``. Precomputed for every pair of period ends so the migration page reads a few hundred
rows instead of joining two snapshots. Both are computed from weighted paths (see
``PATHS_SQL``), never by expanding the view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from analytics.migration import GONE, NEW
from analytics.rfm import score_rfm
from analytics.segments import assign_rfm_segments
from warehouse.frames import insert_frame
from warehouse.pipeline.registry import REGISTRY, Step
from warehouse.pipeline.steps.segments import label_behaviour_profiles

if TYPE_CHECKING:
    from warehouse.pipeline.context import RefreshContext

GRANULARITIES = {"month": "1 month", "week": "7 days"}

FIRST_ORDER_DATE_SQL = """
SELECT min(order_date) FROM order_lines WHERE order_date <= CAST($as_of AS DATE)
"""

FIRST_EVENT_DATE_SQL = """
SELECT min(event_at)::DATE FROM stg_events WHERE event_at::DATE <= CAST($as_of AS DATE)
"""

# Period k covers [start_k, start_k + step); its end is the day before the next start.
PERIOD_ENDS_SQL = """
INSERT INTO snapshot_period_ends
WITH starts AS (
    SELECT unnest(generate_series(
        date_trunc($part, CAST($first AS DATE))::TIMESTAMP,
        CAST($as_of AS DATE)::TIMESTAMP,
        CAST($step AS INTERVAL)
    )) AS period_start
),

ends AS (
    SELECT (period_start + CAST($step AS INTERVAL) - INTERVAL 1 DAY)::DATE AS period_end
    FROM starts
)

SELECT period_end FROM ends WHERE period_end < CAST($as_of AS DATE)
UNION
SELECT CAST($as_of AS DATE)
"""

BUYERS_BY_PERIOD_SQL = """
WITH lines AS (
    SELECT customer_id, order_id, order_date, line_amount
    FROM order_lines
    WHERE order_date <= CAST($as_of AS DATE)
)

SELECT
    ends.period_end,
    lines.customer_id,
    date_diff('day', max(lines.order_date), ends.period_end) AS recency_days,
    count(DISTINCT lines.order_id) AS frequency,
    coalesce(sum(lines.line_amount), 0) AS monetary_amount
FROM snapshot_period_ends AS ends
INNER JOIN lines ON lines.order_date <= ends.period_end
GROUP BY ends.period_end, lines.customer_id
"""

# Each day from the first activity to the as-of date with the period end that closes it.
CALENDAR_SQL = """
INSERT INTO snapshot_calendar
SELECT days.day, min(ends.period_end) AS period_end
FROM (
    SELECT unnest(generate_series(
        CAST($first AS DATE), CAST($as_of AS DATE), INTERVAL 1 DAY
    ))::DATE AS day
) AS days
INNER JOIN snapshot_period_ends AS ends ON ends.period_end >= days.day
GROUP BY days.day
"""

# NON-BUYER STATES. A non-buyer's behaviour facts change only at period ends after new events.
# Most visitors are "settled": never bought, and all their events fall in one period, so their
# facts at every period end from that one on are their final facts in customers: the view
# expands them from there and nothing is stored per settled visitor. Only the others (buyers
# before their first order, visitors active in several periods) are re-aggregated from their
# events at each period end and stored.
CHANGING_STATES_SQL = """
INSERT INTO snapshot_non_buyer_states
WITH changing AS (
    SELECT customer_id
    FROM snapshot_spans
    WHERE has_ordered OR first_period_end <> last_period_end
),

daily AS (
    SELECT
        customer_id,
        event_at::DATE AS event_date,
        count(*) FILTER (WHERE event_type = 'view') AS count_views,
        count(*) FILTER (WHERE event_type = 'addtocart') AS count_cart_adds
    FROM stg_events
    SEMI JOIN changing USING (customer_id)
    WHERE event_at::DATE <= CAST($as_of AS DATE)
    GROUP BY customer_id, event_date
),

first_orders AS (
    SELECT customer_id, min(order_date) AS first_order_date
    FROM order_lines
    GROUP BY customer_id
)

SELECT
    ends.period_end,
    daily.customer_id,
    sum(daily.count_views) AS count_views,
    sum(daily.count_cart_adds) AS count_cart_adds,
    count(*) = 1 AS is_single_visit
FROM snapshot_period_ends AS ends
INNER JOIN daily ON daily.event_date <= ends.period_end
LEFT JOIN first_orders USING (customer_id)
WHERE first_orders.first_order_date IS NULL OR first_orders.first_order_date > ends.period_end
GROUP BY ends.period_end, daily.customer_id
"""

# Behaviour profiles present at each period end, weighted by their customers: the states are
# grouped before they are expanded over period ends, so this never touches one row per customer
# and period end.
PROFILE_COUNTS_SQL = """
CREATE OR REPLACE TEMP VIEW snapshot_profile_counts AS
WITH settled AS (
    SELECT first_period_end, count_views, count_cart_adds, is_single_visit, count(*) AS customers
    FROM snapshot_settled
    GROUP BY ALL
)

SELECT period_end, count_views, count_cart_adds, is_single_visit, 1 AS customers
FROM snapshot_non_buyer_states
UNION ALL
SELECT ends.period_end, settled.count_views, settled.count_cart_adds, settled.is_single_visit,
       settled.customers
FROM settled
INNER JOIN snapshot_period_ends AS ends ON ends.period_end >= settled.first_period_end
"""

# Each customer's first and last active period (``{customers}``: a relation with the columns of
# ``customers`` it names). Settled visitors are the spans matching ``SETTLED``.
SPANS_SQL = """
SELECT
    customers.customer_id,
    customers.count_orders > 0 AS has_ordered,
    customers.count_views,
    customers.count_cart_adds,
    customers.is_single_visit,
    first_day.period_end AS first_period_end,
    last_day.period_end AS last_period_end
FROM {customers} AS customers
INNER JOIN snapshot_calendar AS first_day ON first_day.day = customers.first_event_at::DATE
INNER JOIN snapshot_calendar AS last_day ON last_day.day = customers.last_event_at::DATE
"""
SETTLED = "NOT has_ordered AND first_period_end = last_period_end"

SNAPSHOTS_DDL = """
CREATE OR REPLACE TABLE snapshot_period_ends (period_end DATE NOT NULL);
CREATE OR REPLACE TABLE snapshot_calendar (day DATE NOT NULL, period_end DATE NOT NULL);
CREATE OR REPLACE TABLE snapshot_buyer_segments (
    period_end  DATE    NOT NULL,
    customer_id VARCHAR NOT NULL,
    segment     VARCHAR NOT NULL
);
CREATE OR REPLACE TABLE snapshot_non_buyer_states (
    period_end      DATE    NOT NULL,
    customer_id     VARCHAR NOT NULL,
    count_views     BIGINT  NOT NULL,
    count_cart_adds BIGINT  NOT NULL,
    is_single_visit BOOLEAN NOT NULL
);
CREATE OR REPLACE TABLE snapshot_profile_segments (
    period_end      DATE    NOT NULL,
    count_views     BIGINT  NOT NULL,
    count_cart_adds BIGINT  NOT NULL,
    is_single_visit BOOLEAN NOT NULL,
    segment         VARCHAR NOT NULL
);
CREATE OR REPLACE VIEW snapshot_spans AS
{spans};
CREATE OR REPLACE VIEW snapshot_settled AS
SELECT customer_id, first_period_end, count_views, count_cart_adds, is_single_visit
FROM snapshot_spans
WHERE {settled};
-- keep its three branches in step with SEGMENTS_AT_SQL (tested equal)
CREATE OR REPLACE VIEW segment_snapshots AS
SELECT period_end, customer_id, segment FROM snapshot_buyer_segments
UNION ALL
SELECT states.period_end, states.customer_id, profiles.segment
FROM snapshot_non_buyer_states AS states
INNER JOIN snapshot_profile_segments AS profiles
    USING (period_end, count_views, count_cart_adds, is_single_visit)
UNION ALL
-- an equality join on the facts, so that reading one period end filters the small profile table
-- first instead of joining every settled visitor to the period ends by inequality
SELECT profiles.period_end, settled.customer_id, profiles.segment
FROM snapshot_settled AS settled
INNER JOIN snapshot_profile_segments AS profiles
    ON profiles.count_views = settled.count_views
   AND profiles.count_cart_adds = settled.count_cart_adds
   AND profiles.is_single_visit = settled.is_single_visit
   AND profiles.period_end >= settled.first_period_end;
""".format(spans=SPANS_SQL.format(customers="customers").strip(), settled=SETTLED)

# The rows of ``segment_snapshots`` for the (period_end, customer_id) pairs of ``{wanted}`` only,
# from the stored parts, branch for branch as the view in SNAPSHOTS_DDL (tested equal): reading
# the view for one period end expands every settled visitor (seconds at millions of visitors),
# while this reads the wanted customers' rows of ``customers`` once.
SEGMENTS_AT_SQL = """
WITH pairs AS (SELECT DISTINCT period_end, customer_id FROM {wanted}),

wanted_customers AS MATERIALIZED (  -- the columns SPANS_SQL reads
    SELECT customer_id, count_orders, count_views, count_cart_adds, is_single_visit,
           first_event_at, last_event_at
    FROM customers SEMI JOIN pairs USING (customer_id)
),

spans AS ({spans})

SELECT period_end, customer_id, buyers.segment
FROM pairs
INNER JOIN snapshot_buyer_segments AS buyers USING (period_end, customer_id)
UNION ALL
SELECT period_end, customer_id, profiles.segment
FROM pairs
INNER JOIN snapshot_non_buyer_states AS states USING (period_end, customer_id)
INNER JOIN snapshot_profile_segments AS profiles
    USING (period_end, count_views, count_cart_adds, is_single_visit)
UNION ALL
SELECT pairs.period_end, pairs.customer_id, profiles.segment
FROM pairs
INNER JOIN spans AS settled
    ON settled.customer_id = pairs.customer_id AND {settled}
INNER JOIN snapshot_profile_segments AS profiles
    ON profiles.period_end = pairs.period_end
   AND profiles.count_views = settled.count_views
   AND profiles.count_cart_adds = settled.count_cart_adds
   AND profiles.is_single_visit = settled.is_single_visit
   AND pairs.period_end >= settled.first_period_end
"""

# WEIGHTED PATHS. Transitions and sizes need each customer's path (segment at every period end),
# but settled visitors sharing a first period end and behaviour facts share one path: one
# "owner" row per such group, weighted by its customers, stands for all of them. Buyers and
# changing visitors are their own owners (weight 1).
PATHS_SQL = """
WITH settled_groups AS (
    SELECT first_period_end AS from_period_end, count_views, count_cart_adds, is_single_visit,
           count(*) AS customers
    FROM snapshot_settled
    GROUP BY ALL
),

settled AS (
    SELECT *, 'group ' || row_number() OVER () AS path_owner FROM settled_groups
),

changing AS (
    SELECT states.customer_id, states.period_end, profiles.segment
    FROM snapshot_non_buyer_states AS states
    INNER JOIN snapshot_profile_segments AS profiles
        USING (period_end, count_views, count_cart_adds, is_single_visit)
    UNION ALL
    SELECT customer_id, period_end, segment FROM snapshot_buyer_segments
)

SELECT 'customer ' || customer_id AS path_owner, 1 AS customers, period_end, segment
FROM changing
UNION ALL
SELECT settled.path_owner, settled.customers, ends.period_end, profiles.segment
FROM settled
INNER JOIN snapshot_period_ends AS ends ON ends.period_end >= settled.from_period_end
INNER JOIN snapshot_profile_segments AS profiles
    ON profiles.period_end = ends.period_end
   AND profiles.count_views = settled.count_views
   AND profiles.count_cart_adds = settled.count_cart_adds
   AND profiles.is_single_visit = settled.is_single_visit
"""

# Every customer of stored snapshots as their own path owner (for snapshots built another way).
SNAPSHOT_PATHS_SQL = """
SELECT customer_id AS path_owner, 1 AS customers, period_end, segment FROM segment_snapshots
"""

SIZES_SQL = """
CREATE OR REPLACE TABLE segment_sizes AS
SELECT period_end, segment, CAST(sum(customers) AS BIGINT) AS customers
FROM snapshot_paths
GROUP BY period_end, segment
ORDER BY period_end, segment
"""


TRANSITIONS_DDL = """
CREATE OR REPLACE TABLE segment_transitions (
    from_period  DATE    NOT NULL,
    to_period    DATE    NOT NULL,
    from_segment VARCHAR NOT NULL,
    to_segment   VARCHAR NOT NULL,
    customers    BIGINT  NOT NULL
)
"""

SNAPSHOT_SHAPE_SQL = """
SELECT count(DISTINCT segment), count(DISTINCT period_end) FROM snapshot_paths
"""

# Each path owner's path over all period ends is packed into HUGEINT keys: ``$bits`` bits per
# period end holding the segment's code (1…, 0 = absent), ``$per_key`` period ends per key. Paths
# repeat a lot (most visitors never change segment), so pairs of period ends are counted over the
# few distinct paths rather than over customers: linear in the snapshot rows, whatever the number
# of pairs. ``{keys}`` / ``{key_list}`` are generated from the key count only (key_0, key_1, …).
TRANSITIONS_SQL = """
INSERT INTO segment_transitions
WITH codes AS (
    SELECT segment, CAST(row_number() OVER (ORDER BY segment) AS INTEGER) AS code
    FROM (SELECT DISTINCT segment FROM snapshot_paths)
),

ends AS (
    SELECT period_end, CAST(row_number() OVER (ORDER BY period_end) - 1 AS INTEGER) AS idx
    FROM (SELECT DISTINCT period_end FROM snapshot_paths)
),

paths AS (
    SELECT {keys}, any_value(snapshot_paths.customers) AS customers
    FROM snapshot_paths
    INNER JOIN codes USING (segment)
    INNER JOIN ends USING (period_end)
    GROUP BY snapshot_paths.path_owner
),

path_counts AS (
    SELECT list_value({key_list}) AS path, sum(customers) AS customers
    FROM paths
    GROUP BY path
),

pairs AS (
    SELECT
        before.idx AS from_idx,
        before.period_end AS from_period,
        after.idx AS to_idx,
        after.period_end AS to_period
    FROM ends AS before
    INNER JOIN ends AS after ON before.idx < after.idx
),

moves AS (
    SELECT
        pairs.from_period,
        pairs.to_period,
        CAST((path[from_idx // $per_key + 1] >> ($bits * (from_idx % $per_key))) & $mask
            AS INTEGER) AS from_code,
        CAST((path[to_idx // $per_key + 1] >> ($bits * (to_idx % $per_key))) & $mask
            AS INTEGER) AS to_code,
        path_counts.customers
    FROM path_counts
    CROSS JOIN pairs
)

SELECT
    moves.from_period,
    moves.to_period,
    coalesce(from_codes.segment, $new) AS from_segment,
    coalesce(to_codes.segment, $gone) AS to_segment,
    sum(moves.customers) AS customers
FROM moves
LEFT JOIN codes AS from_codes ON from_codes.code = moves.from_code
LEFT JOIN codes AS to_codes ON to_codes.code = moves.to_code
WHERE moves.from_code > 0 OR moves.to_code > 0
GROUP BY ALL
ORDER BY moves.from_period, moves.to_period, from_segment, to_segment
"""
HUGEINT_BITS = 126  # value bits used per key (HUGEINT is signed 128-bit)


def segments_at_sql(wanted: str) -> str:
    """A query for ``period_end, customer_id, segment`` of ``segment_snapshots`` restricted to the
    pairs in relation ``wanted (period_end, customer_id)`` (a table name from code, never input);
    the same rows as a semi join against the view, read without expanding it."""
    return SEGMENTS_AT_SQL.format(
        wanted=wanted, spans=SPANS_SQL.format(customers="wanted_customers"), settled=SETTLED
    )


def write_sizes_and_transitions(
    con: duckdb.DuckDBPyConnection, paths_sql: str = SNAPSHOT_PATHS_SQL
) -> None:
    """(Re)write ``segment_sizes`` and ``segment_transitions`` (every pair of period ends) from
    the weighted paths ``paths_sql`` selects: ``path_owner, customers, period_end, segment``."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE snapshot_paths AS {paths_sql}")
    try:
        con.execute(SIZES_SQL)
        _write_transitions(con)
    finally:
        con.execute("DROP TABLE snapshot_paths")


def _write_transitions(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(TRANSITIONS_DDL)
    segments, periods = con.execute(SNAPSHOT_SHAPE_SQL).fetchone()
    if periods < 2:
        return
    bits = int(segments).bit_length()  # codes 1…segments, 0 = absent
    per_key = HUGEINT_BITS // bits
    count = -(-int(periods) // per_key)
    packed = "sum(CAST(codes.code AS HUGEINT) << ($bits * (ends.idx % $per_key)))"
    keys = ", ".join(
        f"coalesce({packed} FILTER (WHERE ends.idx // $per_key = {k}), 0) AS key_{k}"
        for k in range(count)
    )
    key_list = ", ".join(f"key_{k}" for k in range(count))
    params = {"bits": bits, "per_key": per_key, "mask": (1 << bits) - 1, "new": NEW, "gone": GONE}
    con.execute(TRANSITIONS_SQL.format(keys=keys, key_list=key_list), params)


def _granularity(ctx: RefreshContext) -> str:
    if ctx.granularity not in GRANULARITIES:
        raise ValueError(
            f"refresh setting granularity: expected one of {', '.join(GRANULARITIES)}, "
            f"got {ctx.granularity!r}"
        )
    return ctx.granularity


def buyer_segments(buyers: pd.DataFrame) -> pd.DataFrame:
    """``period_end, customer_id, segment`` of buyers, RFM-scored among buyers of each period."""
    scored = score_rfm(buyers, by="period_end")
    return scored[["period_end", "customer_id"]].assign(segment=assign_rfm_segments(scored))


def build_segment_snapshots(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> None:
    """Define ``segment_snapshots`` and write ``segment_sizes`` and ``segment_transitions`` for
    every period end up to ``ctx.as_of``."""
    part = _granularity(ctx)
    as_of = ctx.as_of
    firsts = [con.execute(sql, {"as_of": as_of}).fetchone()[0]
              for sql in (FIRST_ORDER_DATE_SQL, FIRST_EVENT_DATE_SQL)]
    known = [d for d in firsts if d is not None]

    con.execute(SNAPSHOTS_DDL)
    if not known:
        write_sizes_and_transitions(con)
        return
    con.execute(
        PERIOD_ENDS_SQL,
        {"part": part, "first": min(known), "as_of": as_of, "step": GRANULARITIES[part]},
    )
    buyers = buyer_segments(con.execute(BUYERS_BY_PERIOD_SQL, {"as_of": as_of}).df())
    insert_frame(con, "snapshot_buyer_segments", buyers)
    # Non-buyers stay in DuckDB; only their distinct behaviour profiles are labelled.
    con.execute(CALENDAR_SQL, {"first": min(known), "as_of": as_of})
    con.execute(CHANGING_STATES_SQL, {"as_of": as_of})
    con.execute(PROFILE_COUNTS_SQL)
    profiles = label_behaviour_profiles(
        con, "snapshot_profile_counts", by="period_end", weight="customers"
    )
    con.execute("DROP VIEW snapshot_profile_counts")
    insert_frame(con, "snapshot_profile_segments", profiles.drop(columns="customers"))
    write_sizes_and_transitions(con, PATHS_SQL)


REGISTRY.register(Step(
    "segment_snapshots", build_segment_snapshots,
    reads=("order_lines", "stg_events", "customers"),
    writes=("snapshot_period_ends", "snapshot_calendar", "snapshot_buyer_segments",
            "snapshot_non_buyer_states", "snapshot_profile_segments", "snapshot_spans",
            "snapshot_settled", "segment_snapshots", "segment_sizes", "segment_transitions"),
))
