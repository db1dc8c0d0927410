"""MBG/NBD: parameter recovery from its own story, and its formulas against lifetimes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifetimes import ModifiedBetaGeoFitter

from analytics.clv.fitting import RETRY_PENALIZERS, penalizer_schedule
from analytics.clv.mbgnbd import MBG_NBD, conditional_expected_purchases, p_alive
from analytics.clv.purchase import fit_purchase_model
from analytics.clv.summary import unique_rows
from tests.analytics.clv.simulation import simulate_summary

TRUE = {"r": 0.8, "alpha": 8.0, "a": 1.2, "b": 3.0}


@pytest.fixture(scope="module")
def fitter():
    simulated = simulate_summary(3000, **TRUE, seed=11, modified=True)
    unique, counts, _ = unique_rows(simulated)
    return fit_purchase_model(MBG_NBD, unique, counts, penalizer_schedule(0.0, RETRY_PENALIZERS))


@pytest.mark.parametrize("name", list(TRUE))
def test_fit_recovers_the_parameters_it_was_simulated_from(fitter, name):
    # Relative standard errors at n = 3,000: about 5 % (r), 6 % (alpha, a), 9 % (b).
    assert fitter.penalizer == 0.0
    assert fitter.fitter.params_[name] == pytest.approx(TRUE[name], rel=0.25)


def _histories(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    frequency = rng.integers(0, 30, n).astype(float)
    age = rng.uniform(1, 400, n)
    recency = np.where(frequency > 0, rng.uniform(0, 1, n) * age, 0.0)
    return frequency, recency, age


def _lifetimes(params: dict[str, float]) -> ModifiedBetaGeoFitter:
    reference = ModifiedBetaGeoFitter()
    reference.params_ = pd.Series(params)
    return reference


@pytest.mark.parametrize("params", [TRUE, {"r": 0.52, "alpha": 6.2, "a": 0.89, "b": 1.6}])
def test_expected_purchases_match_lifetimes(params):
    frequency, recency, age = _histories(500, seed=1)
    theirs = _lifetimes(params).conditional_expected_number_of_purchases_up_to_time(
        56, frequency, recency, age
    )
    ours = conditional_expected_purchases(params, 56, frequency, recency, age)
    assert np.isfinite(theirs).all()
    assert np.allclose(ours, theirs, rtol=1e-9)


def test_p_alive_matches_lifetimes():
    frequency, recency, age = _histories(500, seed=2)
    theirs = _lifetimes(TRUE).conditional_probability_alive(frequency, recency, age)
    assert np.allclose(p_alive(TRUE, frequency, recency, age), theirs, rtol=1e-12)


def test_a_one_time_buyer_is_less_likely_alive_the_longer_ago_they_bought():
    ages = np.array([0.0, 10.0, 100.0, 365.0])
    alive = p_alive(TRUE, np.zeros(4), np.zeros(4), ages)
    # At T = 0: 1 / (1 + a/b), the chance of not dropping out at the first purchase.
    assert alive[0] == pytest.approx(1 / (1 + 1.2 / 3.0))
    assert (np.diff(alive) < 0).all()
