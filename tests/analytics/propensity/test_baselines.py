"""The two baselines and the per-item judging of a score, on a hand-made fixture."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.propensity.baselines import baseline_scores
from analytics.propensity.scoring import evaluate_score

# Item A: 10 customers, 2 buyers; item B: 10 customers, 1 buyer.
ROWS = pd.DataFrame({
    "item_id": ["A"] * 10 + ["B"] * 10,
    "count_buyers_28d": [40] * 10 + [7] * 10,
    "count_bought": [5, 3, np.nan, 1, np.nan, np.nan, 2, np.nan, np.nan, np.nan,
                     np.nan, 4, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, 1],
    "label": [1, 0, 1, 0, 0, 0, 0, 0, 0, 0,
              0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
})


def test_popularity_scores_every_customer_of_an_item_alike():
    scores = baseline_scores(ROWS)["popularity"]
    assert scores.tolist() == [40.0] * 10 + [7.0] * 10


def test_personal_frequency_counts_orders_with_the_item_and_none_without_history():
    scores = baseline_scores(ROWS)["personal_frequency"]
    assert scores.tolist() == [5, 3, 0, 1, 0, 0, 2, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 1]


def test_each_item_is_judged_on_its_own_customers_and_the_figures_averaged():
    judged = evaluate_score(ROWS["item_id"], ROWS["label"],
                            baseline_scores(ROWS)["personal_frequency"])
    per_item = judged.per_item.set_index("item_id")
    # A: buyer scores 5 and 0; non-buyers 3, 1, 2 and five 0s. Pairs (buyer, non-buyer) won:
    # 5 beats all 8; 0 beats none and ties the five 0s: (8 + 0 + 5 × 0.5) / 16 = 0.65625
    assert per_item.loc["A", "roc_auc"] == pytest.approx(10.5 / 16)
    # B: the buyer scores 4, the highest: every pair won
    assert per_item.loc["B", "roc_auc"] == pytest.approx(1.0)
    assert judged.summary["roc_auc"] == pytest.approx((10.5 / 16 + 1.0) / 2)
    # top decile (1 customer of 10): A's top is a buyer (1 of 2 buyers in 10% of customers:
    # lift 5), B's top is its only buyer (lift 10)
    assert per_item.loc["A", "top_decile_lift"] == pytest.approx(5.0)
    assert per_item.loc["B", "top_decile_lift"] == pytest.approx(10.0)
    assert judged.summary["items_judged"] == 2


def test_popularity_cannot_rank_the_customers_of_one_item():
    judged = evaluate_score(ROWS["item_id"], ROWS["label"], baseline_scores(ROWS)["popularity"])
    assert judged.summary["roc_auc"] == pytest.approx(0.5)
    assert judged.summary["top_decile_lift"] == pytest.approx(1.0)
    # pooled, it ranks item A's rows (2 buyers of 10) above B's (1 of 10): pairs won 2 × 9 = 18,
    # lost 1 × 8 = 8, tied 2 × 8 + 1 × 9 = 25 -> (18 + 12.5) / 51
    assert judged.summary["pooled_roc_auc"] == pytest.approx(30.5 / 51)


def test_an_item_without_a_buyer_is_left_out_of_the_averages():
    rows = ROWS.assign(label=np.where(ROWS["item_id"] == "B", 0, ROWS["label"]))
    judged = evaluate_score(rows["item_id"], rows["label"], np.arange(20.0))
    assert judged.summary["items_judged"] == 1
    assert np.isnan(judged.per_item.set_index("item_id").loc["B", "roc_auc"])
