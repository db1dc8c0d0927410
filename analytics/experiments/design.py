"""Experiment design: sample size, power and minimum detectable effect (MDE) for a campaign.

Two metrics are planned:

* **conversion** (share of customers who order in the window) — two independent proportions,
  effect size Cohen's h = 2·asin√p₁ − 2·asin√p₂ (``proportion_effectsize``), normal power
  (``NormalIndPower`` = ``zt_ind_solve_power``);
* **revenue (GMV) per customer** — two independent means, effect size Cohen's d = Δ / σ with σ the
  observed standard deviation of revenue per customer, t-test power (``tt_ind_solve_power``).

Allocation may be unequal: statsmodels' ``ratio`` is n_control / n_treatment, derived from the
control share s as s / (1 − s); ``nobs1`` is the treatment group. Cohen (1988), *Statistical Power
Analysis for the Behavioral Sciences*, ch. 2 and 6.

Feasibility: a plan is feasible when the audience, split as a launch splits it, reaches the
customers needed in both groups. Otherwise ``design_summary`` says what would make it feasible:
the audience needed for the planned effect, and the smallest effect this audience can detect —
or that no effect is detectable (a conversion rise would have to exceed 100 %).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.power import NormalIndPower, tt_ind_solve_power
from statsmodels.stats.proportion import proportion_effectsize

from analytics.experiments.assignment import control_count, validate_control_share


@dataclass(frozen=True)
class SampleSize:
    """Customers needed in each group (rounded up)."""

    n_treatment: int
    n_control: int

    @property
    def n_total(self) -> int:
        return self.n_treatment + self.n_control


def allocation_ratio(control_share: float) -> float:
    """statsmodels' ``ratio`` (n_control / n_treatment) for a control share in (0, 0.5]."""
    share = validate_control_share(control_share)
    return share / (1.0 - share)


def split_audience(audience_size: int, control_share: float) -> tuple[int, int]:
    """(n_treatment, n_control) exactly as a launch splits the audience (``control_count``)."""
    n_control = control_count(audience_size, control_share)
    return audience_size - n_control, n_control


def audience_needed(n_treatment: int, n_control: int, control_share: float) -> int:
    """The smallest audience that a launch at ``control_share`` splits into at least
    ``n_treatment`` treated and ``n_control`` control customers."""
    share = validate_control_share(control_share)
    low = max(n_treatment + n_control, math.ceil(n_control / share - 1e-9))
    high = max(low, math.ceil(n_treatment / (1 - share)) + 1, math.ceil(n_control / share) + 1)
    sizes = np.arange(low, high + 1)
    controls = np.floor(sizes * share + 1e-9)  # ``control_count`` for each size at once
    enough = (controls >= n_control) & (sizes - controls >= n_treatment)
    return int(sizes[np.argmax(enough)])


def _check_rate(name: str, value: float) -> None:
    if not 0 < value < 1:
        raise ValueError(f"{name} must be a proportion strictly between 0 and 1, got {value}")


def _sample_size(n_treatment: float, ratio: float) -> SampleSize:
    return SampleSize(math.ceil(n_treatment), math.ceil(n_treatment * ratio))


def proportion_sample_size(
    p_control: float,
    p_treatment: float,
    *,
    control_share: float = 0.2,
    alpha: float = 0.05,
    power: float = 0.8,
) -> SampleSize:
    """Customers per group to detect conversion ``p_control`` → ``p_treatment`` (two-sided)."""
    _check_rate("p_control", p_control)
    _check_rate("p_treatment", p_treatment)
    if p_control == p_treatment:
        raise ValueError("p_treatment must differ from p_control to size an experiment")
    ratio = allocation_ratio(control_share)
    effect = abs(proportion_effectsize(p_treatment, p_control))
    n_treatment = NormalIndPower().solve_power(
        effect_size=effect, nobs1=None, alpha=alpha, power=power, ratio=ratio
    )
    return _sample_size(n_treatment, ratio)


def proportion_power(
    p_control: float, p_treatment: float, n_treatment: int, n_control: int, *, alpha: float = 0.05
) -> float:
    """Power of the two-proportion test with the given group sizes."""
    _check_rate("p_control", p_control)
    _check_rate("p_treatment", p_treatment)
    effect = abs(proportion_effectsize(p_treatment, p_control))
    return float(
        NormalIndPower().power(
            effect_size=effect, nobs1=n_treatment, alpha=alpha, ratio=n_control / n_treatment
        )
    )


def proportion_mde(
    p_control: float, n_treatment: int, n_control: int, *, alpha: float = 0.05, power: float = 0.8
) -> float:
    """Smallest detectable absolute rise in conversion (p_treatment − p_control) at these sizes.

    Solves Cohen's h, then inverts h = 2·asin√p_t − 2·asin√p_c for p_t. NaN when even a rise to
    100 % conversion would not be detectable (the groups are too small for any effect).
    """
    _check_rate("p_control", p_control)
    h = NormalIndPower().solve_power(
        effect_size=None, nobs1=n_treatment, alpha=alpha, power=power, ratio=n_control / n_treatment
    )
    angle = math.asin(math.sqrt(p_control)) + float(h) / 2.0
    if angle > math.pi / 2:
        return math.nan
    return math.sin(angle) ** 2 - p_control


def mean_sample_size(
    std: float,
    mde: float,
    *,
    control_share: float = 0.2,
    alpha: float = 0.05,
    power: float = 0.8,
) -> SampleSize:
    """Customers per group to detect a difference ``mde`` in a mean whose std is ``std``."""
    if std <= 0 or mde == 0:
        raise ValueError(f"need std > 0 and a non-zero effect, got std={std}, mde={mde}")
    ratio = allocation_ratio(control_share)
    n_treatment = tt_ind_solve_power(
        effect_size=abs(mde) / std, nobs1=None, alpha=alpha, power=power, ratio=ratio
    )
    return _sample_size(float(n_treatment), ratio)


def mean_power(
    std: float, mde: float, n_treatment: int, n_control: int, *, alpha: float = 0.05
) -> float:
    """Power of Welch's/Student's t-test for a mean difference ``mde`` at these sizes."""
    if std <= 0:
        raise ValueError(f"need std > 0, got {std}")
    return float(
        tt_ind_solve_power(
            effect_size=abs(mde) / std,
            nobs1=n_treatment,
            alpha=alpha,
            power=None,
            ratio=n_control / n_treatment,
        )
    )


def mean_mde(
    std: float, n_treatment: int, n_control: int, *, alpha: float = 0.05, power: float = 0.8
) -> float:
    """Smallest detectable difference in a mean (same unit as ``std``) at these sizes."""
    if std <= 0:
        raise ValueError(f"need std > 0, got {std}")
    d = tt_ind_solve_power(
        effect_size=None, nobs1=n_treatment, alpha=alpha, power=power, ratio=n_control / n_treatment
    )
    # statsmodels answers a one-element array when its first solver gives up (very unequal
    # groups); NumPy 2.4 no longer converts that with float().
    return float(np.ravel(d)[0]) * std


def expected_duration_days(n_required: int, eligible_per_day: float) -> float:
    """Days of traffic needed to enrol ``n_required`` customers at ``eligible_per_day``."""
    if eligible_per_day <= 0:
        raise ValueError(f"eligible customers per day must be positive, got {eligible_per_day}")
    return math.ceil(n_required / eligible_per_day)


PP, RELATIVE = "pp", "relative"  # units of a conversion effect
MAX_DURATION_DAYS = 365  # longer enrolment is reported as not feasible, not as a number of days
DESIGN_COLUMNS = [
    "metric", "baseline", "target", "n_treatment_required", "n_control_required",
    "n_total_required", "audience_treatment", "audience_control", "power_at_audience",
    "mde_abs", "mde_rel", "duration_days", "is_feasible", "audience_needed",
    "is_effect_detectable", "note",
]
_PLAN_ERRORS = (ValueError, ArithmeticError, RuntimeError)


def _plan_conversion(row: dict, p: float, effect: float, unit: str, n_t: int, n_c: int,
                     share: float, alpha: float, power: float) -> None:
    if not 0 < p < 1:
        row["note"] = ("no customer of this audience's segments ordered in the baseline window, "
                       "so a change in conversion cannot be planned" if p == 0 else
                       "no conversion baseline for this audience")
        return
    target = p + effect if unit == PP else p * (1 + effect)
    row["target"] = target
    if target >= 1:
        row["note"] = (f"the target conversion {target:.1%} is not below 100%: "
                       "choose a smaller effect")
        return
    needed = proportion_sample_size(p, target, control_share=share, alpha=alpha, power=power)
    row.update(n_treatment_required=needed.n_treatment, n_control_required=needed.n_control,
               n_total_required=needed.n_total)
    if n_t > 1 and n_c > 1:
        row["power_at_audience"] = proportion_power(p, target, n_t, n_c, alpha=alpha)
        row["mde_abs"] = proportion_mde(p, n_t, n_c, alpha=alpha, power=power)


def _plan_revenue(row: dict, mean: float, std: float, effect: float, n_t: int, n_c: int,
                  share: float, alpha: float, power: float) -> None:
    if math.isnan(mean) or math.isnan(std):
        row["note"] = "no revenue baseline for this audience"
        return
    if not (mean > 0 and std > 0):
        row["note"] = ("this audience's segments spent nothing in the baseline window, so a "
                       "change in revenue per customer cannot be planned")
        return
    delta = mean * effect
    row["target"] = mean + delta
    needed = mean_sample_size(std, delta, control_share=share, alpha=alpha, power=power)
    row.update(n_treatment_required=needed.n_treatment, n_control_required=needed.n_control,
               n_total_required=needed.n_total)
    if n_t > 1 and n_c > 1:
        row["power_at_audience"] = mean_power(std, delta, n_t, n_c, alpha=alpha)
        row["mde_abs"] = mean_mde(std, n_t, n_c, alpha=alpha, power=power)


def _assess(row: dict, control_share: float, eligible_per_day: float | None,
            max_duration_days: float) -> None:
    """Fill ``is_feasible``, ``audience_needed`` and ``duration_days`` of a planned metric."""
    needed_t, needed_c = int(row["n_treatment_required"]), int(row["n_control_required"])
    row["is_feasible"] = (row["audience_treatment"] >= needed_t
                          and row["audience_control"] >= needed_c)
    row["audience_needed"] = audience_needed(needed_t, needed_c, control_share)
    if eligible_per_day and eligible_per_day > 0:
        days = expected_duration_days(int(row["n_total_required"]), eligible_per_day)
        if days <= max_duration_days:
            row["duration_days"] = days
        else:
            row["note"] = (f"enrolling the {row['n_total_required']:,.0f} customers needed would "
                           f"take more than {max_duration_days:,.0f} days of eligible traffic")


def design_summary(
    *,
    audience_size: int,
    control_share: float,
    p_control: float,
    revenue_mean: float,
    revenue_std: float,
    conversion_effect: float = 0.10,
    effect_unit: str = RELATIVE,
    revenue_effect: float = 0.10,
    alpha: float = 0.05,
    power: float = 0.8,
    eligible_per_day: float | None = None,
    max_duration_days: float = MAX_DURATION_DAYS,
) -> pd.DataFrame:
    """One row per metric ('conversion', 'gmv_per_customer'): the plan for a campaign audience.

    ``conversion_effect`` is a fraction, absolute (``PP``: 0.02 = +2 percentage points) or
    ``RELATIVE`` to ``p_control``; ``revenue_effect`` is relative to ``revenue_mean`` (currency
    units, ``revenue_std`` per customer). Columns (``DESIGN_COLUMNS``): baseline and target,
    customers required per group and in total, the audience's split at the control share (as a
    launch splits it), power at the target with that audience, the smallest detectable effect
    with it (mde_abs in the metric's unit, mde_rel as a fraction of the baseline; NaN with
    ``is_effect_detectable`` False when no effect is detectable), days of traffic to enrol the
    required total at ``eligible_per_day`` (NaN beyond ``max_duration_days``, with a note), and a
    note saying why a metric cannot be planned (its figures are then NaN, so a page still
    renders). ``is_feasible``: this audience reaches the customers needed in both groups;
    ``audience_needed``: the audience that would (at this control share).
    """
    n_t, n_c = split_audience(audience_size, control_share)
    settings = {"share": control_share, "alpha": alpha, "power": power}
    rows = []
    for metric, baseline in (("conversion", p_control), ("gmv_per_customer", revenue_mean)):
        row: dict = dict.fromkeys(DESIGN_COLUMNS, math.nan)
        row.update(metric=metric, baseline=baseline, audience_treatment=n_t,
                   audience_control=n_c, note="", is_feasible=False, is_effect_detectable=False)
        try:
            if metric == "conversion":
                _plan_conversion(row, p_control, conversion_effect, effect_unit, n_t, n_c,
                                 **settings)
            else:
                _plan_revenue(row, revenue_mean, revenue_std, revenue_effect, n_t, n_c,
                              **settings)
        except _PLAN_ERRORS as error:
            row["note"] = f"cannot be planned: {error}"
        if baseline and not math.isnan(row["mde_abs"]):
            row["mde_rel"] = row["mde_abs"] / baseline
        row["is_effect_detectable"] = not math.isnan(row["mde_abs"])
        if not math.isnan(row["n_total_required"]):
            _assess(row, control_share, eligible_per_day, max_duration_days)
        rows.append(row)
    return pd.DataFrame(rows, columns=DESIGN_COLUMNS)
