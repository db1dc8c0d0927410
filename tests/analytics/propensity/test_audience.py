"""Audience sizes that capture a share of the expected qualifying purchases, on hand-made
probabilities."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analytics.propensity.audience import capture_sizes, expect

# shuffled: the sizes take the most likely first whatever the order given
P = np.array([0.1, 0.4, 0.05, 0.3, 0.0, 0.15])  # sum 1.0; sorted 0.4 0.3 0.15 0.1 0.05 0


def test_the_smallest_audience_reaching_each_share_of_expected_buyers():
    # cumulative expected buyers: 0.4, 0.7, 0.85, 0.95, 1.0, 1.0
    assert capture_sizes(P, (0.4, 0.5, 0.7, 0.9, 1.0)) == {0.4: 1, 0.5: 2, 0.7: 2, 0.9: 4,
                                                            1.0: 5}


def test_nobody_expected_to_buy_gives_empty_audiences():
    assert capture_sizes(np.zeros(4)) == {0.5: 0, 0.7: 0, 0.9: 0}


def test_expected_buyers_and_pushes_per_sale_of_the_top_customers():
    top = expect(P, 3)
    assert top.expected_buyers == pytest.approx(0.85)
    assert top.share_of_buyers == pytest.approx(0.85)
    assert top.pushes_per_sale == pytest.approx(3 / 0.85)
    assert math.isinf(expect(np.zeros(3), 2).pushes_per_sale)


@pytest.mark.parametrize("bad", [np.array([0.5, 1.2]), np.array([np.nan]), np.array([-0.1])])
def test_values_that_are_not_probabilities_are_refused(bad):
    with pytest.raises(ValueError, match="probabilities"):
        capture_sizes(bad)


def test_a_size_beyond_the_customers_scored_is_refused():
    with pytest.raises(ValueError, match="between 0 and 6"):
        expect(P, 7)
