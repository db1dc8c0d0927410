"""The customer activity profile every source of decline data delivers: one row per customer.

The columns are those of the published "One Click" files in English. A source that cannot provide
a column leaves it out (the event warehouse has no service type and no service errors); it is
never filled with an invented value. ``purchase_activity`` is the label: ``"decreased"``,
``"previous level"``, or missing for a customer to score but not to train on.

Monthly profit is in the contract for the risk × profit segments, not as a model feature: in the
warehouse it is a margin rate times revenue, so it would only repeat the revenue columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

KEY = "customer_id"
LABEL = "purchase_activity"
DECREASED, PREVIOUS_LEVEL = "decreased", "previous level"
LABELS = (DECREASED, PREVIOUS_LEVEL)
NUMBER, CATEGORY = "number", "category"
PROFIT = "monthly_profit"


@dataclass(frozen=True)
class Column:
    """One column of the profile: its name, kind (number or category) and words for people."""

    name: str
    kind: str
    label: str


FEATURES = (
    Column("service_type", CATEGORY, "service type"),
    Column("allows_notifications", CATEGORY, "allows notifications"),
    Column("marketing_contacts_6m", NUMBER, "marketing contacts per month (6 months)"),
    Column("marketing_contacts_current_month", NUMBER, "marketing contacts this month"),
    Column("tenure_days", NUMBER, "days since registration"),
    Column("promotion_share", NUMBER, "promotion share"),
    Column("popular_category", CATEGORY, "popular category"),
    Column("categories_per_visit", NUMBER, "categories per visit"),
    Column("unpaid_items_3m", NUMBER, "unpaid cart items (3 months)"),
    Column("service_errors", NUMBER, "service errors"),
    Column("pages_per_visit", NUMBER, "pages per visit"),
    Column("revenue_current_month", NUMBER, "revenue this month"),
    Column("revenue_previous_month", NUMBER, "revenue last month"),
    Column("revenue_earlier_month", NUMBER, "revenue two months ago"),
    Column("minutes_current_month", NUMBER, "minutes on site this month"),
    Column("minutes_previous_month", NUMBER, "minutes on site last month"),
)
COLUMNS = {column.name: column for column in FEATURES}
REVENUE_MONTHS = ("revenue_current_month", "revenue_previous_month", "revenue_earlier_month")


def feature_label(name: str) -> str:
    """Plain words for a feature (its name when it is not in the contract)."""
    column = COLUMNS.get(name)
    return column.label if column else name.replace("_", " ")


def present_features(frame: pd.DataFrame, exclude: Iterable[str] = ()) -> list[str]:
    """The contract's feature columns that ``frame`` holds, in contract order."""
    excluded = set(exclude)
    return [c.name for c in FEATURES if c.name in frame.columns and c.name not in excluded]


def split_kinds(features: Iterable[str]) -> tuple[list[str], list[str]]:
    """(number features, category features), each in the order given."""
    features = list(features)
    numbers = [f for f in features if COLUMNS[f].kind == NUMBER]
    return numbers, [f for f in features if COLUMNS[f].kind == CATEGORY]


def check_profile(frame: pd.DataFrame) -> None:
    """Raise ValueError naming what is wrong: no key, repeated keys, an unknown label value, or
    fewer than two feature columns."""
    if KEY not in frame.columns:
        raise ValueError(f"the customer profile needs a {KEY!r} column")
    repeated = frame[KEY].duplicated()
    if repeated.any():
        raise ValueError(f"customer {frame.loc[repeated, KEY].iloc[0]!r} appears more than once "
                         "in the customer profile")
    if LABEL in frame.columns:
        unknown = set(frame[LABEL].dropna()) - set(LABELS)
        if unknown:
            raise ValueError(f"{LABEL} holds {sorted(unknown)!r}; expected {' or '.join(LABELS)} "
                             "or empty")
    if len(present_features(frame)) < 2:
        raise ValueError("the customer profile holds fewer than two of the contract's features: "
                         + ", ".join(c.name for c in FEATURES))


def is_decreased(frame: pd.DataFrame) -> pd.Series:
    """1 where the label is "decreased", 0 where it is "previous level" (labelled rows only)."""
    labelled = frame[LABEL].dropna()
    return (labelled == DECREASED).astype(int)
