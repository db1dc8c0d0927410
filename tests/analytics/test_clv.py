"""BG/NBD + Gamma-Gamma CLV model: parameter recovery, weighted fit, guards, holdout metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter
from sklearn.base import clone

from analytics.clv import (
    CLVModel,
    conditional_expected_purchases,
    gamma_gamma_rejection,
    monthly_discount_rate,
    naive_baseline,
    validate_holdout,
)

TRUE_BGNBD = {"r": 0.8, "alpha": 8.0, "a": 1.2, "b": 3.0}


def simulate_bgnbd(n: int, r: float, alpha: float, a: float, b: float, seed: int) -> pd.DataFrame:
    """Draw (frequency, recency, T) from the BG/NBD generative process (Fader et al. 2005a):
    λ ~ Gamma(r, rate α), p ~ Beta(a, b); repeat purchases arrive as a Poisson(λ) process and
    after each one the customer drops out with probability p. Times are continuous days."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    age = rng.integers(200, 366, n).astype(float)
    purchases_until_dropout = rng.geometric(p)
    max_events = 600
    times = np.cumsum(rng.exponential(1.0, (n, max_events)) / lam[:, None], axis=1)
    assert ((times[:, -1] > age) | (purchases_until_dropout < max_events)).all()
    rank = np.arange(1, max_events + 1)[None, :]
    observed = (times <= age[:, None]) & (rank <= purchases_until_dropout[:, None])
    frequency = observed.sum(axis=1)
    last = np.take_along_axis(times, np.maximum(frequency - 1, 0)[:, None], axis=1)[:, 0]
    return pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(n)],
        "frequency": frequency,
        "recency": np.where(frequency > 0, last, 0.0),
        "T": age,
        "monetary_value": 0.0,
    })


def simulate_spend(
    frequency: np.ndarray, p: float, q: float, v: float, seed: int
) -> np.ndarray:
    """Mean spend of ``frequency`` transactions under Gamma-Gamma: ν ~ Gamma(q, rate v), each
    transaction ~ Gamma(p, rate ν), so the mean of x of them ~ Gamma(p·x, rate ν·x)."""
    rng = np.random.default_rng(seed)
    nu = rng.gamma(q, 1.0 / v, len(frequency))
    return rng.gamma(p * frequency, 1.0 / (nu * frequency))


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    """3,000 customers from known BG/NBD parameters, with Gamma-Gamma spend (q = 3 > 1)."""
    frame = simulate_bgnbd(3000, **TRUE_BGNBD, seed=11)
    repeat = frame["frequency"].to_numpy() > 0
    spend = np.zeros(len(frame))
    spend[repeat] = simulate_spend(frame["frequency"].to_numpy()[repeat], 4.0, 3.0, 100.0, 5)
    return frame.assign(monetary_value=spend)


@pytest.fixture(scope="module")
def fitted(simulated: pd.DataFrame) -> CLVModel:
    return CLVModel().fit(simulated)


@pytest.mark.parametrize("name", list(TRUE_BGNBD))
def test_bgnbd_recovers_the_parameters_it_was_simulated_from(fitted, name):
    # At n = 3,000 the fit's relative standard errors are about 3 % (r, alpha), 6 % (a) and
    # 8.5 % (b); 25 % is about 3 standard errors of the worst-determined parameter (b).
    assert fitted.bgf_.params_[name] == pytest.approx(TRUE_BGNBD[name], rel=0.25)


def test_weighted_fit_on_unique_rows_matches_one_row_per_customer(simulated, fitted):
    per_customer = BetaGeoFitter().fit(
        simulated["frequency"], simulated["recency"], simulated["T"]
    )
    for name in TRUE_BGNBD:
        assert fitted.bgf_.params_[name] == pytest.approx(per_customer.params_[name], rel=1e-3)


def test_standard_errors_are_reported_for_fitted_parameters(fitted):
    bgnbd = fitted.params_[fitted.params_["model"] == "bg_nbd"].set_index("parameter")
    assert (bgnbd.loc[list(TRUE_BGNBD), "standard_error"] > 0).all()


def test_p_alive_is_a_probability_and_clv_is_never_negative(simulated, fitted):
    out = fitted.predict(simulated)
    assert out["p_alive"].between(0, 1).all()
    assert (out["clv_amount"] >= 0).all()
    assert (out["expected_purchases_30"] <= out["expected_purchases_90"]).all()
    assert (out["expected_purchases_90"] <= out["expected_purchases_365"]).all()


def test_clv_equals_lifetimes_customer_lifetime_value(simulated, fitted):
    sample = simulated.iloc[::50].set_index("customer_id")
    expected = fitted.ggf_.customer_lifetime_value(
        fitted.bgf_, sample["frequency"], sample["recency"], sample["T"],
        sample["monetary_value"], time=12, discount_rate=monthly_discount_rate(0.10), freq="D",
    )
    ours = fitted.predict(sample.reset_index()).set_index("customer_id")["clv_amount"]
    assert np.allclose(ours.to_numpy(), expected.to_numpy(), rtol=1e-9)


def test_one_time_buyers_get_population_mean_spend_and_lapse_columns(simulated, fitted):
    out = fitted.predict(simulated)
    one_time = simulated["frequency"].to_numpy() == 0
    assert one_time.any()
    assert (out.loc[one_time, "p_alive"] == 1.0).all()
    assert out["is_one_time_buyer"].to_numpy().tolist() == one_time.tolist()
    assert out["days_since_purchase"].tolist() == (simulated["T"] - simulated["recency"]).tolist()
    p, q, v = fitted.ggf_.params_[["p", "q", "v"]]
    spend = fitted.ggf_.conditional_expected_average_profit(
        simulated["frequency"][one_time], simulated["monetary_value"][one_time]
    )
    assert np.allclose(spend, v * p / (q - 1))
    assert (out.loc[one_time, "clv_amount"] > 0).all()


def _random_histories(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    frequency = rng.integers(0, 30, n).astype(float)
    age = rng.uniform(1, 400, n)
    recency = np.where(frequency > 0, rng.uniform(0, 1, n) * age, 0.0)
    return frequency, recency, age


@pytest.mark.parametrize("params", [TRUE_BGNBD, {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}])
def test_expected_purchases_match_lifetimes_where_lifetimes_is_finite(params):
    frequency, recency, age = _random_histories(500, seed=1)
    reference = BetaGeoFitter()
    reference.params_ = pd.Series(params)
    theirs = reference.conditional_expected_number_of_purchases_up_to_time(
        56, frequency, recency, age
    )
    ours = conditional_expected_purchases(params, 56, frequency, recency, age)
    assert np.allclose(ours, theirs, rtol=1e-9)


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
    reference = BetaGeoFitter()
    reference.params_ = pd.Series(params)
    horizons = np.array([10.0, 56.0, 365.0])
    zeros = np.zeros(3)
    assert np.allclose(
        conditional_expected_purchases(params, horizons, zeros, zeros, zeros),
        reference.expected_number_of_purchases_up_to_time(horizons),
        rtol=1e-9,
    )


def test_discount_rate_compounds_monthly_to_the_annual_rate():
    assert (1 + monthly_discount_rate(0.10)) ** 12 == pytest.approx(1.10)


def test_gamma_gamma_guard_rejects_q_at_or_below_one():
    assert "q = 0.8" in gamma_gamma_rejection({"p": 2.0, "q": 0.8, "v": 10.0})
    assert "q = 1" in gamma_gamma_rejection({"p": 2.0, "q": 1.0, "v": 10.0})
    assert gamma_gamma_rejection({"p": 2.0, "q": 1.5, "v": 10.0}) is None
    assert "not finite" in gamma_gamma_rejection({"p": np.nan, "q": 3.0, "v": 10.0})


def test_heavy_tailed_spend_is_rejected_and_clv_left_null(simulated):
    repeat = simulated["frequency"].to_numpy() > 0
    spend = np.zeros(len(simulated))
    # q = 0.6: each customer's mean spend is inverse-gamma with shape < 1, so it has no mean.
    spend[repeat] = simulate_spend(simulated["frequency"].to_numpy()[repeat], 3.0, 0.6, 10.0, 3)
    model = CLVModel().fit(simulated.assign(monetary_value=spend))
    out = model.predict(simulated.assign(monetary_value=spend))
    assert model.ggf_ is None
    assert "q = " in model.spend_reason_
    assert out["clv_amount"].isna().all()
    assert out["p_alive"].notna().all()
    not_computed = model.params_.query("model == 'clv' and parameter == 'not_computed'")
    assert not_computed["note"].iloc[0] == model.spend_reason_


def test_failed_first_fit_is_retried_with_a_larger_penalizer():
    # Every customer bought on 4 days and last bought today: the unpenalised likelihood has no
    # interior optimum (dropout probability → 0), so the first fit fails.
    degenerate = pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(50)],
        "frequency": 3, "recency": 30, "T": 30,
        "monetary_value": np.linspace(10.0, 20.0, 50),
    })
    model = CLVModel().fit(degenerate)
    assert model.bgf_ is not None
    assert any("penalizer_coef=0.0 failed" in w for w in model.warnings_)
    penalizer = model.params_.query("model == 'bg_nbd' and parameter == 'penalizer_coef'")
    assert penalizer["value"].iloc[0] == 0.001
    assert "failed" in penalizer["note"].iloc[0]


def test_fit_that_never_converges_leaves_predictions_null_with_the_reason():
    tiny = pd.DataFrame({
        "customer_id": ["a", "b"], "frequency": [0, 1], "recency": [0, 5], "T": [10, 10],
        "monetary_value": [0.0, 5.0],
    })
    model = CLVModel().fit(tiny)
    out = model.predict(tiny)
    assert model.bgf_ is None
    assert out[["p_alive", "expected_purchases_90", "clv_amount"]].isna().all().all()
    assert out["is_one_time_buyer"].tolist() == [True, False]
    failed = model.params_.query("model == 'bg_nbd' and parameter == 'fit_failed'")
    assert "did not converge" in failed["note"].iloc[0]


def test_correlated_frequency_and_spend_is_warned_about(simulated):
    # Spend proportional to frequency among repeat buyers: Pearson r = 1 exactly.
    correlated = simulated.assign(monetary_value=10.0 * simulated["frequency"])
    model = CLVModel().fit(correlated)
    assert model.freq_monetary_corr_ == pytest.approx(1.0)
    assert any("independence assumption" in w for w in model.warnings_)
    row = model.params_.query("parameter == 'freq_monetary_corr'")
    assert row["value"].iloc[0] == pytest.approx(1.0)
    assert "Pearson r = 1.00" in row["note"].iloc[0]


def test_uncorrelated_spend_gives_no_warning(fitted):
    assert abs(fitted.freq_monetary_corr_) < 0.3
    assert not any("independence" in w for w in fitted.warnings_)


def test_missing_column_is_named_in_the_error(simulated):
    with pytest.raises(ValueError, match=r"missing column\(s\) 'recency'"):
        CLVModel().fit(simulated.drop(columns="recency"))


def test_recency_beyond_t_is_rejected_naming_the_column(simulated):
    broken = simulated.copy()
    broken.loc[0, ["frequency", "recency", "T"]] = [2, 50.0, 40.0]
    with pytest.raises(ValueError, match=r"column 'T'.*customer 'c0'"):
        CLVModel().fit(broken)


@pytest.mark.parametrize(
    ("setting", "message"),
    [({"horizon_months": 0}, "horizon_months"), ({"discount_rate": -0.1}, "discount_rate")],
)
def test_invalid_settings_are_named_in_the_error(simulated, setting, message):
    with pytest.raises(ValueError, match=message):
        CLVModel(**setting).fit(simulated)


def test_model_follows_the_scikit_learn_contract():
    model = CLVModel(horizon_months=6, discount_rate=0.05)
    copy = clone(model)
    assert copy.get_params()["horizon_months"] == 6
    assert copy.get_params()["discount_rate"] == 0.05


def test_longer_horizon_never_lowers_clv(simulated, fitted):
    short = clone(fitted).set_params(horizon_months=6).fit(simulated).predict(simulated)
    long = fitted.predict(simulated)
    assert (short["clv_amount"] <= long["clv_amount"] + 1e-9).all()
    assert (short["clv_amount"] < long["clv_amount"]).any()


def test_naive_baseline_is_calibration_rate_times_holdout_length():
    assert naive_baseline(np.array([0, 2, 8, 0]), np.array([10, 20, 40, 0]), 10).tolist() == [
        0.0, 1.0, 2.0, 0.0,
    ]


def test_holdout_metrics_on_hand_checkable_data():
    holdout = pd.DataFrame({
        "frequency": [0, 2, 8],
        "T": [10, 20, 40],
        "predicted_purchases": [0.5, 1.0, 3.0],
        "actual_purchases": [0, 2, 3],
    })
    result = validate_holdout(holdout, holdout_days=10)
    # baseline = frequency / T × 10 = [0, 1, 2]
    assert result.metrics["mae_per_customer"] == pytest.approx((0.5 + 1.0 + 0.0) / 3)
    assert result.metrics["baseline_mae_per_customer"] == pytest.approx((0.0 + 1.0 + 1.0) / 3)
    assert result.metrics["total_predicted"] == pytest.approx(4.5)
    assert result.metrics["total_actual"] == 5
    assert result.metrics["total_pct_error"] == pytest.approx(-10.0)
    assert result.metrics["baseline_total_pct_error"] == pytest.approx(-40.0)
    buckets = result.by_frequency.set_index("frequency_bucket")
    assert buckets.index.tolist() == [0, 2, 7]
    assert buckets.loc[7].tolist() == [1, 3.0, 3.0, 2.0]
    assert buckets.loc[2].tolist() == [1, 1.0, 2.0, 1.0]


def test_holdout_without_purchases_has_undefined_pct_error():
    holdout = pd.DataFrame({
        "frequency": [0, 1], "T": [5, 5], "predicted_purchases": [0.1, 0.2],
        "actual_purchases": [0, 0],
    })
    assert np.isnan(validate_holdout(holdout, 7).metrics["total_pct_error"])


def test_holdout_missing_column_is_named():
    with pytest.raises(ValueError, match=r"missing column\(s\) 'actual_purchases'"):
        validate_holdout(pd.DataFrame({"frequency": [0], "T": [1], "predicted_purchases": [0]}), 7)
