"""Judging every item at once gives each item's figures as judging it alone does: ROC-AUC and
PR-AUC as scikit-learn computes them, the targeting figures as ``analytics.evaluation`` defines
them (ties in expectation), on many items of random sizes with many tied scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from analytics import evaluation
from analytics.propensity.scoring import evaluate_score

RNG = np.random.default_rng(16)
SIZES = RNG.integers(5, 400, 40)
ITEMS = np.repeat([f"item{i:02d}" for i in range(len(SIZES))], SIZES)
LABEL = (RNG.random(len(ITEMS)) < 0.08).astype(int)
LABEL[ITEMS == "item03"] = 0  # no buyer: not judged
SCORE = np.round(RNG.random(len(ITEMS)) * 0.6 + LABEL * RNG.random(len(ITEMS)) * 0.4, 1)
SHUFFLED = RNG.permutation(len(ITEMS))  # rows in no particular order
JUDGED = evaluate_score(ITEMS[SHUFFLED], LABEL[SHUFFLED], SCORE[SHUFFLED], probabilities=True)


def _alone(item: str) -> tuple[np.ndarray, np.ndarray]:
    mask = np.equal(ITEMS, item)
    return LABEL[mask], SCORE[mask]


def test_ranking_figures_per_item_are_scikit_learns():
    per_item = JUDGED.per_item.set_index("item_id")
    judged = per_item.dropna(subset=["roc_auc"]).index
    assert len(judged) > 30 and "item03" not in judged
    for item in judged:
        y, s = _alone(item)
        assert per_item.loc[item, "roc_auc"] == pytest.approx(roc_auc_score(y, s), abs=1e-12)
        assert per_item.loc[item, "pr_auc"] == pytest.approx(
            average_precision_score(y, s), abs=1e-12)


def test_targeting_figures_per_item_are_those_of_one_item_alone():
    per_item = JUDGED.per_item.set_index("item_id")
    tables = []
    for item in per_item.dropna(subset=["roc_auc"]).index:
        y, s = _alone(item)
        deciles = evaluation.lift_by_decile(y, s)
        tables.append(deciles)
        assert per_item.loc[item, "top_decile_lift"] == pytest.approx(
            deciles["lift"].iloc[0], abs=1e-12)
        assert per_item.loc[item, "average_lift"] == pytest.approx(
            evaluation.average_lift(y, s), abs=1e-12)
        expected = evaluation.precision_at_k(y, s, 100) if len(y) >= 100 else np.nan
        assert per_item.loc[item, "precision_at_100"] == pytest.approx(expected, nan_ok=True,
                                                                      abs=1e-12)
    mean = pd.concat(tables).groupby("decile")[["lift", "cumulative_recall"]].mean()
    assert JUDGED.deciles["lift"].to_numpy() == pytest.approx(mean["lift"].to_numpy(), abs=1e-12)
    assert JUDGED.deciles["cumulative_recall"].to_numpy() == pytest.approx(
        mean["cumulative_recall"].to_numpy(), abs=1e-12)


def test_pooled_figures_rank_every_row_at_once():
    assert JUDGED.summary["pooled_roc_auc"] == pytest.approx(roc_auc_score(LABEL, SCORE),
                                                             abs=1e-12)
    assert JUDGED.summary["pooled_pr_auc"] == pytest.approx(
        average_precision_score(LABEL, SCORE), abs=1e-12)
    assert JUDGED.summary["items"] == len(SIZES)


def test_scores_that_are_not_finite_are_refused():
    with pytest.raises(ValueError, match="finite"):
        evaluate_score(["a", "a"], [0, 1], [0.1, np.nan])
