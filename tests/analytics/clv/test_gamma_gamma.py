"""Gamma-Gamma spend: the guard on q, eq. 5 against lifetimes, and one-time buyers' first order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifetimes import GammaGammaFitter

from analytics.clv.gamma_gamma import (
    conditional_expected_spend,
    first_purchase_scale,
    gamma_gamma_rejection,
    population_mean_spend,
)

PARAMS = {"p": 2.0, "q": 3.0, "v": 10.0}  # mean spend v·p/(q − 1) = 10


def test_guard_rejects_q_at_or_below_one():
    assert "q = 0.8" in gamma_gamma_rejection({"p": 2.0, "q": 0.8, "v": 10.0})
    assert "q = 1" in gamma_gamma_rejection({"p": 2.0, "q": 1.0, "v": 10.0})
    assert gamma_gamma_rejection({"p": 2.0, "q": 1.5, "v": 10.0}) is None
    assert "not finite" in gamma_gamma_rejection({"p": np.nan, "q": 3.0, "v": 10.0})


def test_repeat_buyers_spend_equals_lifetimes_conditional_expectation():
    rng = np.random.default_rng(0)
    frequency = rng.integers(1, 20, 200).astype(float)
    spend = rng.gamma(2.0, 30.0, 200)
    reference = GammaGammaFitter()
    reference.params_ = pd.Series({"p": 6.25, "q": 3.74, "v": 15.44})
    theirs = reference.conditional_expected_average_profit(frequency, spend)
    ours = conditional_expected_spend(reference.params_, frequency, spend)
    assert np.allclose(ours, theirs, rtol=1e-12)


def test_one_time_buyers_first_order_counts_as_one_purchase():
    # weight on the own order p·1/(p·1 + q − 1) = 2/4 = 0.5; population mean 10
    spend = conditional_expected_spend(
        PARAMS, frequency=[0, 0, 0, 0], monetary_value=[0, 0, 0, 0],
        first_value=[30.0, 590.0, 0.0, np.nan],
    )
    assert spend[:2].tolist() == [0.5 * 10 + 0.5 * 30, 0.5 * 10 + 0.5 * 590]
    # no usable first order (zero, or missing): the population mean
    assert spend[2:].tolist() == [10.0, 10.0]


def test_first_orders_are_put_on_the_repeat_purchase_scale():
    spend = conditional_expected_spend(PARAMS, [0], [0], first_value=[30.0], first_scale=0.5)
    assert spend.tolist() == [0.5 * 10 + 0.5 * 15]
    # repeat buyers' own repeat spend is used as before, their first order ignored
    repeat = conditional_expected_spend(PARAMS, [2], [40.0], first_value=[1000.0])
    assert repeat.tolist() == pytest.approx([(2 / 6) * 10 + (4 / 6) * 40])


def test_without_first_orders_one_time_buyers_get_the_population_mean():
    assert population_mean_spend(PARAMS) == 10.0
    assert conditional_expected_spend(PARAMS, [0, 0], [0, 0]).tolist() == [10.0, 10.0]


def test_first_purchase_scale_compares_repeat_buyers_means():
    # repeat buyers with both values: spends 10, 30, 50 (mean 30), first orders 20, 20, 20
    scale = first_purchase_scale(
        frequency=[1, 2, 3, 0, 4], monetary_value=[10.0, 30, 50, 0, 0],
        first_value=[20.0, 20, 20, 99, 5],
    )
    assert scale == pytest.approx(30 / 20)
    assert first_purchase_scale([1, 2], [10.0, 20.0], [5.0, 5.0]) == 1.0  # fewer than 3
