"""Lift, confidence intervals, p-values and sample-ratio-mismatch checks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats
from statsmodels.stats.proportion import test_proportions_2indep as wald_test_2indep

from analytics.experiments.results import (
    compare_means,
    compare_proportions,
    experiment_results,
    fieller_relative_interval,
    group_summary,
    srm_test,
)

Z95 = stats.norm.ppf(0.975)


def test_srm_flags_a_real_imbalance_and_passes_a_fair_split() -> None:
    p_value, flagged = srm_test(5000, 4000, 0.5)
    assert flagged and p_value < 1e-20
    assert not srm_test(5020, 4980, 0.5)[1]
    assert not srm_test(8030, 1970, 0.2)[1]  # 80/20 planned
    assert srm_test(8600, 1400, 0.2)[1]


def test_srm_p_value_is_the_chi_square_of_the_counts() -> None:
    # χ² = (60−50)²/50 + (40−50)²/50 = 4 with one degree of freedom
    assert srm_test(60, 40, 0.5)[0] == pytest.approx(stats.chi2.sf(4.0, 1))


def test_conversion_lift_and_interval_on_a_hand_case() -> None:
    lift = compare_proportions(60, 500, 40, 500)  # 12 % versus 8 %
    se = math.sqrt(0.12 * 0.88 / 500 + 0.08 * 0.92 / 500)
    assert (lift.treatment_mean, lift.control_mean) == (0.12, 0.08)
    assert lift.abs_lift == pytest.approx(0.04)
    assert (lift.abs_ci_low, lift.abs_ci_high) == pytest.approx((0.04 - Z95 * se, 0.04 + Z95 * se))
    assert lift.rel_lift == pytest.approx(0.5)
    # Fieller: the ratios ρ at which (0.12 − 0.08ρ)² = z²(0.12·0.88/500 + ρ²·0.08·0.92/500),
    # found numerically on each side of the estimate 1.5
    def boundary(rho: float) -> float:
        return (0.12 - 0.08 * rho) ** 2 - Z95**2 * (0.12 * 0.88 + rho**2 * 0.08 * 0.92) / 500

    assert lift.rel_ci_low == pytest.approx(optimize.brentq(boundary, 0.5, 1.5) - 1, abs=1e-9)
    assert lift.rel_ci_high == pytest.approx(optimize.brentq(boundary, 1.5, 5.0) - 1, abs=1e-9)
    assert lift.p_value == pytest.approx(2 * stats.norm.sf(0.04 / se))
    reference = wald_test_2indep(60, 500, 40, 500, method="wald")
    assert lift.p_value == pytest.approx(reference.pvalue)


def test_conversion_p_value_and_interval_agree() -> None:
    for x_t, x_c in [(15, 1), (30, 10), (12, 10), (0, 3)]:
        lift = compare_proportions(x_t, 70, x_c, 18)
        assert (lift.p_value < 0.05) == (lift.abs_ci_low > 0 or lift.abs_ci_high < 0)


def test_relative_interval_agrees_with_the_absolute_one_on_a_small_control_group() -> None:
    # 18 of 98 treated customers converted against 1 of 24 in control. The delta method on the
    # log ratio gave +340.8 % [−38.1 %, +3040.7 %] beside +14.2 pp [+3.1, +25.3], p = 0.012.
    lift = compare_proportions(18, 98, 1, 24)
    assert round(lift.abs_lift * 100, 1) == 14.2
    assert (round(lift.abs_ci_low * 100, 1), round(lift.abs_ci_high * 100, 1)) == (3.1, 25.3)
    assert round(lift.p_value, 3) == 0.012
    assert round(lift.rel_lift * 100, 1) == 340.8
    # One conversion in 24 is not distinguishable from none (1/24 < 1.96 × its standard error),
    # so the ratio has no upper bound; its lower bound is where the Wald statistic of
    # p_t − ρ·p_c equals 1.96.
    p_t, p_c = 18 / 98, 1 / 24
    def wald(rho: float) -> float:
        se = math.sqrt(p_t * (1 - p_t) / 98 + rho**2 * p_c * (1 - p_c) / 24)
        return (p_t - rho * p_c) / se - Z95

    assert lift.rel_ci_low == pytest.approx(optimize.brentq(wald, 1.0, 4.408) - 1, abs=1e-9)
    assert round(lift.rel_ci_low * 100, 1) == 30.3
    assert lift.rel_ci_high == math.inf


@pytest.mark.parametrize("seed", [1, 2])
def test_relative_and_absolute_intervals_always_agree_on_significance(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(300):
        n_t, n_c = int(rng.integers(5, 400)), int(rng.integers(5, 120))
        x_t, x_c = int(rng.binomial(n_t, 0.1)), int(rng.binomial(n_c, 0.05)) + 1
        lift = compare_proportions(x_t, n_t, x_c, n_c)
        absolute = lift.abs_ci_low > 0 or lift.abs_ci_high < 0
        relative = lift.rel_ci_low > 0 or lift.rel_ci_high < 0
        assert absolute == relative, (x_t, n_t, x_c, n_c)
        treatment = rng.exponential(50.0, n_t) * (rng.random(n_t) < 0.3)
        control = rng.exponential(40.0, n_c) * (rng.random(n_c) < 0.3)
        means = compare_means(treatment, control)
        if not math.isnan(means.rel_lift):
            assert (means.abs_ci_low > 0 or means.abs_ci_high < 0) == (
                means.rel_ci_low > 0 or means.rel_ci_high < 0)


def test_fieller_gives_the_whole_half_line_when_neither_mean_is_distinguishable_from_zero():
    # m_t = 0.01, m_c = 0.02 with standard errors 0.02: any ratio ≥ 0 is compatible
    assert fieller_relative_interval(0.01, 0.02**2, 0.02, 0.02**2, Z95) == (-0.5, -1.0, math.inf)
    assert all(math.isnan(v) for v in fieller_relative_interval(0.1, 0.01, 0.0, 0.0, Z95))


def test_mean_lift_matches_welchs_test_in_scipy() -> None:
    treatment, control = np.array([1.0, 2, 3, 4, 8]), np.array([1.0, 1, 2, 2])
    lift = compare_means(treatment, control)
    reference = stats.ttest_ind(treatment, control, equal_var=False)
    interval = reference.confidence_interval(0.95)
    assert lift.abs_lift == pytest.approx(3.6 - 1.5)
    assert (lift.abs_ci_low, lift.abs_ci_high) == pytest.approx((interval.low, interval.high))
    assert lift.p_value == pytest.approx(reference.pvalue)


def simulate(rng: np.random.Generator, n: int, p_control: float, p_treatment: float,
             control_share: float = 0.2) -> pd.DataFrame:
    """Customers with a planted conversion effect and exponential baskets (mean 50)."""
    is_control = rng.random(n) < control_share
    converted = rng.random(n) < np.where(is_control, p_control, p_treatment)
    orders = converted * (1 + rng.poisson(0.3, n))
    return pd.DataFrame({
        "group_name": np.where(is_control, "control", "treatment"),
        "is_converted": converted,
        "count_orders": orders,
        "gmv_amount": orders * rng.exponential(50.0, n),
    })


def test_results_recover_a_planted_effect() -> None:
    outcomes = simulate(np.random.default_rng(42), 40_000, 0.05, 0.07)
    results = experiment_results(outcomes, 0.2).set_index("metric")
    conversion = results.loc["conversion"]
    assert conversion["abs_ci_low"] <= 0.02 <= conversion["abs_ci_high"]
    assert conversion["rel_ci_low"] <= 0.4 <= conversion["rel_ci_high"]
    assert conversion["p_value"] < 0.001
    # true GMV per customer: p × 1.3 orders × 50
    gmv = results.loc["gmv_per_customer"]
    assert gmv["abs_ci_low"] <= (0.07 - 0.05) * 1.3 * 50 <= gmv["abs_ci_high"]
    assert not results["is_srm"].any()
    assert results["n_control"].iloc[0] + results["n_treatment"].iloc[0] == 40_000


def test_conversion_interval_covers_the_truth_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(7)
    n_t, n_c, reps = 4000, 1000, 400
    x_t, x_c = rng.binomial(n_t, 0.07, reps), rng.binomial(n_c, 0.05, reps)
    lifts = [compare_proportions(int(t), n_t, int(c), n_c) for t, c in zip(x_t, x_c, strict=True)]
    coverage = np.mean([lift.abs_ci_low <= 0.02 <= lift.abs_ci_high for lift in lifts])
    assert 0.92 <= coverage <= 0.98
    # the relative interval covers the true ratio 0.07 / 0.05 − 1 = 0.4 as often
    relative = np.mean([lift.rel_ci_low <= 0.4 <= lift.rel_ci_high for lift in lifts])
    assert 0.92 <= relative <= 0.98


def test_no_effect_gives_an_interval_around_zero() -> None:
    outcomes = simulate(np.random.default_rng(3), 20_000, 0.05, 0.05)
    conversion = experiment_results(outcomes, 0.2).set_index("metric").loc["conversion"]
    assert conversion["abs_ci_low"] < 0 < conversion["abs_ci_high"]


def test_a_group_too_small_to_test_gives_nan_not_an_error() -> None:
    outcomes = pd.DataFrame({"group_name": ["treatment"] * 3 + ["control"],
                             "is_converted": [True, False, False, True],
                             "count_orders": [1, 0, 0, 1], "gmv_amount": [5.0, 0, 0, 3.0]})
    results = experiment_results(outcomes, 0.25).set_index("metric")
    assert results.loc["conversion", "abs_lift"] == pytest.approx(1 / 3 - 1)
    assert math.isnan(results.loc["gmv_per_customer", "abs_lift"])
    summary = group_summary(outcomes).set_index("group_name")
    assert summary.loc["treatment", "count_customers"] == 3
    assert summary.loc["control", "gmv_per_customer"] == 3.0


def test_missing_outcome_columns_are_named() -> None:
    with pytest.raises(ValueError, match="gmv_amount"):
        experiment_results(pd.DataFrame({"group_name": [], "is_converted": [],
                                         "count_orders": []}), 0.2)
