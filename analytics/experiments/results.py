"""Campaign results: lift of treatment over control, confidence intervals, p-values and SRM.

Per customer the outcome frame holds ``group_name`` ('treatment'|'control'), ``is_converted``
(ordered in the window), ``count_orders`` and ``gmv_amount`` (currency units). Three metrics are
compared: conversion (share converted), orders per customer and GMV per customer.

* **Absolute lift** (treatment − control): conversion uses the two-proportion z-test with the
  unpooled (Wald) standard error for both the p-value and the interval (as
  ``statsmodels.stats.proportion.test_proportions_2indep(method="wald")``), so p < 0.05 exactly
  when the 95 % interval excludes 0 — a pooled test can disagree with the interval on small
  groups, which confuses readers; the per-customer means use Welch's t-test
  (``scipy.stats.ttest_ind_from_stats``, unequal variances) and the Welch–Satterthwaite interval.
* **Relative lift** (treatment ÷ control − 1): Fieller's interval for the ratio ρ = μ_t / μ_c
  (Fieller 1954, "Some problems in interval estimation", JRSS B 16(2), 175-185): the ρ for which
  the same test as the absolute lift's, applied to m̂_t − ρ·m̂_c, does not reject,
  (m̂_t − ρ·m̂_c)² ≤ c²·(se²_t + ρ²·se²_c), with the absolute lift's standard errors and
  critical value c. At ρ = 1 this is the absolute test, so the relative interval excludes 0
  exactly when the absolute one does. When the control mean is itself not distinguishable from
  0 (m̂²_c ≤ c²·se²_c, e.g. one conversion out of 24) the set is unbounded: the interval is
  [low, +∞), and +∞ is returned as the upper end. Outcomes here are never negative, so the ratio
  is ≥ 0 and the interval never below −100 %. Undefined (NaN) when the control mean is 0.
* **Sample ratio mismatch (SRM)**: chi-square goodness of fit of the group counts against the
  planned split (``scipy.stats.chisquare``); flagged at p < 0.001 — a broken assignment or a leak,
  which makes the lift untrustworthy whatever its p-value (Fabijan et al., 2019, "Diagnosing Sample
  Ratio Mismatch in Online Controlled Experiments", KDD).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analytics.experiments.assignment import CONTROL, TREATMENT
from analytics.validation import require_columns

SRM_ALPHA = 0.001
OUTCOME_COLUMNS = ("group_name", "is_converted", "count_orders", "gmv_amount")
METRICS = {  # metric name -> outcome column
    "conversion": "is_converted",
    "orders_per_customer": "count_orders",
    "gmv_per_customer": "gmv_amount",
}


@dataclass(frozen=True)
class Lift:
    """Treatment versus control for one metric."""

    control_mean: float
    treatment_mean: float
    abs_lift: float
    abs_ci_low: float
    abs_ci_high: float
    rel_lift: float
    rel_ci_low: float
    rel_ci_high: float
    p_value: float


def fieller_relative_interval(
    m_t: float, se2_t: float, m_c: float, se2_c: float, critical: float
) -> tuple[float, float, float]:
    """(relative lift, low, high) of μ_t/μ_c − 1 by Fieller's theorem, for non-negative outcomes
    (so the ratio ρ is ≥ 0): the ρ ≥ 0 with f(ρ) = (m_t − ρ·m_c)² − critical²·(se2_t + ρ²·se2_c)
    ≤ 0, minus 1. ``se2_*`` are the squared standard errors of the group means.

    f(ρ) = a·ρ² − 2b·ρ + c with a = m_c² − critical²·se2_c, b = m_t·m_c, c = m_t² − critical²·se2_t.
    a > 0 (the control mean is distinguishable from 0): a bounded interval between the roots.
    a ≤ 0: the set reaches +∞; if it has two pieces within ρ ≥ 0 (both means indistinguishable
    from 0, so the absolute test does not reject either) the hull [−100 %, +∞) is returned.
    NaN when m_c ≤ 0.
    """
    if not m_c > 0:
        return math.nan, math.nan, math.nan
    estimate = m_t / m_c - 1
    a = m_c**2 - critical**2 * se2_c
    b = m_t * m_c
    c = m_t**2 - critical**2 * se2_t
    if a > 0:
        half_width = math.sqrt(max(b**2 - a * c, 0.0))  # b² − ac ≥ 0 when a > 0, up to rounding
        return estimate, max((b - half_width) / a, 0.0) - 1, (b + half_width) / a - 1
    if a == 0:  # f is linear and decreasing (b > 0 whenever m_t > 0): ρ ≥ c / 2b
        low = max(c / (2 * b), 0.0) - 1 if b > 0 else -1.0
        return estimate, low, math.inf
    if b**2 - a * c <= 0:  # a < 0 and f has no real root: f ≤ 0 everywhere
        return estimate, -1.0, math.inf
    # a < 0: f ≤ 0 outside its roots, i.e. (−∞, r1] ∪ [r2, ∞)
    r1, r2 = sorted(((b - math.sqrt(b**2 - a * c)) / a, (b + math.sqrt(b**2 - a * c)) / a))
    low = max(r2, 0.0) - 1 if r1 < 0 else -1.0
    return estimate, low, math.inf


def compare_proportions(
    x_treatment: int, n_treatment: int, x_control: int, n_control: int, *, alpha: float = 0.05
) -> Lift:
    """Conversion lift: ``x`` converted customers out of ``n`` in each group."""
    if n_treatment <= 0 or n_control <= 0:
        raise ValueError("both groups need at least one customer")
    p_t, p_c = x_treatment / n_treatment, x_control / n_control
    z = stats.norm.ppf(1 - alpha / 2)
    se2_t, se2_c = p_t * (1 - p_t) / n_treatment, p_c * (1 - p_c) / n_control
    se = math.sqrt(se2_t + se2_c)
    diff = p_t - p_c
    # se = 0 only when each group converted all or none: no test is possible then
    p_value = 2 * stats.norm.sf(abs(diff) / se) if se > 0 else float(diff == 0)
    rel, rel_low, rel_high = fieller_relative_interval(p_t, se2_t, p_c, se2_c, z)
    return Lift(p_c, p_t, diff, diff - z * se, diff + z * se, rel, rel_low, rel_high,
                float(p_value))


def compare_means(
    treatment: np.ndarray | pd.Series, control: np.ndarray | pd.Series, *, alpha: float = 0.05
) -> Lift:
    """Lift in a per-customer mean (Welch's t-test; needs at least two customers per group) of
    a non-negative outcome (orders, spend): the relative interval relies on it."""
    t, c = np.asarray(treatment, dtype=float), np.asarray(control, dtype=float)
    n_t, n_c = len(t), len(c)
    if n_t < 2 or n_c < 2:
        raise ValueError("both groups need at least two customers")
    m_t, m_c = float(t.mean()), float(c.mean())
    v_t, v_c = float(t.var(ddof=1)), float(c.var(ddof=1))
    diff = m_t - m_c
    se2_t, se2_c = v_t / n_t, v_c / n_c
    se = math.sqrt(se2_t + se2_c)
    if se == 0:
        return Lift(m_c, m_t, diff, diff, diff, *fieller_relative_interval(m_t, 0, m_c, 0, 0),
                    1.0 if diff == 0 else 0.0)
    df = (se2_t + se2_c) ** 2 / (se2_t**2 / (n_t - 1) + se2_c**2 / (n_c - 1))
    t_crit = stats.t.ppf(1 - alpha / 2, df)
    p_value = stats.ttest_ind_from_stats(m_t, math.sqrt(v_t), n_t, m_c, math.sqrt(v_c), n_c,
                                         equal_var=False).pvalue
    rel, rel_low, rel_high = fieller_relative_interval(m_t, se2_t, m_c, se2_c, t_crit)
    return Lift(m_c, m_t, diff, diff - t_crit * se, diff + t_crit * se, rel, rel_low, rel_high,
                float(p_value))


def srm_test(n_treatment: int, n_control: int, control_share: float) -> tuple[float, bool]:
    """(p-value, is_srm) of the observed split against the planned ``control_share``."""
    total = n_treatment + n_control
    if total == 0:
        return math.nan, False
    expected = [total * (1 - control_share), total * control_share]
    p_value = float(stats.chisquare([n_treatment, n_control], f_exp=expected).pvalue)
    return p_value, p_value < SRM_ALPHA


def group_summary(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per group: count_customers, conversion, orders_per_customer, gmv_per_customer."""
    _check_columns(outcomes)
    grouped = outcomes.groupby("group_name")
    return pd.DataFrame({
        "count_customers": grouped.size(),
        "conversion": grouped["is_converted"].mean(),
        "orders_per_customer": grouped["count_orders"].mean(),
        "gmv_per_customer": grouped["gmv_amount"].mean(),
    }).reset_index()


def _check_columns(outcomes: pd.DataFrame) -> None:
    require_columns(outcomes, OUTCOME_COLUMNS, "outcome frame")


def experiment_results(
    outcomes: pd.DataFrame, control_share: float, *, alpha: float = 0.05
) -> pd.DataFrame:
    """One row per metric: n_control, n_treatment, the ``Lift`` fields, srm_p_value, is_srm.

    Metrics whose test is undefined (a group with fewer than two customers) get NaN figures.
    """
    _check_columns(outcomes)
    treated = outcomes[outcomes["group_name"] == TREATMENT]
    control = outcomes[outcomes["group_name"] == CONTROL]
    n_t, n_c = len(treated), len(control)
    srm_p, is_srm = srm_test(n_t, n_c, control_share)
    rows = []
    for metric, column in METRICS.items():
        row: dict[str, object] = {"metric": metric, "n_control": n_c, "n_treatment": n_t}
        try:
            if metric == "conversion":
                lift = compare_proportions(int(treated[column].sum()), n_t,
                                           int(control[column].sum()), n_c, alpha=alpha)
            else:
                lift = compare_means(treated[column], control[column], alpha=alpha)
            row.update(asdict(lift))
        except ValueError:
            row.update(dict.fromkeys(Lift.__dataclass_fields__, math.nan))
        row.update(srm_p_value=srm_p, is_srm=is_srm)
        rows.append(row)
    return pd.DataFrame(rows)
