"""RFM scores: recency, frequency and monetary value turned into 1–5 scores by rank.

Why ranks and not ``pd.qcut``: in RetailRocket-shaped data about 80% of buyers buy once, so
frequency has one huge tie and quantile bin edges collapse. A value's score here is
``1 + floor(5 × share of customers strictly below it)``, where "below" means worse (older
purchase for recency, fewer orders, less money). Ties therefore always share a score, and a
score of k means at least (k−1)/5 of the customers are strictly worse. All one-order buyers get
F = 1; the first frequency above the tie jumps straight to the score its share allows (F = 5
when ≥ 80% buy once). Without ties the scores are exact quintiles.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.validation import require_columns

N_SCORES = 5
RFM_INPUT_COLUMNS = ("customer_id", "recency_days", "frequency", "monetary_amount")
SCORE_COLUMNS = ("r_score", "f_score", "m_score")


def rank_scores(
    values: pd.Series, *, groups: pd.Series | None = None, n_scores: int = N_SCORES
) -> pd.Series:
    """Score each value 1..n_scores by the share of values strictly below it (within its group).

    ``score = 1 + floor(n_scores × (min-rank − 1) / group size)``, computed in integers so a
    boundary share such as 2/10 never falls on the wrong side by rounding. Higher value → higher
    score; negate the values to reverse that.
    """
    if groups is None:
        rank = values.rank(method="min")
        size = pd.Series(len(values), index=values.index)
    else:
        grouped = values.groupby(groups, sort=False)
        rank = grouped.rank(method="min")
        size = grouped.transform("size")
    below = rank.to_numpy(dtype=np.int64) - 1
    scores = 1 + (below * n_scores) // size.to_numpy(dtype=np.int64)
    return pd.Series(scores.astype(np.int64), index=values.index, name=values.name)


def score_rfm(frame: pd.DataFrame, *, by: str | None = None) -> pd.DataFrame:
    """Add ``r_score, f_score, m_score`` (1–5) to per-buyer RFM figures.

    In: ``customer_id, recency_days`` (days since the last purchase, ≥ 0), ``frequency``
    (distinct orders, ≥ 1), ``monetary_amount`` (GMV), and optionally a grouping column ``by``
    (e.g. ``period_end``) within which customers are ranked. Out: the input columns plus the
    three scores, same row order. More recent purchase → higher R.
    """
    columns = ((by,) if by else ()) + RFM_INPUT_COLUMNS
    require_columns(frame, columns, "RFM scoring")
    figures = frame[list(RFM_INPUT_COLUMNS[1:])]
    if figures.isna().any().any():
        bad = figures.columns[figures.isna().any()].tolist()
        raise ValueError(f"RFM scoring: missing values in column(s) {', '.join(bad)}")
    if (frame["recency_days"] < 0).any():
        raise ValueError("RFM scoring: recency_days must be ≥ 0 (a purchase after the as-of date?)")
    if (frame["frequency"] < 1).any():
        raise ValueError("RFM scoring: frequency must be ≥ 1 order for every buyer")
    groups = frame[by] if by else None
    out = frame.loc[:, list(columns)].copy()
    out["r_score"] = rank_scores(-frame["recency_days"], groups=groups)
    out["f_score"] = rank_scores(frame["frequency"], groups=groups)
    out["m_score"] = rank_scores(frame["monetary_amount"], groups=groups)
    return out
