"""Experiment design figures, checked against statsmodels and the normal-approximation formula."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower, tt_ind_solve_power
from statsmodels.stats.proportion import proportion_effectsize

from analytics.assignment import CONTROL, assign_groups
from analytics.experiment_design import (
    PP,
    RELATIVE,
    allocation_ratio,
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
