"""Ranked lists, tie-fair baseline lists and how a list turned out, on hand-made days."""

import numpy as np
import pytest

from analytics.contact_list.lists import (
    list_membership,
    list_result,
    ranked,
    ranking_quality,
    relative_increase,
    tie_shared_membership,
)


def test_a_list_takes_the_highest_probabilities_and_breaks_ties_by_id() -> None:
    ids = ["b", "a", "c", "d"]
    probability = [0.2, 0.2, 0.9, 0.1]
    assert ranked(ids, probability).tolist() == [2, 1, 0, 3]  # c, then a before b
    assert list_membership(ids, probability, 2).tolist() == [False, True, True, False]
    assert list_membership(ids, probability, 10).all()  # fewer candidates than places


def test_a_baseline_cut_through_a_tie_shares_the_last_places() -> None:
    # scores 5, 3, 3, 3, 1 and 2 places: the 5 is in, the three 3s share one place
    np.testing.assert_allclose(tie_shared_membership([5, 3, 3, 3, 1], 2),
                               [1, 1 / 3, 1 / 3, 1 / 3, 0])
    np.testing.assert_array_equal(tie_shared_membership([1, 2], 5), [1, 1])


def test_a_list_result_counts_conversions_expected_and_the_baseline_s() -> None:
    converted = [1, 0, 1, 0, 1]
    probability = [0.5, 0.4, 0.3, 0.2, 0.1]
    in_list = [True, True, True, False, False]
    baseline = [0, 1, 1 / 2, 1 / 2, 1]
    result = list_result(converted, probability, in_list, baseline)
    assert result == {
        "candidates": 5, "converted_candidates": 3.0, "list_size": 3,
        "list_conversions": 2.0, "expected_list_conversions": pytest.approx(1.2),
        "precision_at_list": 2 / 3, "baseline_list_conversions": 1.5,
        "baseline_precision_at_list": 0.5,
    }


def test_ranking_quality_is_undefined_on_a_day_without_buyers() -> None:
    quality = ranking_quality([0, 0, 0], [0.1, 0.2, 0.3])
    assert np.isnan(quality["roc_auc"]) and np.isnan(quality["pr_auc"])
    assert quality["brier"] == pytest.approx((0.01 + 0.04 + 0.09) / 3)
    perfect = ranking_quality([0, 1, 1], [0.1, 0.8, 0.9])
    assert perfect["roc_auc"] == 1.0 and perfect["pr_auc"] == 1.0


def test_the_relative_increase_is_model_over_baseline_minus_one() -> None:
    model = np.r_[np.ones(30), np.zeros(970)]
    baseline = np.r_[np.ones(20), np.zeros(980)]
    result = relative_increase(model, baseline)
    assert result["relative_increase"] == pytest.approx(0.5)
    assert result["ci_low"] < 0.5 < result["ci_high"]
