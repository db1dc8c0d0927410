"""Evaluation metrics against scikit-learn where it has them, by hand on tiny inputs otherwise."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from analytics.evaluation import (
    average_lift,
    average_precision,
    bootstrap_relative_increase,
    brier_score,
    expected_hits_at_k,
    lift_by_decile,
    lift_curve,
    precision_at_k,
    recall_at_k,
    reliability_table,
    roc_auc,
    top_k_mask,
)


def scored(n: int, seed: int, decimals: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Outcomes that depend on a score rounded to ``decimals`` (so with many ties)."""
    rng = np.random.default_rng(seed)
    probability = np.round(rng.beta(1.0, 6.0, n), decimals)
    return (rng.random(n) < probability).astype(int), probability


@pytest.mark.parametrize(("seed", "decimals"), [(1, 1), (2, 2), (3, 6)])
def test_roc_auc_equals_scikit_learn_with_and_without_ties(seed, decimals):
    y, score = scored(2000, seed, decimals)
    assert roc_auc(y, score) == pytest.approx(roc_auc_score(y, score), abs=1e-12)


@pytest.mark.parametrize(("seed", "decimals"), [(1, 1), (2, 2), (3, 6)])
def test_average_precision_equals_scikit_learn_with_and_without_ties(seed, decimals):
    y, score = scored(2000, seed, decimals)
    assert average_precision(y, score) == pytest.approx(
        average_precision_score(y, score), abs=1e-12)


def test_auc_of_a_tiny_case_by_hand():
    # positives score 0.9 and 0.5; negatives 0.5 and 0.1: of the 4 pairs, 3 are ordered right
    # and one is a tie (half): AUC = 3.5 / 4
    assert roc_auc([1, 1, 0, 0], [0.9, 0.5, 0.5, 0.1]) == 0.875
    # thresholds 0.9 (1 of 1 right, recall 1/2), 0.5 (2 of 3, recall 1): AP = ½·1 + ½·⅔
    assert average_precision([1, 1, 0, 0], [0.9, 0.5, 0.5, 0.1]) == pytest.approx(5 / 6)


def test_auc_needs_both_outcomes():
    with pytest.raises(ValueError, match="with and without the outcome"):
        roc_auc([1, 1, 1], [0.2, 0.4, 0.6])
    with pytest.raises(ValueError, match="only 0/1"):
        roc_auc([1, 2, 0], [0.2, 0.4, 0.6])
    with pytest.raises(ValueError, match="finite"):
        average_precision([1, 0, 0], [0.2, np.nan, 0.6])


Y = [1, 0, 1, 0, 1, 0]
SCORE = [0.9, 0.8, 0.8, 0.8, 0.1, 0.0]


def test_precision_and_recall_at_k_by_hand_with_a_tie_at_the_cut():
    # k = 2 takes 0.9 (a hit) and one of the three customers tied at 0.8, of whom one is a hit:
    # expected hits 1 + 1/3
    assert expected_hits_at_k(Y, SCORE, 2) == pytest.approx(4 / 3)
    assert precision_at_k(Y, SCORE, 2) == pytest.approx(2 / 3)
    assert recall_at_k(Y, SCORE, 2) == pytest.approx(4 / 9)
    # k = 4 takes the whole tie: exactly 2 hits; k = 6 everyone
    assert precision_at_k(Y, SCORE, 4) == 0.5 and recall_at_k(Y, SCORE, 6) == 1.0
    with pytest.raises(ValueError, match="k must be a whole number from 1 to 6"):
        precision_at_k(Y, SCORE, 0)


def test_lift_by_decile_by_hand():
    # 10 customers, distinct scores, 3 with the outcome at ranks 1, 2 and 6; 5 bins of 2
    y = [1, 1, 0, 0, 0, 1, 0, 0, 0, 0]
    score = np.linspace(1.0, 0.1, 10)
    table = lift_by_decile(y, score, n_bins=5)
    assert table["customers"].tolist() == [2] * 5
    assert table["positives"].tolist() == [2, 0, 1, 0, 0]
    assert table["rate"].tolist() == [1.0, 0.0, 0.5, 0.0, 0.0]
    assert table["lift"].tolist() == pytest.approx([1 / 0.3, 0, 0.5 / 0.3, 0, 0])
    assert table["cumulative_positives"].tolist() == [2, 2, 3, 3, 3]
    assert table["cumulative_lift"].tolist() == pytest.approx([1 / 0.3, 0.5 / 0.3, 0.5 / 0.3,
                                                               0.375 / 0.3, 1.0])
    assert table["cumulative_recall"].tolist() == pytest.approx([2 / 3, 2 / 3, 1, 1, 1])


def test_a_tie_across_a_decile_cut_shares_its_hits():
    # 3 bins of 2: the tie at 0.8 (positions 2-4, one hit in three) straddles bins 1 and 2
    table = lift_by_decile(Y, SCORE, n_bins=3)
    assert table["positives"].tolist() == pytest.approx([1 + 1 / 3, 2 / 3, 1])
    assert table["positives"].sum() == pytest.approx(sum(Y))


def test_lift_curve_and_average_lift_by_hand():
    y = [1, 1, 0, 0, 0, 1, 0, 0, 0, 0]
    score = np.linspace(1.0, 0.1, 10)
    curve = lift_curve(y, score, fractions=[0.2, 0.5, 1.0])
    assert curve["k"].tolist() == [2, 5, 10]
    assert curve["hits"].tolist() == [2, 2, 3]
    assert curve["lift"].tolist() == pytest.approx([1 / 0.3, 0.4 / 0.3, 1.0])
    assert average_lift(y, score, [0.2, 0.5, 1.0]) == pytest.approx((1 / 0.3 + 0.4 / 0.3 + 1) / 3)
    # a score that ties everyone finds the base rate at every size (lift 1); the outcome itself
    # as score fills audiences smaller than the positives with positives only (lift 1 / rate)
    y_big, _ = scored(20_000, 4)
    assert y_big.mean() > 0.1
    assert average_lift(y_big, np.zeros(20_000), [0.05, 0.5]) == pytest.approx(1.0)
    assert average_lift(y_big, y_big, [0.05, 0.1]) == pytest.approx(1 / y_big.mean())


def test_brier_score_equals_scikit_learn():
    y, probability = scored(500, 5)
    assert brier_score(y, probability) == pytest.approx(brier_score_loss(y, probability))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        brier_score([1, 0], [1.2, 0.1])


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_reliability_table_equals_scikit_learns_calibration_curve(strategy):
    y, probability = scored(3000, 6, decimals=3)
    table = reliability_table(y, probability, n_bins=8, strategy=strategy)
    observed, predicted = calibration_curve(y, probability, n_bins=8, strategy=strategy)
    filled = table[table["customers"] > 0]
    assert np.allclose(filled["observed_rate"], observed)
    assert np.allclose(filled["mean_predicted"], predicted)
    assert table["customers"].sum() == 3000


def test_reliability_table_by_hand_with_an_empty_bin():
    table = reliability_table([0, 1, 1, 0], [0.1, 0.2, 0.9, 0.7], n_bins=4)
    # bins (0, .25], (.25, .5], (.5, .75], (.75, 1]
    assert table["customers"].tolist() == [2, 0, 1, 1]
    assert table.loc[0, "observed_rate"] == 0.5 and table.loc[0, "mean_predicted"] == (
        pytest.approx(0.15))
    assert np.isnan(table.loc[1, "observed_rate"])
    assert table["abs_gap"].iloc[[0, 2, 3]].tolist() == pytest.approx([0.35, 0.7, 0.1])


def test_top_k_mask_takes_the_highest_and_breaks_a_tie_at_random():
    mask = top_k_mask(SCORE, 2, random_state=0)
    assert mask.sum() == 2 and mask[0] and mask[[1, 2, 3]].sum() == 1
    picked = {int(np.flatnonzero(top_k_mask(SCORE, 2, random_state=seed))[1])
              for seed in range(30)}
    assert picked == {1, 2, 3}


def test_relative_increase_of_identical_counts_is_exactly_zero():
    hits = np.array([1, 0, 0, 1, 1, 0, 0, 0])
    result = bootstrap_relative_increase(hits, hits, n_boot=500)
    assert (result.relative_increase, result.ci_low, result.ci_high) == (0.0, 0.0, 0.0)


def test_relative_increase_resamples_customers_as_the_exact_bootstrap_does():
    # 4 customers (a, b) = (1, 1), (1, 0), (0, 1), (1, 0): estimate 3/2 − 1 = 0.5. All 4⁴ = 256
    # equally likely resamples give the exact bootstrap distribution of a*/b* − 1.
    a, b = np.array([1, 1, 0, 1]), np.array([1, 0, 1, 0])
    exact = []
    for picks in itertools.product(range(4), repeat=4):
        sum_a, sum_b = a[list(picks)].sum(), b[list(picks)].sum()
        exact.append(sum_a / sum_b - 1 if sum_b else np.inf)
    values, counts = np.unique(exact, return_counts=True)
    result = bootstrap_relative_increase(a, b, n_boot=50_000, alpha=0.2, random_state=1)
    assert result.relative_increase == 0.5 and (result.count_a, result.count_b) == (3, 2)
    # the exact cdf steps over 0.1 and 0.9 by at least 0.026, 20 times the 50,000 draws' error
    cdf = np.cumsum(counts) / 256
    for quantile, found in ((0.1, result.ci_low), (0.9, result.ci_high)):
        assert found == values[np.searchsorted(cdf, quantile)]


def test_relative_increase_without_baseline_hits_is_undefined():
    result = bootstrap_relative_increase([1, 1, 0], [0, 0, 0])
    assert np.isnan(result.relative_increase) and np.isnan(result.ci_low)
    with pytest.raises(ValueError, match="equal length"):
        bootstrap_relative_increase([1, 0], [1])
