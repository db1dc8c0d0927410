"""Segment migration: how many customers sit in each segment over time, and where they move.

Input everywhere is a snapshot frame ``period_end, customer_id, segment`` with one row per
customer per period end (the ``segment_snapshots`` table).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.rfm import require_columns

SNAPSHOT_COLUMNS = ("period_end", "customer_id", "segment")
NEW = "(new)"
GONE = "(gone)"


def segment_sizes(snapshots: pd.DataFrame) -> pd.DataFrame:
    """Customers per segment at each period end: ``period_end, segment, customers``."""
    require_columns(snapshots, SNAPSHOT_COLUMNS, "segment sizes")
    sizes = snapshots.groupby(["period_end", "segment"], sort=True).size()
    return sizes.rename("customers").reset_index()


def _period(snapshots: pd.DataFrame, when: date | str | pd.Timestamp) -> pd.DataFrame:
    ends = pd.to_datetime(snapshots["period_end"])
    chosen = ends == pd.Timestamp(when)
    if not chosen.any():
        known = ", ".join(sorted({str(d.date()) for d in ends}))
        raise ValueError(f"no segment snapshot for period_end {when}; snapshots exist for {known}")
    return snapshots.loc[chosen, ["customer_id", "segment"]]


def transition_matrix(
    snapshots: pd.DataFrame,
    from_period: date | str | pd.Timestamp,
    to_period: date | str | pd.Timestamp,
) -> pd.DataFrame:
    """Counts of customers by segment at ``from_period`` (rows) × at ``to_period`` (columns).

    Customers absent at ``from_period`` appear in the row ``(new)``; customers absent at
    ``to_period`` in the column ``(gone)``; each only when it is non-empty. Cells are ints;
    index name ``from_segment``, columns name ``to_segment``.
    """
    require_columns(snapshots, SNAPSHOT_COLUMNS, "transition matrix")
    before = _period(snapshots, from_period).rename(columns={"segment": "from_segment"})
    after = _period(snapshots, to_period).rename(columns={"segment": "to_segment"})
    moves = before.merge(after, on="customer_id", how="outer")
    moves["from_segment"] = moves["from_segment"].fillna(NEW)
    moves["to_segment"] = moves["to_segment"].fillna(GONE)
    matrix = pd.crosstab(moves["from_segment"], moves["to_segment"])
    rows = sorted(r for r in matrix.index if r != NEW) + [r for r in matrix.index if r == NEW]
    cols = sorted(c for c in matrix.columns if c != GONE) + [c for c in matrix.columns if c == GONE]
    return matrix.loc[rows, cols].astype(int)
