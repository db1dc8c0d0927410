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
* **Relative lift** (treatment ÷ control − 1): delta method on the log of the ratio,
  Var(log m̂_t − log m̂_c) ≈ s²_t/(n_t m̂²_t) + s²_c/(n_c m̂²_c), interval exp(·) − 1, so it is
  asymmetric and never below −100 %. Undefined (NaN) when either mean is 0.
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

from analytics.assignment import CONTROL, TREATMENT
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


def _relative(m_t: float, v_t: float, n_t: int, m_c: float, v_c: float, n_c: int,
              z: float) -> tuple[float, float, float]:
    if m_t <= 0 or m_c <= 0:
        return math.nan, math.nan, math.nan
    log_ratio = math.log(m_t / m_c)
    se = math.sqrt(v_t / (n_t * m_t**2) + v_c / (n_c * m_c**2))
    return m_t / m_c - 1, math.exp(log_ratio - z * se) - 1, math.exp(log_ratio + z * se) - 1


def compare_proportions(
    x_treatment: int, n_treatment: int, x_control: int, n_control: int, *, alpha: float = 0.05
) -> Lift:
    """Conversion lift: ``x`` converted customers out of ``n`` in each group."""
    if n_treatment <= 0 or n_control <= 0:
        raise ValueError("both groups need at least one customer")
    p_t, p_c = x_treatment / n_treatment, x_control / n_control
    z = stats.norm.ppf(1 - alpha / 2)
    v_t, v_c = p_t * (1 - p_t), p_c * (1 - p_c)
    se = math.sqrt(v_t / n_treatment + v_c / n_control)
    diff = p_t - p_c
    # se = 0 only when each group converted all or none: no test is possible then
    p_value = 2 * stats.norm.sf(abs(diff) / se) if se > 0 else float(diff == 0)
    rel, rel_low, rel_high = _relative(p_t, v_t, n_treatment, p_c, v_c, n_control, z)
    return Lift(p_c, p_t, diff, diff - z * se, diff + z * se, rel, rel_low, rel_high,
                float(p_value))


def compare_means(
    treatment: np.ndarray | pd.Series, control: np.ndarray | pd.Series, *, alpha: float = 0.05
) -> Lift:
    """Lift in a per-customer mean (Welch's t-test; needs at least two customers per group)."""
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
        return Lift(m_c, m_t, diff, diff, diff, *_relative(m_t, 0, n_t, m_c, 0, n_c, 0),
                    1.0 if diff == 0 else 0.0)
    df = (se2_t + se2_c) ** 2 / (se2_t**2 / (n_t - 1) + se2_c**2 / (n_c - 1))
    t_crit = stats.t.ppf(1 - alpha / 2, df)
    p_value = stats.ttest_ind_from_stats(m_t, math.sqrt(v_t), n_t, m_c, math.sqrt(v_c), n_c,
                                         equal_var=False).pvalue
    z = stats.norm.ppf(1 - alpha / 2)
    rel, rel_low, rel_high = _relative(m_t, v_t, n_t, m_c, v_c, n_c, z)
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
