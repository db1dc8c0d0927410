"""The model's inputs: raw history columns per (customer, item) row, and the features built from
them.

A row joins four point-in-time feature sets (``warehouse/sql/features/promote_*.sql``): the
customer's orders, the item's popularity and price, the customer's history with the item and with
its category. Pairs without history carry zeros (their history columns are NULL/NaN here). The
features are transforms that make a linear model's job easy: counts on a log scale, recencies as
an exponential decay over the horizon ``H``, rates per horizon, shares, the item's re-purchase
cycle compared with the time since it was last bought, and the logarithm of the number of
large-basket purchases expected if the customer's habits hold (their large orders per horizon
times the share of their orders holding the item, or its category), which a logistic model
turns into a product of the two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.validation import require_columns

RAW_COLUMNS = (
    # customer (promote_customers)
    "count_orders", "count_large_orders", "count_orders_28d", "avg_basket_size",
    "avg_order_amount", "days_since_first_order", "days_since_last_order",
    # item (promote_items)
    "count_buyers_28d", "count_large_orders_28d", "penetration_28d", "repeat_buyer_share",
    "price_amount",
    # customer × item (promote_customer_items)
    "count_bought", "count_bought_large", "days_since_bought", "mean_gap_days", "sd_gap_days",
    "count_views", "count_cart_adds",
    # customer × category (promote_customer_categories)
    "category_orders", "category_items", "category_days_since",
)
MIN_TENURE_DAYS = 7.0  # a customer's rates are taken over at least a week


@dataclass(frozen=True)
class Feature:
    name: str
    description: str  # what a higher value means, for the coefficients in words


FEATURES: tuple[Feature, ...] = (
    Feature("cust_log_orders", "more orders placed (log)"),
    Feature("cust_order_rate", "more orders expected in the horizon at their pace"),
    Feature("cust_large_rate", "more large-basket orders expected in the horizon at their pace"),
    Feature("cust_large_share", "a larger share of their orders in large baskets"),
    Feature("cust_recency", "a more recent last order"),
    Feature("cust_recent_orders", "more orders in the last 28 days (log)"),
    Feature("cust_log_basket", "larger baskets on average (log)"),
    Feature("cust_log_order_amount", "higher spend per order (log)"),
    Feature("item_log_buyers", "a more popular item: buyers in the last 28 days (log)"),
    Feature("item_log_large_orders", "an item more often in large baskets lately (log)"),
    Feature("item_penetration", "an item bought by a larger share of recent customers"),
    Feature("item_repeat_share", "an item its buyers buy again more often"),
    Feature("item_log_price", "a more expensive item (log)"),
    Feature("pair_bought", "having bought the item before"),
    Feature("pair_log_bought", "having bought the item more often (log)"),
    Feature("pair_rate", "buying the item more often per horizon"),
    Feature("pair_order_share", "the item in a larger share of their orders"),
    Feature("pair_large_share", "buying the item in large baskets"),
    Feature("pair_recency", "having bought the item more recently"),
    Feature("pair_due", "the item due again within the horizon by its re-purchase cycle"),
    Feature("pair_overdue", "the item overdue by its re-purchase cycle"),
    Feature("pair_regularity", "buying the item at regular intervals"),
    Feature("pair_log_views", "having viewed the item more (log)"),
    Feature("pair_log_carts", "having put the item in the cart more (log)"),
    Feature("cat_order_share", "the item's category in a larger share of their orders"),
    Feature("cat_log_items", "more items of the item's category in one order (log)"),
    Feature("cat_recency", "having bought in the item's category more recently"),
    Feature("pair_log_expected", "more large-basket purchases of the item expected in the "
                                 "horizon: large orders per horizon × share of orders with it "
                                 "(log)"),
    Feature("cat_log_expected", "more large-basket orders in the item's category expected in "
                                "the horizon (log)"),
)
EXPECTED_FLOOR = 1e-3  # log(floor + expected count): customers without history stay finite
FEATURE_NAMES = tuple(feature.name for feature in FEATURES)


def _column(rows: pd.DataFrame, name: str, fill: float = 0.0) -> np.ndarray:
    return pd.to_numeric(rows[name], errors="coerce").fillna(fill).to_numpy(dtype=np.float64)


def _decay(days: np.ndarray, horizon: float) -> np.ndarray:
    """exp(−days / H); 0 where there is no such date (NaN)."""
    return np.where(np.isnan(days), 0.0, np.exp(-np.maximum(days, 0.0) / horizon))


def design_matrix(rows: pd.DataFrame, horizon_days: int) -> np.ndarray:
    """The feature matrix (rows × ``FEATURE_NAMES``, float64) of ``rows`` (``RAW_COLUMNS``).

    ``horizon_days`` is the label's window H. Missing history counts as none.
    """
    require_columns(rows, RAW_COLUMNS, "propensity rows")
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be at least 1, got {horizon_days}")
    h = float(horizon_days)
    orders = _column(rows, "count_orders")
    tenure = np.maximum(_column(rows, "days_since_first_order"), MIN_TENURE_DAYS)
    bought = _column(rows, "count_bought")
    since = pd.to_numeric(rows["days_since_bought"], errors="coerce").to_numpy(np.float64)
    gap = pd.to_numeric(rows["mean_gap_days"], errors="coerce").to_numpy(np.float64)
    sd_gap = pd.to_numeric(rows["sd_gap_days"], errors="coerce").to_numpy(np.float64)
    has_cycle = ~np.isnan(gap) & (gap > 0) & ~np.isnan(since)
    safe_gap = np.where(has_cycle, gap, 1.0)
    safe_since = np.where(np.isnan(since), 0.0, since)
    due = has_cycle & (safe_since + h >= safe_gap)
    overdue = np.where(has_cycle, np.clip((safe_since - safe_gap) / safe_gap, 0.0, 3.0), 0.0)
    regular = ~np.isnan(sd_gap) & has_cycle
    regularity = np.where(regular, 1.0 / (1.0 + np.where(regular, sd_gap, 0.0) / safe_gap), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        large_share = np.where(orders > 0, _column(rows, "count_large_orders") / orders, 0.0)
        order_share = np.where(orders > 0, bought / orders, 0.0)
        pair_large = np.where(bought > 0, _column(rows, "count_bought_large") / bought, 0.0)
        category_share = np.where(orders > 0, _column(rows, "category_orders") / orders, 0.0)
    price = _column(rows, "price_amount")
    large_rate = _column(rows, "count_large_orders") / tenure * h
    columns = {
        "cust_log_orders": np.log1p(orders),
        "cust_order_rate": orders / tenure * h,
        "cust_large_rate": large_rate,
        "cust_large_share": large_share,
        "cust_recency": _decay(pd.to_numeric(rows["days_since_last_order"], errors="coerce")
                               .to_numpy(np.float64), h),
        "cust_recent_orders": np.log1p(_column(rows, "count_orders_28d")),
        "cust_log_basket": np.log(np.maximum(_column(rows, "avg_basket_size", 1.0), 1.0)),
        "cust_log_order_amount": np.log1p(np.maximum(_column(rows, "avg_order_amount"), 0.0)),
        "item_log_buyers": np.log1p(_column(rows, "count_buyers_28d")),
        "item_log_large_orders": np.log1p(_column(rows, "count_large_orders_28d")),
        "item_penetration": _column(rows, "penetration_28d"),
        "item_repeat_share": _column(rows, "repeat_buyer_share"),
        "item_log_price": np.log1p(np.maximum(price, 0.0)),
        "pair_bought": (bought > 0).astype(np.float64),
        "pair_log_bought": np.log1p(bought),
        "pair_rate": bought / tenure * h,
        "pair_order_share": order_share,
        "pair_large_share": pair_large,
        "pair_recency": _decay(since, h),
        "pair_due": due.astype(np.float64),
        "pair_overdue": overdue,
        "pair_regularity": regularity,
        "pair_log_views": np.log1p(_column(rows, "count_views")),
        "pair_log_carts": np.log1p(_column(rows, "count_cart_adds")),
        "cat_order_share": category_share,
        "cat_log_items": np.log1p(_column(rows, "category_items")),
        "cat_recency": _decay(pd.to_numeric(rows["category_days_since"], errors="coerce")
                              .to_numpy(np.float64), h),
        "pair_log_expected": np.log(EXPECTED_FLOOR + large_rate * order_share),
        "cat_log_expected": np.log(EXPECTED_FLOOR + large_rate * category_share),
    }
    return np.column_stack([columns[name] for name in FEATURE_NAMES])
