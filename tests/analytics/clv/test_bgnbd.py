"""BG/NBD: parameter recovery, the weighted fit, and the expected purchases and P(alive) formulas
against lifetimes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter

from analytics.clv.bgnbd import BG_NBD, conditional_expected_purchases, p_alive
from analytics.clv.fitting import RETRY_PENALIZERS, penalizer_schedule
from analytics.clv.purchase import fit_purchase_model
from analytics.clv.summary import unique_rows
from tests.analytics.clv.simulation import simulate_summary

TRUE = {"r": 0.8, "alpha": 8.0, "a": 1.2, "b": 3.0}
CDNOW_LIKE = {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    return simulate_summary(3000, **TRUE, seed=11)


@pytest.fixture(scope="module")
def fitter(simulated):
    unique, counts, _ = unique_rows(simulated)
    return fit_purchase_model(BG_NBD, unique, counts, penalizer_schedule(0.0, RETRY_PENALIZERS))


@pytest.mark.parametrize("name", list(TRUE))
def test_fit_recovers_the_parameters_it_was_simulated_from(fitter, name):
    # At n = 3,000 the relative standard errors are about 3 % (r, alpha), 6 % (a) and 8.5 % (b);
    # 25 % is about 3 standard errors of the worst-determined parameter (b).
    assert fitter.penalizer == 0.0
    assert fitter.fitter.params_[name] == pytest.approx(TRUE[name], rel=0.25)


def test_weighted_fit_on_distinct_rows_matches_one_row_per_customer(simulated, fitter):
    per_customer = BetaGeoFitter().fit(
        simulated["frequency"], simulated["recency"], simulated["T"]
    )
    for name in TRUE:
        assert fitter.fitter.params_[name] == pytest.approx(per_customer.params_[name], rel=1e-3)


def _random_histories(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    frequency = rng.integers(0, 30, n).astype(float)
    age = rng.uniform(1, 400, n)
    recency = np.where(frequency > 0, rng.uniform(0, 1, n) * age, 0.0)
    return frequency, recency, age


def _lifetimes(params: dict[str, float]) -> BetaGeoFitter:
    reference = BetaGeoFitter()
    reference.params_ = pd.Series(params)
    return reference


@pytest.mark.parametrize("params", [TRUE, CDNOW_LIKE])
def test_expected_purchases_match_lifetimes_where_lifetimes_is_finite(params):
    frequency, recency, age = _random_histories(500, seed=1)
    theirs = _lifetimes(params).conditional_expected_number_of_purchases_up_to_time(
        56, frequency, recency, age
    )
    ours = conditional_expected_purchases(params, 56, frequency, recency, age)
    assert np.allclose(ours, theirs, rtol=1e-9)


@pytest.mark.parametrize("params", [TRUE, CDNOW_LIKE])
def test_p_alive_matches_lifetimes_and_is_one_for_one_time_buyers(params):
    frequency, recency, age = _random_histories(500, seed=3)
    theirs = _lifetimes(params).conditional_probability_alive(frequency, recency, age)
    ours = p_alive(params, frequency, recency, age)
    assert np.allclose(ours, theirs, rtol=1e-12)
    assert (ours[frequency == 0] == 1.0).all()


def test_expected_purchases_stay_finite_when_a_plus_b_is_below_one():
    # a + b < 1 makes the hypergeometric negative for x = 0, where lifetimes returns NaN.
    params = {"r": 0.62, "alpha": 18.8, "a": 0.26, "b": 0.68}
    frequency, recency, age = _random_histories(500, seed=2)
    short = conditional_expected_purchases(params, 30, frequency, recency, age)
    long = conditional_expected_purchases(params, 365, frequency, recency, age)
    assert np.isfinite(short).all() and (short >= 0).all() and (short <= long).all()
    # A customer who has just made a first purchase (x = t_x = T = 0) is a new customer, so the
    # conditional expectation equals the unconditional E[X(t)] (eq. 9), which lifetimes computes
    # without the log-space step.
    horizons = np.array([10.0, 56.0, 365.0])
    zeros = np.zeros(3)
    assert np.allclose(
        conditional_expected_purchases(params, horizons, zeros, zeros, zeros),
        _lifetimes(params).expected_number_of_purchases_up_to_time(horizons),
        rtol=1e-9,
    )
