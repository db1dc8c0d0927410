"""The Action board's experiment design panel: read the marketer's inputs, plan both metrics.

Percentages typed in the page (control share, significance, power, effects) become fractions here,
with a message naming the input when one is out of range. The plan itself comes from
``analytics.experiment_design`` (Cohen's h for conversion, Cohen's d with the observed standard
deviation for revenue per customer).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics import experiment_design as design

PP, RELATIVE = "pp", "relative"
DESIGN_COLUMNS = [
    "metric", "baseline", "target", "n_treatment_required", "n_control_required",
    "n_total_required", "audience_treatment", "audience_control", "power_at_audience",
    "mde_abs", "mde_rel", "duration_days", "note",
]
_PLAN_ERRORS = (ValueError, ArithmeticError, RuntimeError)


@dataclass(frozen=True)
class DesignInputs:
    """Fractions: control_share in (0, 0.5], alpha and power in (0, 1); conversion_effect is
    absolute (pp ÷ 100) or relative according to ``effect_unit``; revenue_effect is relative."""

    control_share: float
    alpha: float
    power: float
    conversion_effect: float
    effect_unit: str
    revenue_effect: float


def percent_input(value: Any, name: str, low: float, high: float, *, allow_high: bool) -> float:
    """A percentage typed in the page as a fraction; ValueError naming ``name`` otherwise.

    Accepts ``low < value < high`` (``<= high`` when ``allow_high``).
    """
    upper = f"{high:g} included" if allow_high else f"{high:g} excluded"
    expected = f"{name} must be a percentage above {low:g} and up to {high:g} ({upper})"
    try:
        number = float(str(value).replace(",", ".").rstrip("% ")) if value is not None else None
    except ValueError:
        number = None
    if number is None or not math.isfinite(number):
        raise ValueError(f"{expected}; got {value!r}.")
    if not (low < number < high or (allow_high and number == high)):
        raise ValueError(f"{expected}; got {number:g}.")
    return number / 100.0


def read_design_inputs(
    share: Any, alpha: Any, power: Any, effect: Any, unit: str | None, revenue_effect: Any
) -> DesignInputs:
    """The panel's typed percentages as a ``DesignInputs``; ValueError on the first bad one."""
    effect_unit = RELATIVE if unit == RELATIVE else PP
    effect_name = ("Conversion effect (percentage points)" if effect_unit == PP
                   else "Conversion effect (relative)")
    return DesignInputs(
        control_share=percent_input(share, "Control share", 0, 50, allow_high=True),
        alpha=percent_input(alpha, "Significance level", 0, 50, allow_high=False),
        power=percent_input(power, "Power", 0, 100, allow_high=False),
        conversion_effect=percent_input(effect, effect_name, 0, 1000, allow_high=True),
        effect_unit=effect_unit,
        revenue_effect=percent_input(revenue_effect, "Revenue effect (relative)", 0, 1000,
                                     allow_high=True),
    )


def _empty_row(metric: str, baseline: float, n_t: int, n_c: int) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(DESIGN_COLUMNS, math.nan)
    row.update(metric=metric, baseline=baseline, audience_treatment=n_t, audience_control=n_c,
               note="")
    return row


def _conversion(row: dict[str, Any], inputs: DesignInputs, n_t: int, n_c: int) -> None:
    p = row["baseline"]
    if not 0 < p < 1:
        row["note"] = ("no customer of this audience ordered in the baseline window, so a change "
                       "in conversion cannot be planned" if p == 0 else
                       "no conversion baseline for this audience")
        return
    if inputs.effect_unit == PP:
        target = p + inputs.conversion_effect
    else:
        target = p * (1 + inputs.conversion_effect)
    row["target"] = target
    if target >= 1:
        row["note"] = (f"the target conversion {target:.1%} is not below 100%: "
                       "choose a smaller effect")
        return
    needed = design.proportion_sample_size(p, target, control_share=inputs.control_share,
                                           alpha=inputs.alpha, power=inputs.power)
    row.update(n_treatment_required=needed.n_treatment, n_control_required=needed.n_control,
               n_total_required=needed.n_total)
    if n_t > 1 and n_c > 1:
        row["power_at_audience"] = design.proportion_power(p, target, n_t, n_c, alpha=inputs.alpha)
        row["mde_abs"] = design.proportion_mde(p, n_t, n_c, alpha=inputs.alpha, power=inputs.power)


def _revenue(row: dict[str, Any], inputs: DesignInputs, std: float, n_t: int, n_c: int) -> None:
    mean = row["baseline"]
    if not (mean > 0 and std > 0):
        row["note"] = ("this audience spent nothing in the baseline window, so a change in "
                       "revenue per customer cannot be planned")
        return
    delta = mean * inputs.revenue_effect
    row["target"] = mean + delta
    needed = design.mean_sample_size(std, delta, control_share=inputs.control_share,
                                     alpha=inputs.alpha, power=inputs.power)
    row.update(n_treatment_required=needed.n_treatment, n_control_required=needed.n_control,
               n_total_required=needed.n_total)
    if n_t > 1 and n_c > 1:
        row["power_at_audience"] = design.mean_power(std, delta, n_t, n_c, alpha=inputs.alpha)
        row["mde_abs"] = design.mean_mde(std, n_t, n_c, alpha=inputs.alpha, power=inputs.power)


def design_frame(baseline: dict[str, Any], inputs: DesignInputs) -> pd.DataFrame:
    """One row per metric ('conversion', 'gmv_per_customer') planned for the audience.

    ``baseline`` is ``warehouse.queries.board.audience_baseline``'s dict. Columns
    (``DESIGN_COLUMNS``): baseline and target (a share for conversion, currency units for
    revenue), required customers per group and in total, the audience's split at the control
    share, power at the target with that audience, the smallest detectable effect with it
    (mde_abs in the metric's unit, mde_rel as a fraction of the baseline), days of traffic to
    reach the required total (``eligible_per_day``), and a note when a metric cannot be planned.
    """
    n_t, n_c = design.split_audience(int(baseline["audience_size"]), inputs.control_share)
    rows = []
    for metric, plan in (("conversion", _conversion), ("gmv_per_customer", _revenue)):
        value = baseline["conversion"] if metric == "conversion" else baseline["gmv_mean"]
        row = _empty_row(metric, value, n_t, n_c)
        try:
            if metric == "conversion":
                plan(row, inputs, n_t, n_c)
            else:
                plan(row, inputs, baseline["gmv_std"], n_t, n_c)
        except _PLAN_ERRORS as error:
            row["note"] = f"cannot be planned: {error}"
        if row["baseline"] and not math.isnan(row["mde_abs"]):
            row["mde_rel"] = row["mde_abs"] / row["baseline"]
        eligible = baseline.get("eligible_per_day") or 0
        if eligible > 0 and not math.isnan(row["n_total_required"]):
            row["duration_days"] = design.expected_duration_days(int(row["n_total_required"]),
                                                                 eligible)
        rows.append(row)
    return pd.DataFrame(rows, columns=DESIGN_COLUMNS)
