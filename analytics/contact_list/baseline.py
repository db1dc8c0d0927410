"""The static formula the daily list replaces: a weighted sum of last-24-hour session values.

    score = 1 × item views + 3 × cart adds + 2 × different items put in the cart

all counted over the 24 hours before the report date. It is what a team without a model ranks
by: every view shows interest, a cart add shows much more (3 + 2 = five views' worth for a
single item), and several items carted more still. The weights are a setting
(``DEFAULT_BASELINE_WEIGHTS``, ``--baseline-weights`` of the backtest); the candidates and the
list size are the model's. Many visitors share a score (one view: score 1), so a list cut inside
a tie takes each tied visitor with the same probability (``lists.tie_shared_membership``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analytics.validation import require_columns

DEFAULT_BASELINE_WEIGHTS: dict[str, float] = {
    "count_views_24h": 1.0,
    "count_cart_adds_24h": 3.0,
    "count_carted_items_24h": 2.0,
}


def baseline_scores(
    frame: pd.DataFrame, weights: Mapping[str, float] = DEFAULT_BASELINE_WEIGHTS
) -> np.ndarray:
    """Σ weight × column for each candidate (missing counts as 0)."""
    if not weights:
        raise ValueError("the baseline needs at least one weighted column")
    require_columns(frame, weights, "baseline formula")
    score = np.zeros(len(frame))
    for column, weight in weights.items():
        if not np.isfinite(weight):
            raise ValueError(f"baseline weight of {column} must be a finite number")
        score += float(weight) * frame[column].astype(float).fillna(0.0).to_numpy()
    return score


def describe_weights(weights: Mapping[str, float] = DEFAULT_BASELINE_WEIGHTS) -> str:
    """The formula in one line, e.g. ``1 × count_views_24h + 3 × count_cart_adds_24h``."""
    return " + ".join(f"{weight:g} × {column}" for column, weight in weights.items())
