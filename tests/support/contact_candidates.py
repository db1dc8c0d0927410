"""Synthetic daily-list candidates: every column of the ``daily_candidates`` feature set, drawn
at random, with purchases drawn from a known rule, for tests of the contact-list models."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.contact_list.features import INPUT_COLUMNS

# The rule behind the synthetic purchases: log-odds = BASE + CART × cart adds in the last 24 h
# + ORDERS × past orders; nothing else matters.
BASE, CART, ORDERS = -4.0, 1.5, 0.8


def candidates(n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """``n`` candidates (customer ids ``v0``, ``v1``, …) and whether each bought (0/1)."""
    rng = np.random.default_rng(seed)
    views = 1 + rng.poisson(1.5, n)
    carts = rng.binomial(1, 0.2, n) * (1 + rng.poisson(0.3, n))
    orders = rng.binomial(1, 0.15, n) * (1 + rng.poisson(1.0, n))
    repeat = rng.random(n) < 0.3
    frame = pd.DataFrame({
        "customer_id": [f"v{i}" for i in range(n)],
        "count_views_24h": views,
        "count_cart_adds_24h": carts,
        "count_carted_items_24h": carts,
        "count_purchases_24h": rng.binomial(1, 0.02, n),
        "count_distinct_items_24h": np.minimum(views, 1 + rng.poisson(1.0, n)),
        "count_distinct_categories_24h": 1 + rng.poisson(0.3, n),
        "avg_view_price_24h": rng.lognormal(7, 1, n),
        "max_view_price_24h": rng.lognormal(7.5, 1, n),
        "avg_cart_price_24h": np.where(carts > 0, rng.lognormal(7, 1, n), np.nan),
        "count_sessions_24h": 1 + rng.poisson(0.1, n),
        "session_minutes_24h": rng.exponential(2.0, n),
        "hour_of_last_activity": rng.integers(0, 24, n),
        "hours_since_last_activity": rng.uniform(0, 24, n),
        "is_repeat_visitor": repeat,
        "days_since_previous_visit": np.where(repeat, rng.exponential(7.0, n), np.nan),
        "days_since_first_activity": rng.exponential(3.0, n),
        "count_active_days": 1 + repeat * rng.poisson(2.0, n),
        "is_single_visit": ~repeat,
        "count_sessions": 1 + rng.poisson(0.5, n),
        "avg_session_minutes": rng.exponential(1.0, n),
        "count_views": views + rng.poisson(1.0, n),
        "count_cart_adds": carts + rng.poisson(0.1, n),
        "count_distinct_items": views,
        "count_orders": orders,
        "gmv_amount": orders * rng.lognormal(7, 1, n),
        "days_since_last_purchase": np.where(orders > 0, rng.exponential(10.0, n), np.nan),
        "recency_days": np.where(orders > 0, rng.integers(0, 30, n), np.nan),
    })
    assert set(INPUT_COLUMNS) <= set(frame.columns)
    logit = BASE + CART * carts + ORDERS * orders
    bought = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame, bought
