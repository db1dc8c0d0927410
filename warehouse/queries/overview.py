"""Read queries behind the Executive overview page, over the snapshot's daily marts.

Every function takes a cursor on a published snapshot (``SnapshotReader.cursor()``) and an
inclusive date range, and returns a fully fetched DataFrame. Period figures are sums of daily
rows of ``daily_kpis`` (traffic = visits), so GMV = traffic × conversion × ticket for any range.
Dates come back as ``datetime64``; money in the shop's currency units.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

GRANULARITIES: tuple[str, ...] = ("day", "week", "month")
TREND_DIMENSIONS: tuple[str, ...] = ("category", "item")
MAX_TOP_N = 20

_BOUNDS_SQL = """
SELECT
    (SELECT min(kpi_date) FROM daily_kpis) AS first_date,
    (SELECT max(kpi_date) FROM daily_kpis) AS last_date,
    (SELECT max(as_of_date) FROM refresh_info) AS as_of_date
"""

_PERIOD_KPIS_SQL = """
SELECT
    count(*)                                   AS count_days,
    coalesce(sum(traffic), 0)                  AS traffic,
    coalesce(sum(count_orders), 0)             AS count_orders,
    coalesce(sum(gmv_amount), 0.0)             AS gmv_amount,
    sum(count_orders) / nullif(sum(traffic), 0)        AS conversion_rate,
    sum(gmv_amount) / nullif(sum(count_orders), 0)     AS avg_ticket_amount
FROM daily_kpis
WHERE kpi_date BETWEEN $start AND $end
"""

_GMV_SERIES_SQL = """
SELECT
    CAST(date_trunc($part, kpi_date) AS DATE)  AS period_start,
    min(kpi_date)                              AS first_day,
    max(kpi_date)                              AS last_day,
    count(*)                                   AS count_days,
    sum(gmv_amount)                            AS gmv_amount,
    sum(traffic)                               AS traffic,
    sum(count_orders)                          AS count_orders
FROM daily_kpis
WHERE kpi_date BETWEEN $start AND $end
GROUP BY period_start
ORDER BY period_start
"""

_FUNNEL_SQL = """
WITH totals AS (
    SELECT
        coalesce(sum(count_viewers), 0)     AS viewers,
        coalesce(sum(count_cart_adders), 0) AS cart_adders,
        coalesce(sum(count_buyers), 0)      AS buyers
    FROM daily_kpis
    WHERE kpi_date BETWEEN $start AND $end
),
steps AS (
    SELECT 1 AS step_number, 'view' AS step, viewers AS count_visits FROM totals
    UNION ALL SELECT 2, 'cart', cart_adders FROM totals
    UNION ALL SELECT 3, 'purchase', buyers FROM totals
)
SELECT
    step_number,
    step,
    count_visits,
    count_visits / nullif(lag(count_visits) OVER (ORDER BY step_number), 0) AS step_rate,
    count_visits / nullif(first_value(count_visits) OVER (ORDER BY step_number), 0)
        AS rate_of_first
FROM steps
ORDER BY step_number
"""

# Top-N series, one complete statement per dimension (same output shape): the top keys by GMV
# over the range (a top-N sort, not a full ranking), then their GMV per period, with a 0 row for
# periods without sales so lines do not skip them.
_TOP_CATEGORIES_SQL = """
WITH top_keys AS (
    SELECT category_id AS key,
           CAST(NULL AS VARCHAR) AS detail,
           sum(gmv_amount) AS total_gmv_amount
    FROM daily_category_gmv
    WHERE kpi_date BETWEEN $start AND $end
    GROUP BY category_id
    ORDER BY total_gmv_amount DESC, key
    LIMIT $top_n
),
per_period AS (
    SELECT CAST(date_trunc($part, kpi_date) AS DATE) AS period_start,
           category_id AS key,
           sum(gmv_amount) AS gmv_amount
    FROM daily_category_gmv
    WHERE kpi_date BETWEEN $start AND $end
      AND category_id IN (SELECT key FROM top_keys)
    GROUP BY ALL
),
periods AS (
    SELECT DISTINCT CAST(date_trunc($part, kpi_date) AS DATE) AS period_start
    FROM daily_kpis
    WHERE kpi_date BETWEEN $start AND $end
)
SELECT p.period_start,
       row_number() OVER (PARTITION BY p.period_start ORDER BY t.total_gmv_amount DESC, t.key)
           AS rank,
       t.key, t.detail, coalesce(s.gmv_amount, 0.0) AS gmv_amount, t.total_gmv_amount
FROM periods AS p
CROSS JOIN top_keys AS t
LEFT JOIN per_period AS s ON s.period_start = p.period_start AND s.key = t.key
ORDER BY rank, p.period_start
"""

_TOP_ITEMS_SQL = """
WITH ranged AS (  -- one scan of the range; the table is stored sorted by day
    SELECT kpi_date, item_id AS key, category_id, gmv_amount
    FROM daily_item_gmv
    WHERE kpi_date BETWEEN $start AND $end
),
top_keys AS (  -- an item's detail is its category on its last sale in the range
    SELECT key, sum(gmv_amount) AS total_gmv_amount, arg_max(category_id, kpi_date) AS detail
    FROM ranged
    GROUP BY key
    ORDER BY total_gmv_amount DESC, key
    LIMIT $top_n
),
ranked AS (
    SELECT *, row_number() OVER (ORDER BY total_gmv_amount DESC, key) AS rank FROM top_keys
),
periods AS (
    SELECT CAST(date_trunc($part, kpi_date) AS DATE) AS period_start
    FROM daily_kpis
    WHERE kpi_date BETWEEN $start AND $end
    GROUP BY 1
),
per_period AS (
    SELECT CAST(date_trunc($part, r.kpi_date) AS DATE) AS period_start, r.key,
           sum(r.gmv_amount) AS gmv_amount
    FROM ranged AS r SEMI JOIN top_keys AS t ON r.key = t.key
    GROUP BY ALL
)
SELECT p.period_start, k.rank, k.key, k.detail, coalesce(s.gmv_amount, 0.0) AS gmv_amount,
       k.total_gmv_amount, item.item_name
FROM periods AS p
CROSS JOIN ranked AS k
LEFT JOIN per_period AS s ON s.period_start = p.period_start AND s.key = k.key
LEFT JOIN item_catalogue AS item ON item.item_id = k.key
ORDER BY k.rank, p.period_start
"""

_TOP_SERIES_SQL = {"category": _TOP_CATEGORIES_SQL, "item": _TOP_ITEMS_SQL}


def _check_range(start: date, end: date) -> None:
    if start > end:
        raise ValueError(f"start date {start} is after end date {end}")


def _check_granularity(granularity: str) -> None:
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {list(GRANULARITIES)}, got {granularity!r}")


def data_bounds(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row: ``first_date``, ``last_date`` (of ``daily_kpis``) and ``as_of_date``."""
    return cur.execute(_BOUNDS_SQL).df()


def period_kpis(cur: duckdb.DuckDBPyConnection, start: date, end: date) -> pd.DataFrame:
    """One row of summed KPIs for days ``start``..``end`` (inclusive).

    Columns: ``count_days`` (days with data), ``traffic`` (visits), ``count_orders``,
    ``gmv_amount``, ``conversion_rate`` (orders ÷ visits) and ``avg_ticket_amount``
    (GMV ÷ orders); the two ratios are NaN when their denominator is 0.
    """
    _check_range(start, end)
    return cur.execute(_PERIOD_KPIS_SQL, {"start": start, "end": end}).df()


def gmv_series(
    cur: duckdb.DuckDBPyConnection, start: date, end: date, granularity: str
) -> pd.DataFrame:
    """GMV, visits and orders per day, week (Monday start) or month within the range.

    Columns: ``period_start``, ``first_day``/``last_day``/``count_days`` (the days of the range
    that fall in the period, so partial first and last periods are visible), ``gmv_amount``,
    ``traffic``, ``count_orders``.
    """
    _check_range(start, end)
    _check_granularity(granularity)
    params = {"start": start, "end": end, "part": granularity}
    return cur.execute(_GMV_SERIES_SQL, params).df()


def funnel(cur: duckdb.DuckDBPyConnection, start: date, end: date) -> pd.DataFrame:
    """Visits with a view, with a cart add and with a purchase, summed over the range.

    Three rows (``step`` = view, cart, purchase) with ``count_visits``, ``step_rate`` (÷ the
    previous step) and ``rate_of_first`` (÷ visits with a view); rates NaN on a 0 denominator.
    """
    _check_range(start, end)
    return cur.execute(_FUNNEL_SQL, {"start": start, "end": end}).df()


def top_series(
    cur: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    granularity: str,
    dimension: str,
    top_n: int = 5,
) -> pd.DataFrame:
    """GMV over time of the ``top_n`` root categories or items by GMV in the range.

    ``dimension`` is ``"category"`` (root categories, from ``daily_category_gmv``, which leaves
    out lines without a known category) or ``"item"`` (from ``daily_item_gmv``). Columns:
    ``period_start``, ``rank`` (1 = largest GMV over the range), ``key`` (root category or item
    id), ``detail`` (an item's category, NULL for categories), ``gmv_amount`` (0 for periods
    without sales) and ``total_gmv_amount`` (over the range); items also ``item_name`` (NULL
    when the shop's items have no names).
    """
    _check_range(start, end)
    _check_granularity(granularity)
    if dimension not in TREND_DIMENSIONS:
        raise ValueError(f"dimension must be one of {list(TREND_DIMENSIONS)}, got {dimension!r}")
    if not 1 <= int(top_n) <= MAX_TOP_N:
        raise ValueError(f"top_n must be between 1 and {MAX_TOP_N}, got {top_n}")
    params = {"start": start, "end": end, "part": granularity, "top_n": int(top_n)}
    return cur.execute(_TOP_SERIES_SQL[dimension], params).df()
