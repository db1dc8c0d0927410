"""The design panel's inputs: typed percentages checked and planned."""

from __future__ import annotations

import math

import pytest

from analytics.experiments import design as experiment_design
from dashboard.pages.board import (
    design_inputs,
)


@pytest.mark.parametrize(
    ("value", "message"),
    [("abc", "got 'abc'"), (None, "the box is empty or outside that range"), (0, "got 0"),
     (55, "got 55")],
)
def test_percent_input_names_the_input_and_the_range(value: object, message: str) -> None:
    with pytest.raises(ValueError, match="Control share must be a percentage") as error:
        design_inputs.percent_input(value, "Control share", 0, 50, allow_high=True)
    assert message in str(error.value)


def test_design_frame_matches_the_power_functions_for_both_metrics() -> None:
    baseline = {"audience_size": 5000, "conversion": 0.1, "gmv_mean": 20.0, "gmv_std": 60.0,
                "eligible_per_day": 50.0, "window_days": 28}
    inputs = design_inputs.read_design_inputs(20, 5, 80, 2, design_inputs.PP, 10)
    plan = design_inputs.design_frame(baseline, inputs).set_index("metric")
    conversion, revenue = plan.loc["conversion"], plan.loc["gmv_per_customer"]
    needed = experiment_design.proportion_sample_size(0.1, 0.12, control_share=0.2)
    assert (conversion.n_treatment_required, conversion.n_control_required) == (
        needed.n_treatment, needed.n_control)
    assert conversion.duration_days == math.ceil(needed.n_total / 50.0)
    assert conversion.power_at_audience == pytest.approx(
        experiment_design.proportion_power(0.1, 0.12, 4000, 1000))
    assert revenue.target == pytest.approx(22.0)
    assert revenue.mde_abs == pytest.approx(experiment_design.mean_mde(60.0, 4000, 1000))
    assert revenue.mde_rel == pytest.approx(revenue.mde_abs / 20.0)
