"""The BTYD input frame: checks of its conventions and the distinct rows the fits work on.

One row per buyer, produced in the warehouse by ``warehouse/clv_inputs.py`` (time unit days):
``customer_id, frequency`` (repeat purchase days), ``recency`` (days first → last purchase day),
``T`` (days first purchase day → cut-off), ``monetary_value`` (mean spend of the repeat purchase
days, 0 when frequency = 0); optionally ``first_purchase_value`` (spend of the first purchase
day), which lets a one-time buyer's own order inform their expected spend.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.validation import require_columns

SUMMARY_COLUMNS = ("customer_id", "frequency", "recency", "T", "monetary_value")
FIRST_PURCHASE_COLUMN = "first_purchase_value"


def check_summary(summary: pd.DataFrame) -> None:
    """Raise a ValueError naming the column and the first customer that break the conventions."""
    require_columns(summary, SUMMARY_COLUMNS, "CLV input")
    frequency, recency, age = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    problems = {
        "frequency": (frequency < 0) | (frequency != np.floor(frequency)),
        "recency": (recency < 0) | ((frequency == 0) & (recency != 0)),
        "T": age < recency,
    }
    for column, bad in problems.items():
        if bad.any():
            row = summary.iloc[int(np.argmax(bad))]
            raise ValueError(
                f"CLV input column {column!r} breaks the BTYD conventions for customer "
                f"{row['customer_id']!r} (frequency={row['frequency']}, recency={row['recency']}, "
                f"T={row['T']}): expected integer frequency >= 0, 0 <= recency <= T, "
                "recency = 0 when frequency = 0"
            )


def unique_rows(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (frequency, recency, T) rows, their counts, and each customer's row index.

    The purchase models are fitted and evaluated on these rows (weighted by their counts: the same
    likelihood as one row per customer), which are a few thousand whatever the number of buyers.
    """
    triples = summary[["frequency", "recency", "T"]].astype(float)
    inverse = triples.groupby(["frequency", "recency", "T"], sort=False).ngroup().to_numpy()
    _, first, counts = np.unique(inverse, return_index=True, return_counts=True)
    return triples.to_numpy()[first], counts, inverse
