"""The conversion models: real fits on synthetic candidates whose purchases follow a known rule."""

import numpy as np
import pytest

from analytics.contact_list.model import (
    SgdLogisticModel,
    WindowLogisticModel,
    make_model,
)
from tests.support.contact_candidates import candidates


@pytest.fixture(scope="module")
def window():
    return candidates(6000, seed=1)


def test_the_window_model_expects_as_many_buyers_as_its_window_had(window) -> None:
    # The intercept is not penalised, so at the optimum the predicted probabilities add up to
    # the observed purchases (the intercept's score equation), whatever the data.
    frame, bought = window
    model = WindowLogisticModel(tol=1e-10, max_iter=5000).fit(frame, bought)
    assert model.predict_proba(frame)[:, 1].sum() == pytest.approx(bought.sum(), rel=1e-6)


def test_the_window_model_finds_the_rule_behind_the_purchases(window) -> None:
    frame, bought = window
    weights = WindowLogisticModel().fit(frame, bought).coefficients()
    # the two real causes carry the two largest weights, both positive
    assert set(weights.abs().nlargest(2).index) <= {"log_cart_adds_24h", "log_orders",
                                                    "is_buyer"}
    assert weights["log_cart_adds_24h"] > 0 and weights["log_orders"] > 0


def test_a_warm_started_update_lands_where_a_fit_from_scratch_does(window) -> None:
    frame, bought = window
    first, later = frame.iloc[:3000], frame.iloc[1000:]
    model = WindowLogisticModel(tol=1e-10, max_iter=5000).fit(first, bought[:3000])
    scaler_mean = model.scaler_.mean_.copy()
    model.update(later, bought[1000:], np.ones(len(later), dtype=bool))
    fresh = WindowLogisticModel(tol=1e-10, max_iter=5000).fit(first, bought[:3000])
    fresh.classifier_.warm_start = False
    fresh.classifier_.fit(fresh._scaled(later), bought[1000:])
    np.testing.assert_allclose(model.coefficients(), fresh.coefficients(), atol=1e-6)
    np.testing.assert_array_equal(model.scaler_.mean_, scaler_mean)  # the scaler is kept
    assert model.n_updates_ == 1


def test_partial_fit_learns_only_from_the_new_days(window) -> None:
    frame, bought = window
    model = SgdLogisticModel().fit(frame.iloc[:3000], bought[:3000])
    before = model.coefficients().copy()
    nothing_new = np.zeros(len(frame), dtype=bool)
    model.update(frame, bought, nothing_new)
    np.testing.assert_array_equal(model.coefficients(), before)
    new = np.arange(len(frame)) >= 3000
    twin = SgdLogisticModel().fit(frame.iloc[:3000], bought[:3000])
    twin.update(frame, bought, nothing_new)
    model.update(frame, bought, new)
    twin.update(frame.loc[new], bought[new], np.ones(new.sum(), dtype=bool))
    assert not np.allclose(model.coefficients(), before)
    np.testing.assert_array_equal(model.coefficients(), twin.coefficients())


def test_training_needs_buyers_and_non_buyers(window) -> None:
    frame, _ = window
    with pytest.raises(ValueError, match="all did not"):
        WindowLogisticModel().fit(frame, np.zeros(len(frame), dtype=int))
    with pytest.raises(ValueError, match="6000 candidates but 5 outcomes"):
        WindowLogisticModel().fit(frame, [0, 1, 0, 1, 0])
    with pytest.raises(ValueError, match="sample weights must be positive"):
        WindowLogisticModel().fit(frame, np.r_[1, np.zeros(len(frame) - 1, dtype=int)],
                                  sample_weight=np.zeros(len(frame)))


def test_strategies_are_made_by_name() -> None:
    assert isinstance(make_model("window"), WindowLogisticModel)
    assert isinstance(make_model("partial_fit"), SgdLogisticModel)
    with pytest.raises(ValueError, match="unknown update strategy 'daily'"):
        make_model("daily")
