"""Read queries for the migration page, on the snapshot's ``segment_sizes`` and
``segment_transitions``.

Counts are precomputed at refresh (``warehouse/pipeline/steps/segment_snapshots.py``); the page
only pivots and draws them.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from analytics.migration import GONE, NEW  # noqa: F401 -- the page's labels, re-exported

SEGMENT_ORDER_SQL = "SELECT segment FROM segment_definitions ORDER BY display_order, segment"

SEGMENT_KINDS_SQL = "SELECT segment, segment_kind FROM segment_definitions"

SNAPSHOT_DATES_SQL = "SELECT DISTINCT period_end FROM segment_sizes ORDER BY period_end"

SIZES_OVER_TIME_SQL = """
SELECT
    sizes.period_end, sizes.segment, definitions.segment_kind, definitions.display_order,
    sizes.customers
FROM segment_sizes AS sizes
LEFT JOIN segment_definitions AS definitions USING (segment)
ORDER BY sizes.period_end, definitions.display_order NULLS LAST, sizes.segment
"""

# Precomputed for every pair of period ends by warehouse/pipeline/steps/segment_snapshots.py.
TRANSITIONS_SQL = """
SELECT moves.from_segment, moves.to_segment, moves.customers
FROM segment_transitions AS moves
LEFT JOIN segment_definitions AS from_def ON from_def.segment = moves.from_segment
LEFT JOIN segment_definitions AS to_def ON to_def.segment = moves.to_segment
WHERE moves.from_period = CAST($from AS DATE) AND moves.to_period = CAST($to AS DATE)
ORDER BY from_def.display_order NULLS LAST, moves.from_segment,
         to_def.display_order NULLS LAST, moves.to_segment
"""


def segment_order(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every defined segment, in display order (for legends and colours)."""
    return [row[0] for row in con.execute(SEGMENT_ORDER_SQL).fetchall()]


def segment_kinds(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every defined segment's kind: 'rfm' (buyers) or 'behavioural' (never bought)."""
    return dict(con.execute(SEGMENT_KINDS_SQL).fetchall())


def snapshot_dates(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Period ends that have a segment snapshot, oldest first."""
    return [row[0] for row in con.execute(SNAPSHOT_DATES_SQL).fetchall()]


def segment_sizes_over_time(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Customers per segment and period end: ``period_end, segment, segment_kind, display_order,
    customers`` (ordered by period end, then display order)."""
    return con.execute(SIZES_OVER_TIME_SQL).df()


def transition_counts(
    con: duckdb.DuckDBPyConnection, from_period: date | str, to_period: date | str
) -> pd.DataFrame:
    """Customers moving between two snapshots: ``from_segment, to_segment, customers``.

    Customers first present at ``to_period`` come from ``(new)``; customers missing from it go
    to ``(gone)``. Rows in display order of both segments. Raises ValueError if either date has
    no snapshot or ``from_period`` is not before ``to_period``.
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
    if from_period >= to_period:
        raise ValueError(
            f"transition from {from_period} to {to_period}: the 'from' snapshot must be "
            "before the 'to' snapshot"
        )
    params = {"from": from_period, "to": to_period}
    return con.execute(TRANSITIONS_SQL, params).df()
