"""The linear candidates: stored as numbers, scored exactly as the fitted pipeline scores."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.propensity.models import (
    FAMILIES,
    LinearParams,
    fit_model,
    linear_params,
    linear_probability,
)

RNG = np.random.default_rng(3)
X = RNG.normal(size=(400, 3))
Y = (X[:, 0] + 0.5 * RNG.normal(size=400) > 0.8).astype(int)
NAMES = ("a", "b", "c")


@pytest.mark.parametrize("family", [f.name for f in FAMILIES])
def test_stored_numbers_score_as_the_fitted_pipeline(family):
    model = fit_model(family, FAMILIES[0].grid[-1] if family != "sgd" else 1e-4, X, Y)
    params = linear_params(model, NAMES)
    expected = model.predict_proba(X)[:, 1]
    assert linear_probability(X, params) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    again = LinearParams.from_frame(params.frame(), params.intercept)
    assert linear_probability(X, again) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert params.coef[0] > 0  # the informative feature raises the probability


def test_strong_l1_sets_uninformative_features_to_zero():
    params = linear_params(fit_model("logistic_l1", 0.01, X, Y), NAMES)
    assert params.coef[0] > 0
    assert params.coef[1] == 0.0 and params.coef[2] == 0.0


def test_rows_of_one_outcome_are_refused():
    with pytest.raises(ValueError, match="both outcomes"):
        fit_model("logistic_l2", 1.0, X, np.zeros(400, dtype=int))
