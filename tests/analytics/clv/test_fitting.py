"""Degenerate fits are refused on every machine; only the optimiser's failures are retried."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter

from analytics.clv import CLVModel
from analytics.clv.fitting import (
    MAX_LOG_PARAMETER_SE,
    RETRY_PENALIZERS,
    degeneracy,
    fit_with_retry,
    penalizer_schedule,
)
from tests.analytics.clv.simulation import simulate_summary

PENALIZERS = penalizer_schedule(0.0, RETRY_PENALIZERS)


def no_interior_optimum(n: int = 50) -> pd.DataFrame:
    """Every customer bought on 4 days and last bought on the cut-off day: the likelihood keeps
    rising as the dropout probability goes to 0 (a → 0), and the L2 penalty on the parameters
    does not stop a from shrinking, so no penalizer gives an optimum inside the parameter
    space. An optimiser can only fail or stop at a boundary, whatever the CPU."""
    return pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(n)],
        "frequency": 3, "recency": 30.0, "T": 30.0,
        "monetary_value": np.linspace(10.0, 20.0, n),
    })


@pytest.mark.parametrize("purchase_model", ["bg_nbd", "mbg_nbd"])
def test_an_input_without_interior_optimum_publishes_no_purchase_model(purchase_model):
    frame = no_interior_optimum()
    model = CLVModel(purchase_model=purchase_model).fit(frame)
    assert model.purchase_fitter_ is None and model.purchase_model_ is None
    out = model.predict(frame)
    assert out[["p_alive", "expected_purchases_30", "clv_amount"]].isna().all().all()
    # every attempt is reported, as refused or failed, with its penalizer
    attempts = [w for w in model.warnings_ if w.startswith(("BG/NBD fit", "MBG/NBD fit"))]
    assert [float(w.split("penalizer_coef=")[1].split()[0]) for w in attempts] == PENALIZERS
    assert all(" refused: " in w or " failed: " in w for w in attempts)
    failed = model.params_.query("parameter == 'fit_failed'")
    assert failed["model"].tolist() == [purchase_model]
    assert "did not converge to a usable fit" in failed["note"].iloc[0]


# The unpenalised BG/NBD "fit" of no_interior_optimum() on a machine whose BLAS lets it converge.
RUNAWAY = pd.Series({"r": 2.43e7, "alpha": 2.43e8, "a": 1.03e-9, "b": 7.30e7})
WELL_DETERMINED = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})


def fitted(params: pd.Series, hessian: np.ndarray) -> SimpleNamespace:
    """What ``degeneracy`` reads from a lifetimes fitter: ``params_`` and ``_hessian_``."""
    return SimpleNamespace(params_=params, _hessian_=hessian)


def test_parameters_that_ran_off_to_a_boundary_are_refused_whatever_the_hessian():
    reason = degeneracy(fitted(RUNAWAY, np.eye(4)), {"alpha": 30.0}, 50)
    assert reason is not None and "ran off to a boundary" in reason
    assert "r, alpha, a, b" in reason


def test_alpha_is_judged_relative_to_the_longest_customer_age():
    # alpha = 4.4 weeks is fine; the same customers measured in seconds have alpha ≈ 2.7e6 and
    # T up to 2.4e7, so alpha / T stays the same and the fit is still accepted.
    seconds = WELL_DETERMINED.copy()
    seconds["alpha"] *= 604_800
    assert degeneracy(fitted(seconds, np.eye(4)), {"alpha": 38.86 * 604_800}, 2357) is None
    assert degeneracy(fitted(seconds, np.eye(4)), {"alpha": 1.0}, 2357) is not None


def test_a_singular_or_flat_hessian_is_refused():
    singular = np.diag([3.0, 2.0, 1.0, 0.0])
    assert "singular" in degeneracy(fitted(WELL_DETERMINED, singular), {}, 2357)
    # smallest eigenvalue 1e-9 per customer: a log-parameter combination with standard error
    # 1 / √(2357 × 1e-9) ≈ 650
    flat = np.diag([3.0, 2.0, 1.0, 1e-9])
    reason = degeneracy(fitted(WELL_DETERMINED, flat), {}, 2357)
    assert "flat in one direction" in reason and f"> {MAX_LOG_PARAMETER_SE:g}" in reason
    assert "not finite" in degeneracy(fitted(WELL_DETERMINED, np.full((4, 4), np.nan)), {}, 10)


def test_a_well_determined_fit_is_accepted():
    # standard errors of the log-parameters about 1 / √(2357 × 0.5) ≈ 0.03
    assert degeneracy(fitted(WELL_DETERMINED, np.diag([3.0, 2.0, 1.0, 0.5])), {}, 2357) is None


def test_an_optimiser_failure_is_retried_with_the_next_penalizer():
    customers = simulate_summary(300, r=0.8, alpha=8.0, a=1.2, b=3.0, seed=4)

    def fit(penalizer: float) -> BetaGeoFitter:
        # one iteration cannot converge: a real ConvergenceError from lifetimes' optimiser
        options = {"maxiter": 1} if penalizer == 0.0 else {}
        return BetaGeoFitter(penalizer_coef=penalizer).fit(
            customers["frequency"], customers["recency"], customers["T"], **options
        )

    result = fit_with_retry("BG/NBD", fit, [0.0, 0.001], lambda fitter: None)
    assert result.penalizer == 0.001 and result.fitter is not None
    assert result.notes[0].startswith("BG/NBD fit with penalizer_coef=0.0 failed: The model did")
    assert result.notes[1] == "BG/NBD refitted with penalizer_coef=0.001 after the failures above"


def test_a_refused_fit_is_retried_and_the_refusal_reported():
    customers = simulate_summary(300, r=0.8, alpha=8.0, a=1.2, b=3.0, seed=4)

    def fit(penalizer: float) -> BetaGeoFitter:
        return BetaGeoFitter(penalizer_coef=penalizer).fit(
            customers["frequency"], customers["recency"], customers["T"]
        )

    def refuse_unpenalised(fitter: BetaGeoFitter) -> str | None:
        return "for the test" if fitter.penalizer_coef == 0.0 else None

    result = fit_with_retry("BG/NBD", fit, [0.0, 0.001], refuse_unpenalised)
    assert result.penalizer == 0.001
    assert result.notes[0] == "BG/NBD fit with penalizer_coef=0.0 refused: for the test"


def test_an_error_that_is_not_the_optimisers_is_not_swallowed():
    def fit(penalizer: float) -> BetaGeoFitter:
        return BetaGeoFitter(penalizer_coef=penalizer).fit(np.array([1]), None, np.array([5]))

    with pytest.raises(TypeError):
        fit_with_retry("BG/NBD", fit, [0.0, 0.1], lambda fitter: None)
