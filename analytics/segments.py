"""Named customer segments: an RFM rule table for buyers, behavioural rules for non-buyers.

The RFM table is data: each rule is a box of (R, F, M) score ranges, a segment may own several
boxes, and :func:`expand_rules` checks that the boxes tile all 125 score combinations exactly
once. Non-buyers have no RFM, so they are segmented by what they did (cart adds, views, visits),
with the "many views" threshold relative to the data. docs/METHODS.md ("RFM segments") has both
tables.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.rfm import N_SCORES
from analytics.validation import require_columns


@dataclass(frozen=True)
class RfmRule:
    """Customers whose scores lie in all three inclusive ranges belong to ``segment``."""

    segment: str
    r: tuple[int, int]
    f: tuple[int, int]
    m: tuple[int, int]


# Read by R (recency), then F (orders), then M (money). F = 1 is the one-order majority.
RFM_RULES: tuple[RfmRule, ...] = (
    RfmRule("Champions", r=(4, 5), f=(4, 5), m=(3, 5)),
    RfmRule("Loyal Customers", r=(4, 5), f=(4, 5), m=(1, 2)),
    RfmRule("Loyal Customers", r=(3, 3), f=(4, 5), m=(1, 5)),
    RfmRule("Potential Loyalists", r=(4, 5), f=(2, 3), m=(1, 5)),
    RfmRule("Potential Loyalists", r=(4, 5), f=(1, 1), m=(4, 5)),
    RfmRule("New Customers", r=(5, 5), f=(1, 1), m=(1, 3)),
    RfmRule("Promising", r=(4, 4), f=(1, 1), m=(1, 3)),
    RfmRule("Need Attention", r=(3, 3), f=(2, 3), m=(1, 5)),
    RfmRule("Need Attention", r=(3, 3), f=(1, 1), m=(4, 5)),
    RfmRule("About to Sleep", r=(3, 3), f=(1, 1), m=(1, 3)),
    RfmRule("At Risk", r=(1, 2), f=(2, 3), m=(1, 5)),
    RfmRule("At Risk", r=(1, 2), f=(4, 5), m=(1, 3)),
    RfmRule("Can't Lose Them", r=(1, 2), f=(4, 5), m=(4, 5)),
    RfmRule("Hibernating", r=(2, 2), f=(1, 1), m=(1, 5)),
    RfmRule("Lost", r=(1, 1), f=(1, 1), m=(1, 5)),
)

# Display order and meaning, for legends (segment_definitions table).
RFM_SEGMENTS: tuple[tuple[str, str], ...] = (
    ("Champions", "Bought recently, order often and spend the most."),
    ("Loyal Customers", "Order often; recent or fairly recent."),
    ("Potential Loyalists", "Recent buyers with a second order or a large first basket."),
    ("New Customers", "Bought once, very recently, a small or average basket."),
    ("Promising", "Bought once, recently, a small or average basket."),
    ("Need Attention", "Middling recency with repeat orders or a large basket."),
    ("About to Sleep", "Bought once, a while ago, a small or average basket."),
    ("At Risk", "Ordered more than once, but long ago."),
    ("Can't Lose Them", "Ordered often and spent a lot, but long ago."),
    ("Hibernating", "Bought once, long ago."),
    ("Lost", "Bought once, longest ago of all."),
)

CART_ABANDONERS = "Cart Abandoners"
WINDOW_SHOPPERS = "Window Shoppers"
ONE_VISIT_BROWSERS = "One-visit Browsers"
BROWSERS = "Browsers"
WINDOW_QUANTILE = 0.9
MIN_WINDOW_VIEWS = 3

BEHAVIOURAL_INPUT_COLUMNS = ("count_views", "count_cart_adds", "is_single_visit")


def _behavioural_descriptions(threshold: int | None) -> tuple[tuple[str, str], ...]:
    percentile = f"{WINDOW_QUANTILE * 100:.0f}th"
    rule = f"{percentile} percentile of non-buyers' views, at least {MIN_WINDOW_VIEWS}"
    views = f"at least the {rule}"
    if threshold is not None:
        views = f"at least {threshold} items (the {rule})"
    return (
        (CART_ABANDONERS, "Never bought; added at least one item to the cart."),
        (WINDOW_SHOPPERS, f"Never bought nor added to cart; viewed {views}."),
        (ONE_VISIT_BROWSERS, "Never bought nor added to cart; all activity on a single day."),
        (BROWSERS, "Never bought nor added to cart; came back on other days, few views."),
    )


def expand_rules(rules: tuple[RfmRule, ...] = RFM_RULES) -> pd.DataFrame:
    """All 125 (r_score, f_score, m_score) combinations with their one segment.

    Raises ValueError naming the combinations that no rule covers or that several rules cover,
    and any range outside 1–5: the table must partition the score cube.
    """
    valid = range(1, N_SCORES + 1)
    rows = []
    for rule in rules:  # a dozen rules, not customers
        for low, high in (rule.r, rule.f, rule.m):
            if low not in valid or high not in valid or low > high:
                raise ValueError(
                    f"RFM rule for {rule.segment!r}: range ({low}, {high}) is not within 1–5"
                )
        boxes = itertools.product(
            range(rule.r[0], rule.r[1] + 1),
            range(rule.f[0], rule.f[1] + 1),
            range(rule.m[0], rule.m[1] + 1),
        )
        rows.extend((r, f, m, rule.segment) for r, f, m in boxes)
    mapped = pd.DataFrame(rows, columns=["r_score", "f_score", "m_score", "segment"])
    keys = ["r_score", "f_score", "m_score"]
    twice = mapped[mapped.duplicated(keys, keep=False)]
    if not twice.empty:
        clash = twice.groupby(keys)["segment"].agg(" & ".join).reset_index()
        shown = [f"{r}{f}{m}: {names}" for r, f, m, names in clash.itertuples(index=False)]
        raise ValueError(f"RFM rules map combinations twice (RFM: segments): {'; '.join(shown)}")
    everything = pd.MultiIndex.from_product([valid, valid, valid], names=keys)
    unmapped = everything.difference(pd.MultiIndex.from_frame(mapped[keys]))
    if len(unmapped):
        shown = ", ".join(f"{r}{f}{m}" for r, f, m in unmapped)
        raise ValueError(f"RFM rules leave combinations unmapped (RFM): {shown}")
    return mapped.sort_values(keys, ignore_index=True)


def _lookup_cube(rules: tuple[RfmRule, ...]) -> tuple[np.ndarray, np.ndarray]:
    table = expand_rules(rules)
    names, codes = np.unique(table["segment"].to_numpy(), return_inverse=True)
    cube = np.empty((N_SCORES, N_SCORES, N_SCORES), dtype=np.int64)
    cube[table["r_score"] - 1, table["f_score"] - 1, table["m_score"] - 1] = codes
    return names, cube


def assign_rfm_segments(
    scores: pd.DataFrame, rules: tuple[RfmRule, ...] = RFM_RULES
) -> pd.Series:
    """The segment name of each row of ``r_score, f_score, m_score`` (integers 1–5)."""
    require_columns(scores, ("r_score", "f_score", "m_score"), "RFM segments")
    names, cube = _lookup_cube(rules)
    r, f, m = (scores[c].to_numpy(dtype=np.int64) - 1 for c in ("r_score", "f_score", "m_score"))
    if scores.empty:
        return pd.Series([], index=scores.index, dtype=object, name="segment")
    return pd.Series(names[cube[r, f, m]], index=scores.index, name="segment")


def group_quantiles(
    values: pd.Series,
    quantile: float,
    *,
    groups: pd.Series | None = None,
    weights: pd.Series | None = None,
) -> pd.Series:
    """The ``quantile`` of ``values`` within each row's group, aligned with ``values``.

    A row with weight w stands for w identical values (a behaviour profile shared by w
    customers), so the result equals pandas' linear-interpolation quantile of the expanded data.
    Weights must be non-negative integers.
    """
    codes = pd.factorize(groups)[0] if groups is not None else np.zeros(len(values), dtype=int)
    w = np.ones(len(values), dtype=np.int64) if weights is None else weights.to_numpy(np.int64)
    data = pd.DataFrame({"g": codes, "v": values.to_numpy(dtype=float), "w": w})
    data = data[data["w"] > 0].sort_values(["g", "v"], kind="stable")
    by_group = data.groupby("g", sort=False)["w"]
    data["end"] = by_group.cumsum()  # a row covers expanded positions [end - w, end)
    position = (by_group.transform("sum") - 1) * quantile
    low, high = np.floor(position), np.ceil(position)
    start = data["end"] - data["w"]
    v_low = data.loc[(start <= low) & (low < data["end"])].set_index("g")["v"]
    v_high = data.loc[(start <= high) & (high < data["end"])].set_index("g")["v"]
    fraction = (position - low).groupby(data["g"]).first()
    per_group = v_low + fraction * (v_high - v_low)
    return pd.Series(per_group.reindex(codes).to_numpy(), index=values.index)


def window_shopper_threshold(
    count_views: pd.Series,
    weights: pd.Series | None = None,
    *,
    quantile: float = WINDOW_QUANTILE,
    min_views: int = MIN_WINDOW_VIEWS,
) -> int:
    """Views that make a Window Shopper: the non-buyers' view quantile rounded up, ≥ min_views."""
    if count_views.empty:
        return min_views
    level = group_quantiles(count_views.fillna(0), quantile, weights=weights).iloc[0]
    return max(min_views, math.ceil(level)) if np.isfinite(level) else min_views


def behavioural_segments(
    frame: pd.DataFrame,
    *,
    by: str | None = None,
    weight: str | None = None,
    quantile: float = WINDOW_QUANTILE,
    min_views: int = MIN_WINDOW_VIEWS,
) -> pd.Series:
    """Segment visitors who never bought; the first matching rule wins, so rules never overlap.

    1. Cart Abandoners: ``count_cart_adds ≥ 1``.
    2. Window Shoppers: ``count_views ≥`` the ``quantile`` of all these non-buyers' views
       (within the ``by`` group, rounded up, at least ``min_views``).
    3. One-visit Browsers: ``is_single_visit`` (all events on one calendar day: one visit, as
       traffic counts visits).
    4. Browsers: everyone else.

    In: one row per customer, or per behaviour profile with its number of customers in column
    ``weight``: ``count_views, count_cart_adds, is_single_visit`` (+ ``by``, ``weight``).
    Out: the segment of each row (Series aligned with ``frame``).
    """
    columns = BEHAVIOURAL_INPUT_COLUMNS + tuple(c for c in (by, weight) if c)
    require_columns(frame, columns, "behavioural segments")
    views = frame["count_views"].fillna(0)
    level = group_quantiles(
        views,
        quantile,
        groups=frame[by] if by else None,
        weights=frame[weight] if weight else None,
    )
    threshold = np.maximum(np.ceil(level.to_numpy(dtype=float)), min_views)
    segment = np.select(
        [
            frame["count_cart_adds"].fillna(0).to_numpy() >= 1,
            views.to_numpy() >= threshold,
            frame["is_single_visit"].fillna(False).to_numpy(dtype=bool),
        ],
        [CART_ABANDONERS, WINDOW_SHOPPERS, ONE_VISIT_BROWSERS],
        default=BROWSERS,
    )
    return pd.Series(segment, index=frame.index, name="segment", dtype=object)


def segment_definitions(window_threshold: int | None = None) -> pd.DataFrame:
    """Every segment with its kind, a one-line description and its display order.

    Out: ``segment, segment_kind ('rfm'|'behavioural'), description, display_order`` (1 = first).
    ``window_threshold`` puts the views threshold in force into the Window Shoppers description.
    """
    rows = [(name, "rfm", text) for name, text in RFM_SEGMENTS]
    behavioural = _behavioural_descriptions(window_threshold)
    rows += [(name, "behavioural", text) for name, text in behavioural]
    out = pd.DataFrame(rows, columns=["segment", "segment_kind", "description"])
    out["display_order"] = np.arange(1, len(out) + 1)
    return out
