"""The uplift metrics equal scikit-uplift 0.5.1's on the same data (that library is the test's
oracle only), and the bootstrap interval covers the coefficient it resamples."""

import warnings

import numpy as np
import pytest

from analytics.uplift.metrics import (
    auuc,
    qini_coefficient,
    qini_curve,
    qini_interval,
    targeting_counts,
    uplift_at_k,
    uplift_by_decile,
    uplift_curve,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from sklift import metrics as sklift


def _campaign(n: int, seed: int, ties: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A randomised campaign whose contact helps customers with a high x; the score is x with
    noise (rounded to make ties when asked)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=n)
    t = rng.integers(0, 2, n)
    y = (rng.uniform(size=n) < 0.05 + 0.15 * x * t).astype(int)
    score = x + rng.normal(0, 0.3, n)
    return y, (np.round(score, 1) if ties else score), t


CAMPAIGNS = [_campaign(2_000, 1, ties=False), _campaign(1_500, 2, ties=True),
             _campaign(400, 3, ties=False)]


@pytest.fixture(params=range(len(CAMPAIGNS)), ids=["distinct", "tied", "small"])
def campaign(request):
    return CAMPAIGNS[request.param]


def _quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def test_qini_curve_is_scikit_uplifts(campaign):
    y, u, t = campaign
    x, values = qini_curve(y, u, t)
    x_ref, values_ref = _quiet(sklift.qini_curve, y, u, t)
    np.testing.assert_allclose(x, x_ref)
    np.testing.assert_allclose(values, values_ref)


def test_uplift_curve_is_scikit_uplifts(campaign):
    y, u, t = campaign
    x, values = uplift_curve(y, u, t)
    x_ref, values_ref = _quiet(sklift.uplift_curve, y, u, t)
    np.testing.assert_allclose(x, x_ref)
    np.testing.assert_allclose(values, values_ref)


def test_qini_coefficient_and_auuc_are_scikit_uplifts(campaign):
    y, u, t = campaign
    assert qini_coefficient(y, u, t) == pytest.approx(
        _quiet(sklift.qini_auc_score, y, u, t, negative_effect=True), rel=1e-9)
    assert auuc(y, u, t) == pytest.approx(_quiet(sklift.uplift_auc_score, y, u, t), rel=1e-9)


@pytest.mark.parametrize("k", [0.1, 0.3, 0.5])
def test_uplift_at_k_is_scikit_uplifts_overall_strategy(campaign, k):
    y, u, t = campaign
    assert uplift_at_k(y, u, t, k) == pytest.approx(
        _quiet(sklift.uplift_at_k, y, u, t, strategy="overall", k=k), rel=1e-9)


def test_deciles_are_scikit_uplifts_percentiles_with_normal_intervals(campaign):
    y, u, t = campaign
    ours = uplift_by_decile(y, u, t)
    ref = _quiet(sklift.uplift_by_percentile, y, u, t, strategy="overall", bins=10, std=True)
    np.testing.assert_array_equal(ours["n_treatment"], ref["n_treatment"])
    np.testing.assert_array_equal(ours["n_control"], ref["n_control"])
    np.testing.assert_allclose(ours["rate_treatment"], ref["response_rate_treatment"])
    np.testing.assert_allclose(ours["rate_control"], ref["response_rate_control"])
    np.testing.assert_allclose(ours["actual_uplift"], ref["uplift"])
    np.testing.assert_allclose(ours["ci_high"] - ours["actual_uplift"],
                               1.959964 * ref["std_uplift"], rtol=1e-6)
    np.testing.assert_allclose(ours["actual_uplift"] - ours["ci_low"],
                               1.959964 * ref["std_uplift"], rtol=1e-6)


def test_a_perfect_ranking_scores_one_and_its_reverse_below_zero():
    y, _, t = CAMPAIGNS[0]
    perfect = y * t - y * (1 - t)
    assert qini_coefficient(y, perfect, t) == pytest.approx(1.0)
    assert qini_coefficient(y, -perfect, t) < 0


def test_targeting_counts_add_up_the_top_of_the_ranking():
    y = np.array([1, 0, 1, 1, 0, 0, 1, 0])
    t = np.array([1, 1, 0, 1, 0, 1, 0, 0])
    u = np.array([8, 7, 6, 5, 4, 3, 2, 1], dtype=float)
    counts = targeting_counts(y, u, t, [0.25, 0.5, 1.0])
    assert counts["customers"].tolist() == [2, 4, 8]
    assert counts["n_treatment"].tolist() == [2, 3, 4]
    assert counts["n_control"].tolist() == [0, 1, 4]
    assert counts["conversions_treatment"].tolist() == [1, 2, 2]
    assert counts["conversions_control"].tolist() == [0, 1, 2]


def _resampled_by_hand(y, u, t, samples: int, seed: int, batch: int = 25) -> np.ndarray:
    """The coefficient of each resample, drawn as ``qini_interval`` draws them (per batch of
    25: the treated, then the control customers) and computed on the resampled arrays."""
    rng = np.random.default_rng(seed)
    treated, control = np.flatnonzero(t == 1), np.flatnonzero(t == 0)
    values = []
    for start in range(0, samples, batch):
        size = min(batch, samples - start)
        draws = [rng.integers(0, group.size, size=(size, group.size)) for group in
                 (treated, control)]
        for row in range(size):
            rows = np.r_[treated[draws[0][row]], control[draws[1][row]]]
            values.append(qini_coefficient(y[rows], u[rows], t[rows]))
    return np.array(values)


def test_the_bootstrap_interval_is_the_quantiles_of_resampled_coefficients():
    y, u, t = CAMPAIGNS[2]
    low, high = qini_interval(y, u, t, samples=60, seed=5)
    expected = np.quantile(_resampled_by_hand(y, u, t, 60, 5), [0.025, 0.975])
    assert (low, high) == pytest.approx(tuple(expected), rel=1e-9)
    assert low < qini_coefficient(y, u, t) < high


@pytest.mark.parametrize(("y", "u", "t", "message"), [
    ([0, 1], [0.1, 0.2], [1, 1], "treated and control"),
    ([0, 2], [0.1, 0.2], [1, 0], "y must hold only 0/1"),
    ([0, 1], [0.1, np.nan], [1, 0], "finite"),
    ([0, 1, 1], [0.1, 0.2], [1, 0, 1], "equal length"),
])
def test_bad_inputs_are_named(y, u, t, message):
    with pytest.raises(ValueError, match=message):
        qini_coefficient(y, u, t)
