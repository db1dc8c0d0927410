"""The model's inputs: one numeric column per signal, from a ``daily_candidates`` frame.

Counts, amounts and durations are heavy-tailed (most visitors view one item, a few view a
hundred), so they enter as ``log(1 + x)``: a linear model then weighs "1 → 2 views" about like
"10 → 20 views". A missing value means "none" (no priced item viewed, no earlier visit, no past
order) and becomes 0 beside a flag where the absence itself says something. The hour of the last
activity is a position on the clock, so it enters as a point on a circle (sine, cosine).

``FEATURES`` lists every model column with the candidate column it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.validation import require_columns

LOG, FLAG, HOURS, SIN, COS = "log", "flag", "hours", "sin", "cos"


@dataclass(frozen=True)
class ModelFeature:
    """A model column: the ``source`` column of the candidates and how it is scaled."""

    name: str
    source: str
    scale: str  # LOG: log(1 + x), missing = 0; FLAG: 1 if x > 0; HOURS: x / 24; SIN, COS: hour


FEATURES: tuple[ModelFeature, ...] = (
    # the last 24 hours
    ModelFeature("log_views_24h", "count_views_24h", LOG),
    ModelFeature("log_cart_adds_24h", "count_cart_adds_24h", LOG),
    ModelFeature("log_purchases_24h", "count_purchases_24h", LOG),
    ModelFeature("log_distinct_items_24h", "count_distinct_items_24h", LOG),
    ModelFeature("log_distinct_categories_24h", "count_distinct_categories_24h", LOG),
    ModelFeature("log_view_price_24h", "avg_view_price_24h", LOG),
    ModelFeature("log_cart_price_24h", "avg_cart_price_24h", LOG),
    ModelFeature("log_sessions_24h", "count_sessions_24h", LOG),
    ModelFeature("log_session_minutes_24h", "session_minutes_24h", LOG),
    ModelFeature("hours_since_last_activity", "hours_since_last_activity", HOURS),
    ModelFeature("hour_sin", "hour_of_last_activity", SIN),
    ModelFeature("hour_cos", "hour_of_last_activity", COS),
    # all history before the report date
    ModelFeature("is_repeat_visitor", "is_repeat_visitor", FLAG),
    ModelFeature("log_days_since_previous_visit", "days_since_previous_visit", LOG),
    ModelFeature("log_days_since_first_activity", "days_since_first_activity", LOG),
    ModelFeature("log_active_days", "count_active_days", LOG),
    ModelFeature("log_sessions", "count_sessions", LOG),
    ModelFeature("log_avg_session_minutes", "avg_session_minutes", LOG),
    ModelFeature("log_views", "count_views", LOG),
    ModelFeature("log_cart_adds", "count_cart_adds", LOG),
    ModelFeature("log_distinct_items", "count_distinct_items", LOG),
    ModelFeature("is_buyer", "count_orders", FLAG),
    ModelFeature("log_orders", "count_orders", LOG),
    ModelFeature("log_gmv", "gmv_amount", LOG),
    ModelFeature("log_days_since_last_purchase", "days_since_last_purchase", LOG),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
INPUT_COLUMNS: tuple[str, ...] = tuple(dict.fromkeys(f.source for f in FEATURES))


def _column(numbers: np.ndarray, feature: ModelFeature) -> np.ndarray:
    """One model column from its source's values (floats, missing as 0)."""
    if feature.scale == FLAG:
        return (numbers > 0).astype(float)
    if feature.scale == LOG:
        return np.log1p(np.maximum(numbers, 0.0))
    if feature.scale == HOURS:
        return numbers / 24.0
    angle = 2 * np.pi * numbers / 24.0
    return np.sin(angle) if feature.scale == SIN else np.cos(angle)


def design_matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """The model's columns (``FEATURE_NAMES``, float) for each row of a candidates frame."""
    require_columns(frame, INPUT_COLUMNS, "daily contact model")
    sources = {column: frame[column].to_numpy(dtype=float, na_value=0.0)
               for column in INPUT_COLUMNS}
    matrix = np.column_stack([_column(sources[f.source], f) for f in FEATURES])
    return pd.DataFrame(matrix, columns=list(FEATURE_NAMES), index=frame.index)
