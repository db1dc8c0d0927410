"""Read queries for the migration page, on the snapshot's ``segment_snapshots``.

Counts are computed in DuckDB; the page only pivots and draws them.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

NEW = "(new)"
GONE = "(gone)"

SNAPSHOT_DATES_SQL = "SELECT DISTINCT period_end FROM segment_snapshots ORDER BY period_end"

SIZES_OVER_TIME_SQL = """
WITH sizes AS (
    SELECT period_end, segment, count(*) AS customers
    FROM segment_snapshots
    GROUP BY period_end, segment
)

SELECT sizes.period_end, sizes.segment, definitions.segment_kind, sizes.customers
FROM sizes
LEFT JOIN segment_definitions AS definitions USING (segment)
ORDER BY sizes.period_end, definitions.display_order NULLS LAST, sizes.segment
"""

TRANSITIONS_SQL = """
WITH before AS (
    SELECT customer_id, segment FROM segment_snapshots WHERE period_end = CAST($from AS DATE)
),

after AS (
    SELECT customer_id, segment FROM segment_snapshots WHERE period_end = CAST($to AS DATE)
),

moves AS (
    SELECT
        coalesce(before.segment, $new) AS from_segment,
        coalesce(after.segment, $gone) AS to_segment,
        count(*) AS customers
    FROM before
    FULL OUTER JOIN after USING (customer_id)
    GROUP BY ALL
)

SELECT moves.*
FROM moves
LEFT JOIN segment_definitions AS from_def ON from_def.segment = moves.from_segment
LEFT JOIN segment_definitions AS to_def ON to_def.segment = moves.to_segment
ORDER BY from_def.display_order NULLS LAST, moves.from_segment,
         to_def.display_order NULLS LAST, moves.to_segment
"""


def snapshot_dates(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Period ends that have a segment snapshot, oldest first."""
    return [row[0] for row in con.execute(SNAPSHOT_DATES_SQL).fetchall()]


def segment_sizes_over_time(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Customers per segment and period end: ``period_end, segment, segment_kind, customers``."""
    return con.execute(SIZES_OVER_TIME_SQL).df()


def transition_counts(
    con: duckdb.DuckDBPyConnection, from_period: date | str, to_period: date | str
) -> pd.DataFrame:
    """Customers moving between two snapshots: ``from_segment, to_segment, customers``.

    Customers first present at ``to_period`` come from ``(new)``; customers missing from it go
    to ``(gone)``. Raises ValueError if either date has no snapshot.
    """
    from_period, to_period = pd.Timestamp(from_period).date(), pd.Timestamp(to_period).date()
    known = set(snapshot_dates(con))
    for label, when in (("from", from_period), ("to", to_period)):
        if when not in known:
            shown = ", ".join(str(d) for d in sorted(known)) or "none"
            raise ValueError(
                f"transition {label} period {when}: no segment snapshot on that date; "
                f"snapshots exist for {shown}"
            )
    params = {"from": from_period, "to": to_period, "new": NEW, "gone": GONE}
    return con.execute(TRANSITIONS_SQL, params).df()
