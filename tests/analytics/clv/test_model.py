"""CLVModel: published CDNOW answers, predictions against lifetimes, the purchase-model choice,
one-time buyers' spend, guards and the scikit-learn contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter, ModifiedBetaGeoFitter
from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value
from sklearn.base import clone

from analytics.clv import PURCHASE_MODELS, CLVModel, monthly_discount_rate, spend_verdict
from analytics.clv.model import SPEND_OK, SPEND_REJECTED
from analytics.clv_constants import PURCHASE_MODEL_LABELS
from tests.analytics.clv.simulation import simulate_spend, simulate_summary

TRUE = {"r": 0.8, "alpha": 8.0, "a": 1.2, "b": 3.0}


@pytest.fixture(scope="module")
def cdnow() -> CLVModel:
    """lifetimes' bundled CDNOW summary (2,357 customers, weeks), fitted by the product's model."""
    summary = load_cdnow_summary_data_with_monetary_value().reset_index()
    return CLVModel(fit_both=True).fit(summary)


@pytest.mark.parametrize(
    ("name", "published"), [("r", 0.243), ("alpha", 4.414), ("a", 0.793), ("b", 2.426)]
)
def test_bgnbd_reproduces_the_published_cdnow_parameters(cdnow, name, published):
    # Fader, Hardie & Lee (2005a), section 5: r = 0.243, α = 4.414 (weeks), a = 0.793, b = 2.426
    assert cdnow.purchase_fits_["bg_nbd"].params_[name] == pytest.approx(published, abs=5e-4)


def test_bgnbd_reproduces_the_published_cdnow_log_likelihood(cdnow):
    # ibid.: LL = −9,582.4
    assert cdnow.log_likelihoods_["bg_nbd"] == pytest.approx(-9582.4, abs=0.05)


@pytest.mark.parametrize(("name", "published"), [("p", 6.25), ("q", 3.74), ("v", 15.44)])
def test_gamma_gamma_reproduces_the_published_cdnow_parameters(cdnow, name, published):
    # Fader & Hardie (2013), note 025: p = 6.25, q = 3.74, γ = 15.44 (lifetimes calls γ "v")
    assert cdnow.ggf_.params_[name] == pytest.approx(published, abs=0.01)


def test_both_purchase_models_are_recorded_and_the_asked_one_is_used(cdnow):
    params = cdnow.params_.set_index(["model", "parameter"])
    for model in ("bg_nbd", "mbg_nbd"):
        for name in ("r", "alpha", "a", "b"):
            assert params.loc[(model, name), "standard_error"] > 0
        assert params.loc[(model, "customers"), "value"] == 2357
    assert cdnow.purchase_model_ == "bg_nbd"
    assert params.loc[("clv", "purchase_model"), "note"] == "bg_nbd"


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    """3,000 customers from known BG/NBD parameters, Gamma-Gamma spend (q = 3 > 1) for repeat
    buyers, and a first order for everyone."""
    frame = simulate_summary(3000, **TRUE, seed=11)
    repeat = frame["frequency"].to_numpy() > 0
    spend = np.zeros(len(frame))
    spend[repeat] = simulate_spend(frame["frequency"].to_numpy()[repeat], 4.0, 3.0, 100.0, 5)
    first = simulate_spend(np.ones(len(frame)), 4.0, 3.0, 100.0, 6)
    return frame.assign(monetary_value=spend, first_purchase_value=first)


@pytest.fixture(scope="module")
def fitted(simulated: pd.DataFrame) -> CLVModel:
    return CLVModel().fit(simulated.drop(columns="first_purchase_value"))


def test_p_alive_is_a_probability_and_clv_is_never_negative(simulated, fitted):
    out = fitted.predict(simulated)
    assert out["p_alive"].between(0, 1).all()
    assert (out["clv_amount"] >= 0).all()
    assert (out["expected_purchases_30"] <= out["expected_purchases_90"]).all()
    assert (out["expected_purchases_90"] <= out["expected_purchases_365"]).all()


def test_clv_equals_lifetimes_customer_lifetime_value(simulated, fitted):
    sample = simulated.drop(columns="first_purchase_value").iloc[::50].set_index("customer_id")
    expected = fitted.ggf_.customer_lifetime_value(
        fitted.purchase_fitter_, sample["frequency"], sample["recency"], sample["T"],
        sample["monetary_value"], time=12, discount_rate=monthly_discount_rate(0.10), freq="D",
    )
    ours = fitted.predict(sample.reset_index()).set_index("customer_id")["clv_amount"]
    assert np.allclose(ours.to_numpy(), expected.to_numpy(), rtol=1e-9)


def test_bgnbd_one_time_buyers_are_alive_and_carry_their_lapse(simulated, fitted):
    out = fitted.predict(simulated)
    one_time = simulated["frequency"].to_numpy() == 0
    assert one_time.any()
    assert (out.loc[one_time, "p_alive"] == 1.0).all()
    assert out["is_one_time_buyer"].to_numpy().tolist() == one_time.tolist()
    assert out["days_since_purchase"].tolist() == (simulated["T"] - simulated["recency"]).tolist()


def test_first_order_informs_a_one_time_buyers_clv(simulated, fitted):
    without = fitted.predict(simulated.drop(columns="first_purchase_value"))
    model = CLVModel().fit(simulated)
    with_first = model.predict(simulated)
    one_time = simulated["frequency"].to_numpy() == 0
    # repeat buyers are valued as before
    assert np.allclose(with_first.loc[~one_time, "clv_amount"],
                       without.loc[~one_time, "clv_amount"])
    # one-time buyers: expected purchases × the spend of eq. 5 with their first order as x = 1,
    # put on the repeat scale (mean repeat spend ÷ mean first order of repeat buyers)
    repeat = simulated[(simulated["frequency"] > 0)]
    scale = repeat["monetary_value"].mean() / repeat["first_purchase_value"].mean()
    p, q, v = model.ggf_.params_[["p", "q", "v"]]
    own = simulated.loc[one_time, "first_purchase_value"] * scale
    spend = (q - 1) / (p + q - 1) * v * p / (q - 1) + p / (p + q - 1) * own
    ratio = with_first.loc[one_time, "clv_amount"] / without.loc[one_time, "clv_amount"]
    assert np.allclose(ratio, spend / (v * p / (q - 1)), rtol=1e-9)
    # the buyer who spent most on their first order is worth more than the one who spent least
    ages = simulated.loc[one_time, "T"].to_numpy()
    values = with_first.loc[one_time, "clv_amount"].to_numpy()[ages == ages[0]]
    first = own.to_numpy()[ages == ages[0]]
    assert len(first) > 1 and values[np.argmax(first)] > values[np.argmin(first)]
    assert model.params_.query("parameter == 'first_purchase_scale'")["value"].iloc[0] == (
        pytest.approx(scale)
    )


@pytest.mark.parametrize(("modified", "expected"), [(False, "bg_nbd"), (True, "mbg_nbd")])
def test_auto_keeps_the_purchase_model_the_data_came_from(modified, expected):
    # The log-likelihoods differ by about 450 (BG/NBD data) and 120 (MBG/NBD data).
    summary = simulate_summary(3000, **TRUE, seed=11, modified=modified)
    model = CLVModel(purchase_model="auto", fit_spend=False).fit(summary)
    assert model.purchase_model_ == expected
    assert set(model.purchase_fits_) == {"bg_nbd", "mbg_nbd"}


def test_mbgnbd_predictions_follow_its_own_formulas():
    summary = simulate_summary(2000, **TRUE, seed=12, modified=True)
    model = CLVModel(purchase_model="mbg_nbd", fit_spend=False).fit(summary)
    out = model.predict(summary)
    reference = ModifiedBetaGeoFitter()
    reference.params_ = model.purchase_fitter_.params_
    f, r, t = summary["frequency"], summary["recency"], summary["T"]
    assert np.allclose(out["p_alive"], reference.conditional_probability_alive(f, r, t))
    assert np.allclose(out["expected_purchases_90"],
                       reference.conditional_expected_number_of_purchases_up_to_time(90, f, r, t))
    one_time = out[out["is_one_time_buyer"]].sort_values("days_since_purchase")
    assert (one_time["p_alive"] < 1).all()
    assert one_time["p_alive"].is_monotonic_decreasing


def test_heavy_tailed_spend_is_rejected_and_clv_left_null_with_a_verdict(simulated):
    repeat = simulated["frequency"].to_numpy() > 0
    spend = np.zeros(len(simulated))
    # q = 0.6: each customer's mean spend is inverse-gamma with shape < 1, so it has no mean.
    spend[repeat] = simulate_spend(simulated["frequency"].to_numpy()[repeat], 3.0, 0.6, 10.0, 3)
    heavy = simulated.assign(monetary_value=spend)
    model = CLVModel().fit(heavy)
    out = model.predict(heavy)
    assert model.ggf_ is None and model.spend_status_ == SPEND_REJECTED
    assert "q = " in model.spend_reason_
    assert out["clv_amount"].isna().all()
    assert out["p_alive"].notna().all()
    not_computed = model.params_.query("model == 'clv' and parameter == 'not_computed'")
    assert not_computed["note"].iloc[0] == model.spend_reason_
    assert "What to do" in spend_verdict(model.spend_status_)


def test_a_fit_that_never_converges_leaves_predictions_null_with_the_reason():
    tiny = pd.DataFrame({
        "customer_id": ["a", "b"], "frequency": [0, 1], "recency": [0, 5], "T": [10, 10],
        "monetary_value": [0.0, 5.0],
    })
    model = CLVModel().fit(tiny)
    out = model.predict(tiny)
    assert model.purchase_fitter_ is None
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
    assert fitted.spend_status_ == SPEND_OK
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
    [
        ({"horizon_months": 0}, "horizon_months"),
        ({"discount_rate": -0.1}, "discount_rate"),
        ({"purchase_model": "pareto"}, "purchase_model must be one of bg_nbd, mbg_nbd, auto"),
    ],
)
def test_invalid_settings_are_named_in_the_error(simulated, setting, message):
    with pytest.raises(ValueError, match=message):
        CLVModel(**setting).fit(simulated)


def test_model_follows_the_scikit_learn_contract():
    model = CLVModel(purchase_model="mbg_nbd", horizon_months=6, discount_rate=0.05)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "params_")


def test_longer_horizon_never_lowers_clv(simulated, fitted):
    short = clone(fitted).set_params(horizon_months=6).fit(simulated).predict(simulated)
    long = fitted.predict(simulated)
    assert (short["clv_amount"] <= long["clv_amount"] + 1e-9).all()
    assert (short["clv_amount"] < long["clv_amount"]).any()


def test_discount_rate_compounds_monthly_to_the_annual_rate():
    assert (1 + monthly_discount_rate(0.10)) ** 12 == pytest.approx(1.10)


def test_expected_purchases_use_the_fitted_bgnbd(simulated, fitted):
    reference = BetaGeoFitter()
    reference.params_ = fitted.purchase_fitter_.params_
    f, r, t = simulated["frequency"], simulated["recency"], simulated["T"]
    assert np.allclose(fitted.predict_purchases(simulated, 56),
                       reference.conditional_expected_number_of_purchases_up_to_time(56, f, r, t))


def test_the_labels_shown_without_lifetimes_match_the_models():
    assert {name: m.label for name, m in PURCHASE_MODELS.items()} == PURCHASE_MODEL_LABELS
