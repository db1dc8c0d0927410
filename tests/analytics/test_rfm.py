"""RFM scoring by rank: known answers on a hand-made fixture, ties, groups and bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.rfm import rank_scores, score_rfm


def _buyers() -> pd.DataFrame:
    # Scores derived by hand: score = 1 + floor(5 × customers strictly worse / 5 customers).
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e"],
            "recency_days": [0, 10, 10, 40, 90],
            "frequency": [3, 1, 1, 2, 1],
            "monetary_amount": [300.0, 50.0, 100.0, 100.0, 20.0],
        }
    )


def test_distinct_values_fall_into_exact_quintiles():
    scores = rank_scores(pd.Series(range(10)))
    assert scores.tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_massive_tie_at_one_order_gives_all_one_order_buyers_f_score_one():
    # 8 of 10 buy once: nobody is strictly below them; the 2-order buyer has 8/10 below → 5.
    scores = rank_scores(pd.Series([1] * 8 + [2, 3]))
    assert scores.tolist() == [1] * 8 + [5, 5]


def test_hand_computed_rfm_scores_with_ties():
    scored = score_rfm(_buyers())
    assert scored["r_score"].tolist() == [5, 3, 3, 2, 1]
    assert scored["f_score"].tolist() == [5, 1, 1, 4, 1]
    assert scored["m_score"].tolist() == [5, 2, 3, 3, 1]


def test_more_recent_purchase_never_scores_lower_recency():
    scored = score_rfm(_buyers()).sort_values("recency_days")
    assert scored["r_score"].is_monotonic_decreasing


def test_groups_are_scored_independently():
    one = _buyers()
    two = _buyers().assign(monetary_amount=lambda f: f["monetary_amount"] * 10)
    both = pd.concat([one.assign(period="p1"), two.assign(period="p2")], ignore_index=True)
    scored = score_rfm(both, by="period")
    alone = score_rfm(one)
    for period in ("p1", "p2"):
        part = scored[scored["period"] == period].reset_index(drop=True)
        for column in ("r_score", "f_score", "m_score"):
            assert part[column].tolist() == alone[column].tolist()


def test_missing_column_is_named():
    with pytest.raises(ValueError, match="monetary_amount"):
        score_rfm(_buyers().drop(columns="monetary_amount"))


def test_negative_recency_is_rejected():
    with pytest.raises(ValueError, match="recency_days"):
        score_rfm(_buyers().assign(recency_days=[-1, 0, 0, 0, 0]))
