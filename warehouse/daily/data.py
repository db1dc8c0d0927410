"""What the daily list reads from the warehouse: the data's "today", candidates with their
point-in-time features, what they bought afterwards, and their segment as of the report date.

All of it goes through ``warehouse.features``: a connection pointed at a cut-off sees raw rows
strictly before it. Report date D means the cut-off D 00:00 UTC: its candidates are the visitors
active in [D − 24 h, D), their features read only rows before D (the ``daily_candidates`` feature
set), and D's outcome (a purchase in [D, D + horizon)) is read at the cut-off D + horizon, so it
is the same whenever it is computed. ``candidate_features`` and ``outcomes`` read one date at
its cut-off; their ``*_by_date`` forms, which the cache uses, give many dates the same answers
in one pass over the data (``point_batch``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from analytics.rfm import score_rfm
from analytics.segments import assign_rfm_segments, behavioural_segments
from warehouse.clock import cutoff_after
from warehouse.daily.settings import FEATURE_SET
from warehouse.features import FEATURES_DIR, feature_query, set_cutoff
from warehouse.sql.runner import read_query

CANDIDATES_SQL = "SELECT * FROM daily_candidates_at_cutoff ORDER BY customer_id"
# The same feature set for many report dates in one pass (see the file).
BY_DATE_SQL_PATH = FEATURES_DIR / "by_date" / f"{FEATURE_SET}.sql"
CANDIDATES_OF_DATE_SQL = """
SELECT * EXCLUDE (report_date) FROM daily_candidates_by_date
WHERE report_date = ? ORDER BY customer_id
"""
# order_lines at the latest cut-off of a batch, with the time its item's first price was
# recorded: a line's value as at an earlier cut-off (the fallback price is known only from then).
LINE_VALUES_SQL = """
CREATE OR REPLACE TEMP TABLE daily_line_values AS
SELECT line.*, first_prices.first_priced_at
FROM order_lines AS line
LEFT JOIN (
    SELECT item_id, min(valid_from_at) AS first_priced_at
    FROM stg_item_prices
    WHERE price_amount IS NOT NULL AND item_id IN (SELECT item_id FROM order_lines)
    GROUP BY item_id
) AS first_prices ON first_prices.item_id = line.item_id
"""
# order_lines computed once per cut-off and kept: the features, segments and outcomes read it.
MATERIALISE_ORDER_LINES_SQL = """
CREATE OR REPLACE TEMP TABLE daily_order_lines AS SELECT * FROM order_lines;
CREATE OR REPLACE TEMP VIEW order_lines AS SELECT * FROM daily_order_lines;
"""
POINTED_AT_SQL = """
SELECT CASE WHEN EXISTS (
    SELECT 1 FROM duckdb_tables() WHERE table_name = 'daily_order_lines' AND temporary
) THEN getvariable('cutoff_at') END
"""

ACTIVITY_SPAN_SQL = """
SELECT min(first_at), max(last_at) FROM (
    SELECT min(epoch_ms("timestamp")) AS first_at, max(epoch_ms("timestamp")) AS last_at
    FROM raw.events
    UNION ALL
    SELECT min(ordered_at), max(ordered_at) FROM raw.orders
)
"""

# Rows of each raw table dated before a cut-off (one FILTER per cut-off): unchanged counts mean
# unchanged inputs, since loads only add rows. Events and item properties are dated in epoch ms.
FINGERPRINT_FILTERS = {
    "events": 'count(*) FILTER (WHERE "timestamp" < ?)',
    "orders": "count(*) FILTER (WHERE ordered_at < ?)",
    "item_properties": 'count(*) FILTER (WHERE "timestamp" < ?)',
}

OUTCOMES_SQL = """
SELECT
    candidate.customer_id,
    CAST($day AS DATE)                                  AS report_date,
    count(DISTINCT line.order_id) > 0                   AS is_converted,
    count(DISTINCT line.order_id)                       AS count_window_orders,
    CAST(coalesce(sum(line.line_amount), 0) AS DOUBLE)  AS window_amount
FROM outcome_candidates AS candidate
LEFT JOIN order_lines AS line
    ON line.customer_id = candidate.customer_id AND line.ordered_at >= CAST($start AS TIMESTAMP)
GROUP BY candidate.customer_id
ORDER BY candidate.customer_id
"""

# OUTCOMES_SQL for many report dates, on daily_line_values: lines in [D, D + horizon) valued as
# at the window's end, as order_lines at that cut-off values them.
OUTCOMES_BY_DATE_SQL = """
WITH window_lines AS (
    SELECT
        candidate.report_date,
        candidate.customer_id,
        line.order_id,
        CASE WHEN line.source = 'events' AND line.is_price_imputed
                  AND coalesce(line.first_priced_at >= candidate.window_end_at, true)
             THEN 0.0 ELSE line.line_amount END  AS line_amount
    FROM outcome_candidates AS candidate
    JOIN daily_line_values AS line
        ON line.customer_id = candidate.customer_id
       AND line.ordered_at >= candidate.window_start_at
       AND line.ordered_at < candidate.window_end_at
)
SELECT
    candidate.customer_id,
    candidate.report_date,
    count(DISTINCT line.order_id) > 0                   AS is_converted,
    count(DISTINCT line.order_id)                       AS count_window_orders,
    CAST(coalesce(sum(line.line_amount), 0) AS DOUBLE)  AS window_amount
FROM outcome_candidates AS candidate
LEFT JOIN window_lines AS line USING (report_date, customer_id)
GROUP BY candidate.report_date, candidate.customer_id
ORDER BY candidate.report_date, candidate.customer_id
"""

BUYER_FIGURES_SQL = """
SELECT
    customer_id,
    date_diff('day', max(order_date), CAST($as_of AS DATE))  AS recency_days,
    count(DISTINCT order_id)                                 AS frequency,
    coalesce(sum(line_amount), 0)                            AS monetary_amount
FROM order_lines
GROUP BY customer_id
"""

# Non-buyers by number of views: the population the Window Shoppers threshold is a quantile of.
# Visitors are grouped by their integer key (cheaper than by text id); a buyer's id names a
# visitor when it is that key written plainly.
NON_BUYER_VIEWS_SQL = """
WITH
visitor_views AS (
    SELECT visitor_key, count(*) FILTER (WHERE event_type = 'view') AS count_views
    FROM stg_events
    GROUP BY visitor_key
),
buyer_keys AS (
    SELECT DISTINCT TRY_CAST(customer_id AS BIGINT) AS visitor_key
    FROM order_lines
    WHERE CAST(TRY_CAST(customer_id AS BIGINT) AS VARCHAR) = customer_id
)
SELECT count_views, count(*) AS customers
FROM visitor_views
ANTI JOIN buyer_keys USING (visitor_key)
GROUP BY count_views
"""


def cutoff_of(day: date) -> datetime:
    """Report date ``day``'s cut-off: its midnight, UTC."""
    return datetime.combine(day, datetime.min.time())


def report_dates(con: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
    """The first and last report dates the data allows: the day after the first loaded activity
    (the first day with a previous day of visitors) and the day after the last one, "today" for
    the data. None without any activity."""
    [(first, last)] = con.execute(ACTIVITY_SPAN_SQL).fetchall()
    if first is None:
        return None
    return cutoff_after(first.date()).date(), cutoff_after(last.date()).date()


def fingerprints(con: duckdb.DuckDBPyConnection, days: Sequence[date]) -> dict[date, list[int]]:
    """For each report date, the raw rows (events, orders, item properties) before its cut-off."""
    days = list(dict.fromkeys(days))
    counts: dict[date, list[int]] = {day: [] for day in days}
    if not days:
        return counts
    for table, count_filter in FINGERPRINT_FILTERS.items():
        values = [cutoff_of(day) if table == "orders" else _epoch_ms(cutoff_of(day))
                  for day in days]
        sql = f"SELECT {', '.join([count_filter] * len(days))} FROM raw.{table}"  # noqa: S608
        for day, count in zip(days, con.execute(sql, values).fetchone(), strict=True):
            counts[day].append(int(count))
    return counts


def _epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch of a naive UTC time."""
    return int((moment - datetime(1970, 1, 1)).total_seconds() * 1000)


def _pointed_at(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The cut-off ``point_at`` last set on ``con`` (None before the first)."""
    [(cutoff,)] = con.execute(POINTED_AT_SQL).fetchall()
    return cutoff


def point_at(con: duckdb.DuckDBPyConnection, day: date) -> None:
    """Point the connection's point-in-time views at report date ``day``'s cut-off (nothing
    to do when they already are), with ``order_lines`` computed once and kept as a table."""
    cutoff = cutoff_of(day)
    if _pointed_at(con) == cutoff:
        return
    set_cutoff(con, cutoff)
    con.execute(MATERIALISE_ORDER_LINES_SQL)


def candidate_features(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The candidates of the report date ``con`` points at (``point_at``): the visitors active
    in the 24 hours before it, with their ``daily_candidates`` features, by customer id."""
    query = feature_query(FEATURE_SET)  # the shipped SQL file, never user input
    con.execute(f"CREATE OR REPLACE TEMP TABLE daily_candidates_at_cutoff AS\n{query}\n")
    return con.sql(CANDIDATES_SQL).df()


def point_batch(con: duckdb.DuckDBPyConnection, latest: date) -> None:
    """Point ``con`` at report date ``latest``'s cut-off for the ``*_by_date`` reads of every
    report date up to it, with each order line's first-price time (``daily_line_values``)."""
    point_at(con, latest)
    con.execute(LINE_VALUES_SQL)


def _require_batch(con: duckdb.DuckDBPyConnection, latest: datetime) -> None:
    pointed = _pointed_at(con)
    if pointed is None or pointed < latest:
        raise ValueError(f"a batch up to {latest} needs the connection pointed at or after it "
                         f"(point_batch), not at {pointed}")


def candidate_features_by_date(
    con: duckdb.DuckDBPyConnection, days: Sequence[date]
) -> Iterator[tuple[date, pd.DataFrame]]:
    """``candidate_features`` of each report date in ``days``, computed in one pass over the
    data (``con`` pointed by ``point_batch`` at the latest of them or later); yields each
    date's frame in turn, oldest first."""
    days = sorted(set(days))
    if not days:
        return
    _require_batch(con, cutoff_of(days[-1]))
    con.register("daily_batch_days", pd.DataFrame({"report_date": pd.to_datetime(days)}))
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE daily_batch_dates AS "
                    "SELECT CAST(report_date AS DATE) AS report_date FROM daily_batch_days")
    finally:
        con.unregister("daily_batch_days")
    query = read_query(BY_DATE_SQL_PATH)  # the shipped SQL file, never user input
    # The price and category lookups are ASOF joins whose left side DuckDB underestimates
    # here (a join with the few report dates): it would run them as nested loops, 20 times
    # slower at scale 0.1 and worse above. Always use the ASOF join.
    con.execute("SET asof_loop_join_threshold = 0")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE daily_candidates_by_date AS\n{query}\n")
    finally:
        con.execute("RESET asof_loop_join_threshold")
    try:
        for day in days:
            yield day, con.execute(CANDIDATES_OF_DATE_SQL, [day]).df()
    finally:
        con.execute("DROP TABLE IF EXISTS daily_candidates_by_date")


def outcomes_by_date(
    con: duckdb.DuckDBPyConnection, candidates: Mapping[date, Sequence[str]], horizon_days: int
) -> Iterator[tuple[date, pd.DataFrame]]:
    """``outcomes`` of each report date (its candidates' ids in ``candidates``) in one pass:
    ``con`` pointed by ``point_batch`` at the latest window's end or later. Yields each date's
    frame, oldest first."""
    days = sorted(candidates)
    if not days:
        return
    _require_batch(con, cutoff_of(days[-1] + timedelta(days=horizon_days)))
    frame = pd.concat([pd.DataFrame({"report_date": pd.Timestamp(day),
                                     "customer_id": pd.Series(list(candidates[day]),
                                                              dtype="string")})
                       for day in days], ignore_index=True)
    frame["window_start_at"] = frame["report_date"]
    frame["window_end_at"] = frame["report_date"] + pd.Timedelta(days=horizon_days)
    con.register("outcome_rows", frame)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE outcome_candidates AS SELECT "
                    "CAST(report_date AS DATE) AS report_date, customer_id, "
                    "CAST(window_start_at AS TIMESTAMP) AS window_start_at, "
                    "CAST(window_end_at AS TIMESTAMP) AS window_end_at FROM outcome_rows")
    finally:
        con.unregister("outcome_rows")
    result = con.execute(OUTCOMES_BY_DATE_SQL).df()
    con.execute("DROP TABLE outcome_candidates")
    dates = pd.to_datetime(result["report_date"]).dt.date
    for day in days:  # split by the report date itself, not by row counts
        yield day, result[(dates == day).to_numpy()].reset_index(drop=True)


def outcomes(
    con: duckdb.DuckDBPyConnection, day: date, customer_ids: Sequence[str], horizon_days: int
) -> pd.DataFrame:
    """What report date ``day``'s candidates bought in [day, day + horizon): ``customer_id,
    report_date, is_converted, count_window_orders, window_amount``. ``con`` must point at the
    window's end (``point_at``), which makes the answer the same whenever it is computed."""
    end = cutoff_of(day + timedelta(days=horizon_days))
    if _pointed_at(con) != end:
        raise ValueError(f"outcomes of {day} are read at {end}, not at {_pointed_at(con)}")
    con.register("outcome_candidates", pd.DataFrame({"customer_id": list(customer_ids)},
                                                    dtype="string"))
    try:
        return con.execute(OUTCOMES_SQL, {"start": cutoff_of(day), "day": day}).df()
    finally:
        con.unregister("outcome_candidates")


def candidate_segments(
    con: duckdb.DuckDBPyConnection, day: date, candidates: pd.DataFrame
) -> pd.Series:
    """Each candidate's segment as of report date ``day`` (the product's rules, computed from
    the data before ``day`` only): the RFM segment of a buyer, scored among all buyers then,
    else the behavioural one with the Window Shoppers threshold of all non-buyers then.

    ``candidates``: the ``daily_candidates`` frame; ``con`` must point at ``day``.
    """
    as_of = day - timedelta(days=1)
    buyers = con.execute(BUYER_FIGURES_SQL, {"as_of": as_of}).df()
    segment = pd.Series(pd.NA, index=candidates.index, dtype="object", name="segment")
    if not buyers.empty:
        scored = score_rfm(buyers)
        rfm = pd.Series(assign_rfm_segments(scored).to_numpy(), index=scored["customer_id"])
        segment = candidates["customer_id"].map(rfm).astype("object").rename("segment")
    others = segment.isna()
    if others.any():
        # The population's views enter with their weights, the candidates with weight 0: the
        # threshold is the population's quantile, the labels the candidates' own.
        population = con.execute(NON_BUYER_VIEWS_SQL).df().assign(
            count_cart_adds=0, is_single_visit=False)
        visitors = candidates.loc[others, ["count_views", "count_cart_adds",
                                           "is_single_visit"]].assign(customers=0)
        profiles = pd.concat([population, visitors], ignore_index=True)
        labels = behavioural_segments(profiles, weight="customers")
        segment.loc[others] = labels.iloc[len(population):].to_numpy()
    return segment
