"""The static formula: a weighted sum of last-24-hour session values."""

import numpy as np
import pandas as pd
import pytest

from analytics.contact_list.baseline import (
    DEFAULT_BASELINE_WEIGHTS,
    baseline_scores,
    describe_weights,
)


def test_the_score_is_the_weighted_sum_of_the_documented_counts() -> None:
    frame = pd.DataFrame({"count_views_24h": [1, 4, 2], "count_cart_adds_24h": [0, 1, 2],
                          "count_carted_items_24h": [0, 1, np.nan]})
    # 1 × views + 3 × cart adds + 2 × items carted; a missing count is none
    np.testing.assert_array_equal(baseline_scores(frame), [1.0, 9.0, 8.0])
    np.testing.assert_array_equal(
        baseline_scores(frame, {"count_views_24h": 0.5}), [0.5, 2.0, 1.0])


def test_the_default_weights_are_documented_in_one_line() -> None:
    assert describe_weights(DEFAULT_BASELINE_WEIGHTS) == (
        "1 × count_views_24h + 3 × count_cart_adds_24h + 2 × count_carted_items_24h")


def test_weights_must_name_existing_columns_and_be_finite() -> None:
    frame = pd.DataFrame({"count_views_24h": [1]})
    with pytest.raises(ValueError, match="'count_cart_adds_24h'"):
        baseline_scores(frame)
    with pytest.raises(ValueError, match="finite"):
        baseline_scores(frame, {"count_views_24h": np.inf})
    with pytest.raises(ValueError, match="at least one"):
        baseline_scores(frame, {})
