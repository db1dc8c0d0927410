"""What a fitted contact model learned, in sentences a sales manager reads.

A weight on a standardised, log-scaled column means little to a reader, and signals that move
together (views and different items viewed; orders, money spent and days since the last order)
cannot be judged one at a time: a visitor with money spent but no order does not exist. So the
model is read by *signal*: a group of inputs led by one, compared between two realistic visitors
who are typical in everything else. The low visitor has the leading input at its 10th
percentile among the candidates, the high one at its 90th (for an input most candidates lack,
such as a cart add: none against the typical value of those who have one); the other inputs of
the group take their median among candidates with such a leading value. The model's odds of
buying for the two give the ratio. Purchases within three days are rare (well under one in ten
candidates), so an odds ratio reads as "times as likely to buy".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.contact_list.features import INPUT_COLUMNS
from analytics.contact_list.model import ConversionModel
from analytics.validation import require_columns

COLUMNS = ["signal", "low", "high", "odds_ratio", "sentence"]
HOURS_OF_DAY = np.arange(24.0)


@dataclass(frozen=True)
class Signal:
    """A group of model inputs read together; ``lead`` sets the comparison."""

    name: str  # how the sentence starts
    lead: str
    unit: str = ""  # after a value; "" = a yes/no signal
    follows: tuple[str, ...] = ()
    is_hour: bool = False


SIGNALS: tuple[Signal, ...] = (
    Signal("Item views in the last 24 hours", "count_views_24h", "views",
           ("count_distinct_items_24h", "count_distinct_categories_24h", "count_sessions_24h",
            "session_minutes_24h")),
    Signal("Cart adds in the last 24 hours", "count_cart_adds_24h", "cart adds",
           ("avg_cart_price_24h",)),
    Signal("Items bought in the last 24 hours", "count_purchases_24h", "items"),
    Signal("Average price of the items viewed in the last 24 hours", "avg_view_price_24h",
           "in the shop's currency"),
    Signal("Hours since the last visit", "hours_since_last_activity", "hours"),
    Signal("Time of day of the last visit", "hour_of_last_activity", is_hour=True),
    Signal("Visited before the last 24 hours", "is_repeat_visitor", "",
           ("days_since_previous_visit", "count_active_days", "count_sessions",
            "days_since_first_activity")),
    Signal("Item views before, ever", "count_views", "views",
           ("count_distinct_items", "count_cart_adds")),
    Signal("Average length of a visit", "avg_session_minutes", "minutes"),
    Signal("Bought before", "count_orders", "",
           ("gmv_amount", "days_since_last_purchase")),
)


def _numbers(values: pd.Series) -> pd.Series:
    return values.astype(float)


def _median(values: pd.Series) -> float:
    """The median of the known values; NaN (none) when no value is known."""
    known = _numbers(values).dropna()
    return float(known.median()) if len(known) else np.nan


def _typical(reference: pd.DataFrame) -> pd.DataFrame:
    """One candidate with every input at its median (a yes/no input at its majority)."""
    row = {}
    for column in INPUT_COLUMNS:
        values = reference[column]
        if values.dtype == bool:
            row[column] = bool(values.mean() >= 0.5)
        else:
            row[column] = _median(values)
    return pd.DataFrame([row])


def _bounds(lead: pd.Series, is_flag: bool) -> tuple[float, float] | None:
    numbers = _numbers(lead).fillna(0.0)
    if is_flag:
        numbers = (numbers > 0).astype(float)
        return (0.0, 1.0) if numbers.min() < numbers.max() else None
    low, high = float(numbers.quantile(0.1)), float(numbers.quantile(0.9))
    if high <= low:
        above = numbers[numbers > low]
        if above.empty:
            return None
        high = float(above.median())
    return low, high


def _visitor(typical: pd.DataFrame, reference: pd.DataFrame, signal: Signal,
             lead_values: pd.Series, chosen: pd.Series) -> pd.DataFrame:
    """The typical candidate with the signal's inputs as the ``chosen`` candidates have them."""
    row = typical.copy()
    for column in signal.follows:
        row[column] = _median(reference.loc[chosen, column])
    lead = lead_values[chosen]
    row[signal.lead] = bool(lead.iloc[0]) if lead.dtype == bool else float(lead.median())
    return row


def _amount(value: float, unit: str) -> str:
    """``value`` with its unit: "1 view", "3 views", "2.5 minutes"."""
    number = f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:,.1f}"
    if value == 1 and unit.endswith("s"):
        unit = unit[:-1]
    return f"{number} {unit}"


def _sentence(signal: Signal, low: float, high: float, ratio: float) -> str:
    if signal.is_hour:
        change = f"{signal.name}: {int(high):02d}:00 rather than {int(low):02d}:00 (UTC)"
    elif not signal.unit:
        change = f"{signal.name}: yes rather than no"
    else:
        change = (f"{signal.name}: {_amount(high, signal.unit)} rather than "
                  f"{_amount(low, signal.unit)}")
    if ratio >= 1:
        return f"{change} → {ratio:.1f} times as likely to buy."
    return f"{change} → {1 / ratio:.1f} times less likely to buy."


def _hour_effect(model: ConversionModel, typical: pd.DataFrame, signal: Signal) -> tuple:
    hours = pd.concat([typical] * len(HOURS_OF_DAY), ignore_index=True)
    hours[signal.lead] = HOURS_OF_DAY
    logit = model.decision_function(hours)
    return float(np.argmin(logit)), float(np.argmax(logit)), float(np.exp(np.ptp(logit)))


def learned_effects(
    model: ConversionModel, reference: pd.DataFrame, top: int = 6
) -> pd.DataFrame:
    """The ``top`` signals that move the model's odds most, strongest first.

    ``reference``: candidates (the ``daily_candidates`` columns), e.g. the training window, that
    set the typical visitor and the low and high values. Columns: ``signal``, ``low`` and
    ``high`` (the leading input's two values), ``odds_ratio`` (high against low) and
    ``sentence``.
    """
    require_columns(reference, INPUT_COLUMNS, "model explanation")
    if reference.empty:
        return pd.DataFrame(columns=COLUMNS)
    typical = _typical(reference)
    rows = []
    for signal in SIGNALS:
        if signal.is_hour:
            low, high, ratio = _hour_effect(model, typical, signal)
        else:
            lead = reference[signal.lead]
            is_flag = not signal.unit
            bounds = _bounds(lead, is_flag)
            if bounds is None:
                continue
            low, high = bounds
            numbers = _numbers(lead).fillna(0.0)
            if is_flag:
                numbers = (numbers > 0).astype(float)
            pair = pd.concat([
                _visitor(typical, reference, signal, lead, numbers <= low),
                _visitor(typical, reference, signal, lead, numbers >= high),
            ], ignore_index=True)
            if is_flag and lead.dtype != bool:  # a count read as yes/no: the typical count
                low, high = pair[signal.lead].tolist()
            logit = model.decision_function(pair)
            ratio = float(np.exp(logit[1] - logit[0]))
        rows.append({"signal": signal.name, "low": low, "high": high, "odds_ratio": ratio,
                     "sentence": _sentence(signal, low, high, ratio)})
    frame = pd.DataFrame(rows, columns=COLUMNS)
    strength = np.abs(np.log(frame["odds_ratio"].astype(float)))
    return frame.loc[strength.sort_values(ascending=False).index].head(top).reset_index(
        drop=True)
