"""Experiment design figures, checked against statsmodels and the normal-approximation formula."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower, tt_ind_solve_power
from statsmodels.stats.proportion import proportion_effectsize

from analytics.experiments.assignment import CONTROL, assign_groups
from analytics.experiments.design import (
    PP,
    RELATIVE,
    allocation_ratio,
    audience_needed,
    design_summary,
    expected_duration_days,
    mean_mde,
    mean_power,
    mean_sample_size,
    proportion_mde,
    proportion_power,
    proportion_sample_size,
    split_audience,
)


def test_allocation_ratio_is_control_over_treatment() -> None:
    assert allocation_ratio(0.2) == pytest.approx(0.25)
    assert allocation_ratio(0.5) == 1.0
    assert split_audience(1000, 0.2) == (800, 200)


def test_proportion_sample_size_equals_statsmodels_and_the_textbook_formula() -> None:
    size = proportion_sample_size(0.05, 0.06, control_share=0.2, alpha=0.05, power=0.8)
    h = proportion_effectsize(0.06, 0.05)
    direct = NormalIndPower().solve_power(effect_size=h, nobs1=None, alpha=0.05, power=0.8,
                                          ratio=0.25)
    assert size.n_treatment == math.ceil(direct)
    assert size.n_control == math.ceil(direct * 0.25)
    # n_t = (z_{1-α/2} + z_{power})² (1 + 1/ratio) / h², ignoring the far rejection tail
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    assert size.n_treatment == pytest.approx(z**2 * (1 + 1 / 0.25) / h**2, rel=1e-3)


def test_proportion_power_and_mde_invert_the_sample_size() -> None:
    size = proportion_sample_size(0.05, 0.06, control_share=0.2)
    power = proportion_power(0.05, 0.06, size.n_treatment, size.n_control)
    assert 0.8 <= power < 0.8005
    assert power == pytest.approx(NormalIndPower().power(
        effect_size=proportion_effectsize(0.06, 0.05), nobs1=size.n_treatment, alpha=0.05,
        ratio=size.n_control / size.n_treatment))
    mde = proportion_mde(0.05, size.n_treatment, size.n_control)
    assert mde == pytest.approx(0.01, abs=2e-5)


def test_mean_sample_size_uses_cohens_d_from_the_observed_std() -> None:
    size = mean_sample_size(std=40.0, mde=5.0, control_share=0.2)
    direct = tt_ind_solve_power(effect_size=5.0 / 40.0, nobs1=None, alpha=0.05, power=0.8,
                                ratio=0.25)
    assert (size.n_treatment, size.n_control) == (math.ceil(direct), math.ceil(direct * 0.25))
    assert mean_power(40.0, 5.0, size.n_treatment, size.n_control) == pytest.approx(0.8, abs=1e-3)
    assert mean_mde(40.0, size.n_treatment, size.n_control) == pytest.approx(5.0, rel=1e-3)


def test_mean_mde_of_very_unequal_groups_is_the_normal_approximation() -> None:
    # 100,000 treated against 100 held out: statsmodels' fallback solver answers an array here.
    # With so many degrees of freedom the t-test is the z-test: (z_0.975 + z_0.8)·√(1/n₁ + 1/n₂).
    expected = (1.959964 + 0.841621) * math.sqrt(1 / 100_000 + 1 / 100)
    assert mean_mde(1.0, 100_000, 100) == pytest.approx(expected, rel=1e-4)


def test_expected_duration_is_days_of_eligible_traffic_rounded_up() -> None:
    assert expected_duration_days(1000, 30) == 34
    assert expected_duration_days(900, 30) == 30
    with pytest.raises(ValueError, match="must be positive"):
        expected_duration_days(1000, 0)


@pytest.mark.parametrize("call", [
    lambda: proportion_sample_size(0.05, 0.06, control_share=0.6),
    lambda: proportion_sample_size(0.05, 0.05),
    lambda: proportion_sample_size(1.2, 0.06),
    lambda: mean_sample_size(std=0.0, mde=1.0),
])
def test_impossible_designs_are_refused(call: object) -> None:
    with pytest.raises(ValueError):
        call()


def test_design_summary_matches_the_single_figures() -> None:
    table = design_summary(audience_size=50_000, control_share=0.2, p_control=0.05,
                           revenue_mean=10.0, revenue_std=40.0, conversion_effect=0.2,
                           effect_unit=RELATIVE, revenue_effect=0.2,
                           eligible_per_day=1000).set_index("metric")
    conversion = table.loc["conversion"]
    assert conversion["target"] == pytest.approx(0.06)
    assert conversion["n_total_required"] == proportion_sample_size(0.05, 0.06).n_total
    assert conversion["power_at_audience"] == pytest.approx(proportion_power(0.05, 0.06, 40_000,
                                                                             10_000))
    assert conversion["duration_days"] == math.ceil(conversion["n_total_required"] / 1000)
    gmv = table.loc["gmv_per_customer"]
    assert gmv["n_total_required"] == mean_sample_size(40.0, 2.0).n_total
    assert gmv["mde_rel"] == pytest.approx(mean_mde(40.0, 40_000, 10_000) / 10.0)


def test_a_conversion_effect_in_percentage_points_is_added_to_the_baseline() -> None:
    table = design_summary(audience_size=5000, control_share=0.2, p_control=0.1,
                           revenue_mean=20.0, revenue_std=60.0, conversion_effect=0.02,
                           effect_unit=PP).set_index("metric")
    assert table.loc["conversion", "target"] == pytest.approx(0.12)
    assert table.loc["conversion", "n_treatment_required"] == proportion_sample_size(
        0.1, 0.12).n_treatment


def test_design_summary_leaves_unplannable_metrics_empty_with_a_note() -> None:
    table = design_summary(audience_size=100, control_share=0.2, p_control=0.0,
                           revenue_mean=0.0, revenue_std=0.0).set_index("metric")
    assert table["n_total_required"].isna().all()
    assert table["note"].str.contains("cannot be planned").all()
    missing = design_summary(audience_size=100, control_share=0.2, p_control=math.nan,
                             revenue_mean=math.nan, revenue_std=math.nan)
    assert missing["note"].str.startswith("no ").all()


@pytest.mark.parametrize("share", [0.15, 0.2, 1 / 3, 0.5])
def test_the_design_splits_the_audience_exactly_as_the_launch_does(share: float) -> None:
    for size in range(1, 41):
        audience = pd.DataFrame({"customer_id": [f"c{i}" for i in range(size)],
                                 "unit": np.linspace(0, 0.99, size), "segment": "s"})
        launched = (assign_groups(audience, share)["group_name"] == CONTROL).sum()
        assert split_audience(size, share) == (size - launched, launched)
    assert split_audience(10, 0.15) == (9, 1)  # ⌊10 × 0.15⌋ = 1 (rounding would say 2)


@pytest.mark.parametrize("share", [0.15, 0.2, 1 / 3, 0.5])
def test_audience_needed_is_the_smallest_audience_a_launch_splits_into_enough(share: float) -> None:
    for n_treatment, n_control in [(1, 1), (7, 2), (20357, 5090), (100, 3), (5, 40)]:
        needed = audience_needed(n_treatment, n_control, share)
        splits = [split_audience(size, share) for size in (needed - 1, needed)]
        enough = [t >= n_treatment and c >= n_control for t, c in splits]
        assert enough == [False, True], (n_treatment, n_control)


def test_a_large_enough_audience_is_feasible() -> None:
    table = design_summary(audience_size=50_000, control_share=0.2, p_control=0.05,
                           revenue_mean=10.0, revenue_std=40.0, conversion_effect=0.2,
                           revenue_effect=0.2).set_index("metric")
    conversion = table.loc["conversion"]
    assert conversion["is_feasible"] and conversion["is_effect_detectable"]
    assert conversion["power_at_audience"] >= 0.8
    assert conversion["audience_needed"] <= 50_000


def test_a_small_audience_gets_the_audience_it_needs_and_what_it_can_detect() -> None:
    table = design_summary(audience_size=2000, control_share=0.2, p_control=0.05,
                           revenue_mean=10.0, revenue_std=40.0, conversion_effect=0.2,
                           revenue_effect=0.2).set_index("metric")
    for metric in ("conversion", "gmv_per_customer"):
        row = table.loc[metric]
        assert not row["is_feasible"] and row["power_at_audience"] < 0.8
        assert row["audience_needed"] == audience_needed(
            int(row["n_treatment_required"]), int(row["n_control_required"]), 0.2)
        assert row["audience_needed"] > 2000
        assert row["is_effect_detectable"] and row["mde_rel"] > 0.2
    assert table.loc["conversion", "mde_abs"] == pytest.approx(proportion_mde(0.05, 1600, 400))


def test_a_tiny_audience_is_not_feasible_and_gets_the_audience_it_would_need() -> None:
    # 0.8 % baseline, 8 treated and 2 control customers: only a rise of 86 pp (10,700 %
    # relative) would be detectable, and a +10 % relative effect needs 636,480 customers
    conversion = design_summary(audience_size=10, control_share=0.2, p_control=0.00802,
                                revenue_mean=10.0, revenue_std=40.0).set_index("metric").loc[
        "conversion"]
    assert not conversion["is_feasible"] and conversion["is_effect_detectable"]
    assert conversion["mde_abs"] == pytest.approx(proportion_mde(0.00802, 8, 2))
    needed = proportion_sample_size(0.00802, 0.00802 * 1.1)
    assert conversion["audience_needed"] == audience_needed(needed.n_treatment, needed.n_control,
                                                            0.2)


def test_no_detectable_rise_is_said_so_rather_than_a_rise_to_100_percent() -> None:
    # 30 % baseline, 8 treated and 2 control customers: even 100 % conversion in treatment would
    # not be detected (the rise used to be capped at +70 pp and shown as such)
    assert math.isnan(proportion_mde(0.3, 8, 2))
    conversion = design_summary(audience_size=10, control_share=0.2, p_control=0.3,
                                revenue_mean=10.0, revenue_std=40.0).set_index("metric").loc[
        "conversion"]
    assert not conversion["is_effect_detectable"] and not conversion["is_feasible"]
    assert math.isnan(conversion["mde_abs"]) and math.isnan(conversion["mde_rel"])
    assert conversion["audience_needed"] > 10


def test_an_enrolment_longer_than_the_limit_is_not_given_in_days() -> None:
    # 0.01 eligible customers a day: the 25,447 customers needed would take 2.5 million days
    table = design_summary(audience_size=500, control_share=0.2, p_control=0.05,
                           revenue_mean=10.0, revenue_std=40.0, conversion_effect=0.2,
                           eligible_per_day=0.01).set_index("metric")
    conversion = table.loc["conversion"]
    assert math.isnan(conversion["duration_days"])
    assert "more than 365 days of eligible traffic" in conversion["note"]
    assert conversion["n_total_required"] == proportion_sample_size(0.05, 0.06).n_total
    quick = design_summary(audience_size=500, control_share=0.2, p_control=0.05,
                           revenue_mean=10.0, revenue_std=40.0, conversion_effect=0.2,
                           eligible_per_day=100, max_duration_days=365).set_index("metric")
    assert quick.loc["conversion", "duration_days"] == math.ceil(
        conversion["n_total_required"] / 100)
