"""Read queries for the segment pages, on the snapshot's ``customers``, ``segment_summary`` and
``segment_top_customers``.

Each returns a small DataFrame in milliseconds: aggregates are computed in DuckDB, customer lists
are always limited, except the export, which is read in batches.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pandas as pd
import pyarrow as pa

from warehouse.schema.customers import CUSTOMERS_VIEW, EXPORT_ORDER_COMMENT, TOP_CUSTOMERS_ORDER
from warehouse.schema.customers import TOP_CUSTOMERS as TOP_CUSTOMERS  # rows a page lists

CUSTOMER_COLUMNS = (
    "customer_id",
    "segment",
    "segment_kind",
    "r_score",
    "f_score",
    "m_score",
    "recency_days",
    "frequency",
    "monetary_amount",
    "count_views",
    "count_cart_adds",
    "count_orders",
    "gmv_amount",
    "p_alive",
    "clv_amount",
    "last_event_at",
    "last_purchase_at",
)

# Precomputed at refresh by warehouse/sql/marts/segment_summary.sql.
SEGMENT_OVERVIEW_SQL = """
SELECT segment, segment_kind, description, customers, gmv_amount, gmv_share, avg_clv_amount,
       avg_p_alive, avg_count_views
FROM segment_summary
ORDER BY display_order NULLS LAST, segment
"""

TOP_ORDERS = 5  # the heatmap's last column: buyers with 5 or more orders

# Buyers by recency score and number of orders (1, 2, 3, 4, 5+): most buyers order once, so the
# F score (a rank) puts them all in one column and leaves the next ones empty.
RF_HEATMAP_SQL = """
WITH grid AS (
    SELECT r.r_score, o.orders
    FROM range(1, 6) AS r(r_score), range(1, $top_orders + 1) AS o(orders)
),

cells AS (
    SELECT
        r_score,
        least(frequency, $top_orders) AS orders,
        count(*) AS customers,
        avg(monetary_amount) AS avg_monetary_amount
    FROM customers
    WHERE segment_kind = 'rfm'
    GROUP BY ALL
)

SELECT
    grid.r_score::INTEGER AS r_score,
    grid.orders::INTEGER AS orders,
    CASE WHEN grid.orders = $top_orders THEN grid.orders || '+'
        ELSE CAST(grid.orders AS VARCHAR) END AS orders_label,
    coalesce(cells.customers, 0) AS customers,
    cells.avg_monetary_amount
FROM grid
LEFT JOIN cells ON cells.r_score = grid.r_score AND cells.orders = grid.orders
ORDER BY r_score, orders
"""


def segment_overview(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per segment, in display order, empty segments included.

    Columns: ``segment, segment_kind, description, customers, gmv_amount, gmv_share`` (of all
    customers' GMV, 0–1), ``avg_clv_amount, avg_p_alive`` (NULL where no member has a CLV),
    ``avg_count_views`` (item views per member).
    """
    return con.execute(SEGMENT_OVERVIEW_SQL).df()


def rf_heatmap(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Buyers per recency score (1–5) × number of orders (1, 2, 3, 4, ``TOP_ORDERS`` or more),
    the full grid with zeros.

    Columns: ``r_score, orders, orders_label`` ('1' … '5+'), ``customers,
    avg_monetary_amount``.
    """
    return con.execute(RF_HEATMAP_SQL, {"top_orders": TOP_ORDERS}).df()


TOP_CUSTOMERS_SQL = f"""
SELECT {", ".join(CUSTOMER_COLUMNS)}
FROM segment_top_customers
WHERE segment = ?
ORDER BY rank
"""  # noqa: S608 CUSTOMER_COLUMNS is a constant


def segment_top_customers(con: duckdb.DuckDBPyConnection, segment: str) -> pd.DataFrame:
    """The segment's first ``TOP_CUSTOMERS`` customers, highest CLV first (ties by id), as
    stored by the refresh. Columns: ``CUSTOMER_COLUMNS``."""
    return con.execute(TOP_CUSTOMERS_SQL, [segment]).df()


# --- one segment's profile and export ----------------------------------------------------------

# Zero-filled 3 × 5 grid: one row per score and value, so a chart always shows all five bars.
SCORE_COUNTS_SQL = """
WITH members AS (
    SELECT r_score, f_score, m_score
    FROM customers
    WHERE segment = ? AND r_score IS NOT NULL
),

counts AS (
    UNPIVOT members ON r_score, f_score, m_score INTO NAME score VALUE score_value
),

grid AS (
    SELECT score, value::INTEGER AS score_value
    FROM (VALUES ('r_score'), ('f_score'), ('m_score')) AS names(score), range(1, 6) AS v(value)
)

SELECT grid.score, grid.score_value, count(counts.score) AS customers
FROM grid
LEFT JOIN counts ON counts.score = grid.score AND counts.score_value = grid.score_value
GROUP BY grid.score, grid.score_value
ORDER BY CASE grid.score WHEN 'r_score' THEN 1 WHEN 'f_score' THEN 2 ELSE 3 END, grid.score_value
"""

EXPORT_BATCH_ROWS = 50_000  # rows per batch of a streamed export: a few MB of memory
EXPORT_COLUMNS = (
    "customer_id",
    "segment",
    "r_score",
    "f_score",
    "m_score",
    "recency_days",
    "frequency",
    "monetary_amount",
    "count_views",
    "count_cart_adds",
    "gmv_amount",
    "p_alive",
    "clv_amount",
)

# The rows of one segment in the order they are stored: the export's order, for a snapshot
# marked EXPORT_ORDER_COMMENT.
SEGMENT_EXPORT_STORED_ORDER_SQL = f"""
SELECT {", ".join(EXPORT_COLUMNS)}
FROM customers
WHERE segment = ?
"""  # noqa: S608 EXPORT_COLUMNS are constants
SEGMENT_EXPORT_SQL = f"{SEGMENT_EXPORT_STORED_ORDER_SQL}ORDER BY {TOP_CUSTOMERS_ORDER}\n"
STORED_IN_EXPORT_ORDER_SQL = """
SELECT count(*) FROM duckdb_views()
WHERE database_name = current_database() AND view_name = ? AND comment = ?
"""


def segment_score_counts(con: duckdb.DuckDBPyConnection, segment: str) -> pd.DataFrame:
    """How many of ``segment``'s buyers have each R, F and M score (1–5), zeros included.

    Columns: ``score`` ('r_score'|'f_score'|'m_score'), ``score_value`` (1–5), ``customers``.
    All counts are 0 for a behavioural segment (non-buyers have no RFM scores).
    """
    return con.execute(SCORE_COUNTS_SQL, [segment]).df()


def segment_export_count(con: duckdb.DuckDBPyConnection, segment: str) -> int:
    """How many customers ``segment_export`` gives for ``segment``."""
    return int(con.execute("SELECT count(*) FROM customers WHERE segment = ?",
                           [segment]).fetchall()[0][0])


def segment_export_batches(
    con: duckdb.DuckDBPyConnection, segment: str, batch_rows: int = EXPORT_BATCH_ROWS
) -> Iterator[pd.DataFrame]:
    """``segment_export`` in frames of at most ``batch_rows``, read as DuckDB produces them:
    for a download streamed with bounded memory. Integer columns are nullable integers in every
    batch, so a batch with a missing score prints its other scores as integers too.

    A snapshot whose ``customers`` is stored in the export's order (``EXPORT_ORDER_COMMENT``,
    every refresh since it was introduced) is read in that order without a sort, so memory
    stays at a few batches: ordering the 1.2 M customers of the largest scale-1 segment held
    about 230 MB per download until it was sent. Other snapshots are sorted as before.

    Reads on a cursor of its own, closed when the batches are done or abandoned, so the caller's
    connection stays free for other queries meanwhile."""
    cursor = con.cursor()
    try:
        stored = cursor.execute(STORED_IN_EXPORT_ORDER_SQL,
                                [CUSTOMERS_VIEW, EXPORT_ORDER_COMMENT]).fetchall()[0][0]
        sql = SEGMENT_EXPORT_STORED_ORDER_SQL if stored else SEGMENT_EXPORT_SQL
        reader = cursor.sql(sql, params=[segment]).to_arrow_reader(batch_rows)
        for batch in reader:
            yield batch.to_pandas(types_mapper=_nullable_integers)
    finally:
        cursor.close()


def _nullable_integers(arrow_type: pa.DataType) -> pd.api.extensions.ExtensionDtype | None:
    return pd.Int64Dtype() if pa.types.is_integer(arrow_type) else None


def segment_export(con: duckdb.DuckDBPyConnection, segment: str) -> pd.DataFrame:
    """Every customer of ``segment`` (no row limit), highest CLV first: ``EXPORT_COLUMNS``.

    For the CSV download; a behavioural segment can hold most visitors, so callers should not
    keep the frame around.
    """
    return con.execute(SEGMENT_EXPORT_SQL, [segment]).df()
