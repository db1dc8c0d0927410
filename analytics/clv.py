"""Customer lifetime value: BG/NBD for how often a buyer returns, Gamma-Gamma for their spend.

The only module that imports ``lifetimes``, so the model library can be replaced in one place.

Input (one row per buyer, produced in the warehouse by ``warehouse/clv_inputs.py``, time unit days):
``customer_id, frequency`` (repeat purchase days), ``recency`` (days first → last purchase day),
``T`` (days first purchase day → cut-off), ``monetary_value`` (mean spend of the repeat purchase
days, 0 when frequency = 0).

References
----------
* Fader, Hardie & Lee (2005a), "Counting Your Customers the Easy Way: An Alternative to the
  Pareto/NBD Model", Marketing Science 24(2), 275-284 — BG/NBD; P(alive) from Hardie's note 021.
* Fader, Hardie & Lee (2005b), "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis",
  Journal of Marketing Research 42(4), 415-430; Fader & Hardie (2013), "The Gamma-Gamma Model of
  Monetary Value" (note 025) — Gamma-Gamma spend, conditional expectation eq. (5).
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from scipy.special import hyp2f1
from sklearn.base import BaseEstimator

from analytics.clv_constants import TOP_FREQUENCY_BUCKET
from analytics.validation import require_columns

SUMMARY_COLUMNS = ("customer_id", "frequency", "recency", "T", "monetary_value")
HOLDOUT_COLUMNS = ("frequency", "T", "predicted_purchases", "actual_purchases")
PURCHASE_HORIZONS_DAYS = (30, 90, 365)
RETRY_PENALIZERS = (0.001, 0.01, 0.1)
CORRELATION_WARNING = 0.3
DAYS_PER_MONTH = 30  # lifetimes' convention for monthly CLV steps on daily data
TIME_UNIT = "days"
PREDICTION_COLUMNS = (
    "customer_id",
    "p_alive",
    *(f"expected_purchases_{days}" for days in PURCHASE_HORIZONS_DAYS),
    "clv_amount",
    "is_one_time_buyer",
    "days_since_purchase",
)


def _check_summary(summary: pd.DataFrame) -> None:
    require_columns(summary, SUMMARY_COLUMNS, "CLV input")
    frequency, recency, age = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    problems = {
        "frequency": (frequency < 0) | (frequency != np.floor(frequency)),
        "recency": (recency < 0) | ((frequency == 0) & (recency != 0)),
        "T": age < recency,
    }
    for column, bad in problems.items():
        if bad.any():
            row = summary.iloc[int(np.argmax(bad))]
            raise ValueError(
                f"CLV input column {column!r} breaks the BTYD conventions for customer "
                f"{row['customer_id']!r} (frequency={row['frequency']}, recency={row['recency']}, "
                f"T={row['T']}): expected integer frequency >= 0, 0 <= recency <= T, "
                "recency = 0 when frequency = 0"
            )


def monthly_discount_rate(annual_rate: float) -> float:
    """The monthly rate equivalent to ``annual_rate`` (0.10 = 10 % a year), compounded monthly."""
    return (1.0 + annual_rate) ** (1.0 / 12.0) - 1.0


def gamma_gamma_rejection(params: Mapping[str, float]) -> str | None:
    """Why a Gamma-Gamma fit must not be used, or None when it may.

    The population mean spend is ``v·p / (q − 1)``; with ``q <= 1`` it is infinite or negative and
    the conditional expectation (eq. 5) yields negative or absurd spend, hence negative CLV.
    """
    values = {name: float(params[name]) for name in ("p", "q", "v")}
    if not all(np.isfinite(v) and v > 0 for v in values.values()):
        return f"Gamma-Gamma parameters are not finite and positive: {values}"
    p, q, v = values["p"], values["q"], values["v"]
    if q <= 1:
        return (
            f"Gamma-Gamma fit rejected: q = {q:.3g} <= 1, so the implied mean spend v·p/(q−1) is "
            "not finite and positive (spend is heavier-tailed than the model allows)"
        )
    mean_spend = v * p / (q - 1)
    if not (np.isfinite(mean_spend) and mean_spend > 0):
        return f"Gamma-Gamma fit rejected: implied mean spend {mean_spend!r} is not finite"
    return None


def conditional_expected_purchases(
    params: Mapping[str, float],
    t: float,
    frequency: np.ndarray,
    recency: np.ndarray,
    age: np.ndarray,
) -> np.ndarray:
    """BG/NBD E[Y(t) | x, t_x, T]: expected repeat purchases in the next ``t`` days
    (Fader, Hardie & Lee 2005a, eq. 10).

    The hypergeometric term is evaluated after Euler's transformation,
    (1−z)^(r+x)·₂F₁(r+x, b+x; a+b+x−1; z) = (1−z)^(a−1)·₂F₁(a+b−1−r, a−1; a+b+x−1; z),
    which stays finite for large x and, unlike lifetimes' log-space evaluation, is also correct
    when a + b < 1 (where ₂F₁ is negative for x = 0 and lifetimes returns NaN).
    """
    r, alpha, a, b = (float(params[name]) for name in ("r", "alpha", "a", "b"))
    x = np.asarray(frequency, float)
    age = np.asarray(age, float)
    one_minus_z = (alpha + age) / (alpha + age + t)
    term = one_minus_z ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, 1 - one_minus_z)
    with np.errstate(over="ignore", divide="ignore"):
        dropout_odds = np.where(
            x > 0,
            a / np.where(x > 0, b + x - 1, 1.0)
            * np.exp((r + x) * np.log((alpha + age) / (alpha + np.asarray(recency, float)))),
            0.0,
        )
    return (a + b + x - 1) / (a - 1) * (1 - term) / (1 + dropout_odds)


def _penalizer_schedule(first: float, retries: Sequence[float]) -> list[float]:
    return [first, *(p for p in retries if p > first)]


def _fit_with_retry(
    name: str, fit: Callable[[float], Any], penalizers: Sequence[float]
) -> tuple[Any | None, float | None, list[str]]:
    """Fit with each penalizer in turn until one converges to finite, positive parameters.

    Returns the fitter (None if every attempt failed), the penalizer used and human-readable notes
    on failed attempts. The optimiser's own printout on failure is swallowed.
    """
    notes: list[str] = []
    for penalizer in penalizers:
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore", RuntimeWarning)
                fitter = fit(penalizer)
            params = fitter.params_.to_numpy(float)
            if not (np.isfinite(params).all() and (params > 0).all()):
                raise ValueError(
                    f"non-finite or non-positive parameters {fitter.params_.to_dict()}"
                )
        # A third-party optimiser can fail in many ways (ConvergenceError, LinAlgError, overflow);
        # each is a non-converged fit, never a crash of the refresh.
        except Exception as error:
            notes.append(
                f"{name} fit with penalizer_coef={penalizer} failed: "
                f"{' '.join(str(error).split()) or type(error).__name__}"
            )
            continue
        if notes:
            notes.append(
                f"{name} refitted with penalizer_coef={penalizer} after the failures above"
            )
        return fitter, penalizer, notes
    return None, None, notes


def _param_rows(model: str, fitter: Any, penalizer: float, note: str | None) -> list[dict]:
    """One row per fitted parameter with its standard error (NULL when not finite)."""
    try:
        errors = fitter.summary["se(coef)"]
    except Exception:  # a singular Hessian leaves no usable summary
        errors = pd.Series(np.nan, index=fitter.params_.index)
    rows = [
        {
            "model": model,
            "parameter": name,
            "value": float(value),
            "standard_error": float(errors[name]) if np.isfinite(errors[name]) else None,
            "note": None,
        }
        for name, value in fitter.params_.items()
    ]
    rows.append(_row(model, "penalizer_coef", penalizer, note))
    return rows


def _row(model: str, parameter: str, value: float | None, note: str | None = None) -> dict:
    value = None if value is None or not np.isfinite(value) else float(value)
    return {"model": model, "parameter": parameter, "value": value, "standard_error": None,
            "note": note}


def _unique_rows(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (frequency, recency, T) rows, their counts, and each customer's row index."""
    triples = summary[["frequency", "recency", "T"]].astype(float)
    inverse = triples.groupby(["frequency", "recency", "T"], sort=False).ngroup().to_numpy()
    _, first, counts = np.unique(inverse, return_index=True, return_counts=True)
    return triples.to_numpy()[first], counts, inverse


class CLVModel(BaseEstimator):
    """BG/NBD purchases + Gamma-Gamma spend → P(alive), expected purchases and discounted CLV.

    Parameters
    ----------
    penalizer_coef : L2 penalty of the first fit attempt (lifetimes' ``penalizer_coef``).
    horizon_months : CLV horizon, in months of 30 days.
    discount_rate : annual discount rate (0.10 = 10 %), applied monthly as lifetimes does.
    retry_penalizers : larger penalties tried in turn when a fit does not converge.
    correlation_warning : |Pearson r| of frequency vs. monetary value (repeat buyers) from which
        the Gamma-Gamma independence assumption is reported as doubtful.
    fit_spend : fit Gamma-Gamma too (False for purchase-count validation only).

    Attributes (after ``fit``): ``bgf_``, ``ggf_`` (None when unusable), ``params_`` (model,
    parameter, value, standard_error, note), ``warnings_`` (list of str), ``spend_reason_`` (why
    CLV is unavailable, or None), ``freq_monetary_corr_``.
    """

    def __init__(
        self,
        penalizer_coef: float = 0.0,
        horizon_months: int = 12,
        discount_rate: float = 0.10,
        retry_penalizers: tuple[float, ...] = RETRY_PENALIZERS,
        correlation_warning: float = CORRELATION_WARNING,
        fit_spend: bool = True,
    ) -> None:
        self.penalizer_coef = penalizer_coef
        self.horizon_months = horizon_months
        self.discount_rate = discount_rate
        self.retry_penalizers = retry_penalizers
        self.correlation_warning = correlation_warning
        self.fit_spend = fit_spend

    def fit(self, summary: pd.DataFrame) -> CLVModel:
        """Fit BG/NBD on the distinct (frequency, recency, T) rows weighted by their counts (the
        same likelihood as one row per customer), then Gamma-Gamma on repeat buyers."""
        _check_summary(summary)
        if summary.empty:
            raise ValueError("CLV input has no customers: nothing to fit")
        if int(self.horizon_months) != self.horizon_months or self.horizon_months < 1:
            raise ValueError(
                f"horizon_months must be a whole number >= 1, got {self.horizon_months!r}"
            )
        if not self.discount_rate >= 0:
            raise ValueError(f"discount_rate (annual) must be >= 0, got {self.discount_rate!r}")
        self.warnings_: list[str] = []
        rows: list[dict] = []
        penalizers = _penalizer_schedule(self.penalizer_coef, self.retry_penalizers)

        unique, counts, _ = _unique_rows(summary)
        self.bgf_, penalizer, notes = _fit_with_retry(
            "BG/NBD",
            lambda pen: BetaGeoFitter(penalizer_coef=pen).fit(
                unique[:, 0], unique[:, 1], unique[:, 2], weights=counts
            ),
            penalizers,
        )
        self.warnings_ += notes
        if self.bgf_ is None:
            reason = "BG/NBD did not converge with any penalizer: " + "; ".join(notes)
            rows.append(_row("bg_nbd", "fit_failed", None, reason))
        else:
            rows += _param_rows("bg_nbd", self.bgf_, penalizer, "; ".join(notes) or None)
        rows.append(_row("bg_nbd", "customers", len(summary)))

        self.ggf_ = None
        self.freq_monetary_corr_ = np.nan
        self.spend_reason_: str | None = None
        if self.fit_spend:
            rows += self._fit_spend(summary, penalizers)
        self.params_ = pd.DataFrame(
            rows, columns=["model", "parameter", "value", "standard_error", "note"]
        )
        return self

    def _fit_spend(self, summary: pd.DataFrame, penalizers: list[float]) -> list[dict]:
        repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
        rows = [_row("gamma_gamma", "repeat_buyers", len(repeat))]
        corr_note = None
        if len(repeat) >= 3 and repeat["frequency"].nunique() > 1 and repeat[
            "monetary_value"
        ].nunique() > 1:
            self.freq_monetary_corr_ = float(
                np.corrcoef(repeat["frequency"], repeat["monetary_value"])[0, 1]
            )
            if abs(self.freq_monetary_corr_) >= self.correlation_warning:
                corr_note = (
                    f"frequency and monetary value are correlated among repeat buyers "
                    f"(Pearson r = {self.freq_monetary_corr_:.2f}, |r| >= "
                    f"{self.correlation_warning}): the Gamma-Gamma independence assumption is "
                    "doubtful, treat spend-based CLV with caution"
                )
                self.warnings_.append(corr_note)
        rows.append(_row("gamma_gamma", "freq_monetary_corr", self.freq_monetary_corr_, corr_note))

        if len(repeat) < 3:
            self.spend_reason_ = (
                f"only {len(repeat)} repeat buyers with positive spend: "
                "Gamma-Gamma needs at least 3"
            )
        else:
            ggf, penalizer, notes = _fit_with_retry(
                "Gamma-Gamma",
                lambda pen: GammaGammaFitter(penalizer_coef=pen).fit(
                    repeat["frequency"].to_numpy(float), repeat["monetary_value"].to_numpy(float)
                ),
                penalizers,
            )
            self.warnings_ += notes
            if ggf is None:
                self.spend_reason_ = "Gamma-Gamma did not converge: " + "; ".join(notes)
            else:
                rows += _param_rows("gamma_gamma", ggf, penalizer, "; ".join(notes) or None)
                self.spend_reason_ = gamma_gamma_rejection(ggf.params_)
                if self.spend_reason_ is None:
                    self.ggf_ = ggf
                    p, q, v = ggf.params_[["p", "q", "v"]]
                    rows.append(_row("gamma_gamma", "mean_spend", v * p / (q - 1)))
        if self.bgf_ is None and self.spend_reason_ is None:
            self.spend_reason_ = "no purchase model: BG/NBD did not converge"
        if self.spend_reason_ is not None:
            self.warnings_.append("CLV not computed: " + self.spend_reason_)
            rows.append(_row("clv", "not_computed", None, self.spend_reason_))
        rows.append(_row("clv", "horizon_months", self.horizon_months))
        rows.append(_row("clv", "annual_discount_rate", self.discount_rate))
        rows.append(_row("clv", "monthly_discount_rate", monthly_discount_rate(self.discount_rate)))
        return rows

    def predict_purchases(self, summary: pd.DataFrame, days: float) -> np.ndarray:
        """Expected repeat purchases in the next ``days`` per customer (NaN without a fit)."""
        _check_summary(summary)
        if self.bgf_ is None:
            return np.full(len(summary), np.nan)
        unique, _, inverse = _unique_rows(summary)
        return self._expected(days, unique)[inverse]

    def _expected(self, days: float, unique: np.ndarray) -> np.ndarray:
        return conditional_expected_purchases(
            self.bgf_.params_, days, unique[:, 0], unique[:, 1], unique[:, 2]
        )

    def _discounted_purchases(self, unique: np.ndarray) -> np.ndarray:
        """Σ over months m of (E[purchases by 30m] − E[purchases by 30(m−1)]) / (1 + d)^m.

        The same sum as lifetimes' ``customer_lifetime_value`` (freq="D") with spend factored out,
        so it is evaluated once per distinct (frequency, recency, T) row.
        """
        rate = monthly_discount_rate(self.discount_rate)
        cumulative = [np.zeros(len(unique))] + [
            self._expected(month * DAYS_PER_MONTH, unique)
            for month in range(1, int(self.horizon_months) + 1)
        ]
        return sum(
            (cumulative[m] - cumulative[m - 1]) / (1.0 + rate) ** m
            for m in range(1, int(self.horizon_months) + 1)
        )

    def predict(self, summary: pd.DataFrame) -> pd.DataFrame:
        """Per customer: ``p_alive``, ``expected_purchases_30/_90/_365``, ``clv_amount`` (NaN
        when a model is unusable), ``is_one_time_buyer``, ``days_since_purchase``.

        One-time buyers have P(alive) = 1 under BG/NBD by construction; their lapse shows in
        ``days_since_purchase``. Their spend is Gamma-Gamma's population mean (eq. 5 with x = 0).
        """
        _check_summary(summary)
        frequency = summary["frequency"].to_numpy(float)
        out = pd.DataFrame({"customer_id": summary["customer_id"].to_numpy()})
        unique, _, inverse = _unique_rows(summary)
        n = len(summary)
        if self.bgf_ is not None:
            f, r, age = unique[:, 0], unique[:, 1], unique[:, 2]
            out["p_alive"] = self.bgf_.conditional_probability_alive(f, r, age)[inverse]
            for days in PURCHASE_HORIZONS_DAYS:
                out[f"expected_purchases_{days}"] = self._expected(days, unique)[inverse]
        else:
            out["p_alive"] = np.nan
            for days in PURCHASE_HORIZONS_DAYS:
                out[f"expected_purchases_{days}"] = np.nan
        if self.bgf_ is not None and self.ggf_ is not None:
            # Negative net spend (returns) counts as zero own spend, so CLV is never negative.
            own_spend = np.clip(summary["monetary_value"].to_numpy(float), 0.0, None)
            spend = self.ggf_.conditional_expected_average_profit(frequency, own_spend)
            out["clv_amount"] = np.asarray(spend) * self._discounted_purchases(unique)[inverse]
        else:
            out["clv_amount"] = np.full(n, np.nan)
        out["is_one_time_buyer"] = frequency == 0
        out["days_since_purchase"] = (summary["T"] - summary["recency"]).to_numpy()
        return out[list(PREDICTION_COLUMNS)]


@dataclass(frozen=True)
class HoldoutValidation:
    """Holdout check of a calibration-period fit.

    ``metrics``: name → value (``customers``, ``holdout_days``, ``mae_per_customer``,
    ``baseline_mae_per_customer``, ``total_predicted``, ``total_actual``, ``total_pct_error``,
    ``baseline_total_predicted``, ``baseline_total_pct_error``); pct errors are
    100 × (predicted − actual) / actual, NaN when nobody bought in the holdout.
    ``by_frequency``: ``frequency_bucket`` (calibration frequency, 7 = "7 or more"), ``customers``,
    ``predicted_mean``, ``actual_mean``, ``baseline_mean`` (purchases per customer in the holdout).
    """

    metrics: dict[str, float]
    by_frequency: pd.DataFrame


def naive_baseline(frequency: np.ndarray, age: np.ndarray, holdout_days: float) -> np.ndarray:
    """Each customer's calibration repeat-purchase rate (frequency / T per day) × holdout length;
    0 for a customer first seen on the calibration end (T = 0)."""
    frequency = np.asarray(frequency, float)
    age = np.asarray(age, float)
    rate = np.divide(frequency, age, out=np.zeros_like(frequency), where=age > 0)
    return rate * holdout_days


def validate_holdout(holdout: pd.DataFrame, holdout_days: float) -> HoldoutValidation:
    """Compare predicted with actual holdout purchases, beside the naive baseline.

    ``holdout``: one row per calibration customer with ``frequency, T`` (calibration summary,
    days), ``predicted_purchases`` (model, over the holdout) and ``actual_purchases`` (purchase
    days in the holdout).
    """
    require_columns(holdout, HOLDOUT_COLUMNS, "holdout frame")
    if holdout.empty:
        raise ValueError("holdout frame has no customers: nothing to validate")
    predicted = holdout["predicted_purchases"].to_numpy(float)
    actual = holdout["actual_purchases"].to_numpy(float)
    baseline = naive_baseline(holdout["frequency"], holdout["T"], holdout_days)
    total_actual = actual.sum()

    def pct_error(total: float) -> float:
        return 100.0 * (total - total_actual) / total_actual if total_actual > 0 else np.nan

    metrics = {
        "customers": float(len(holdout)),
        "holdout_days": float(holdout_days),
        "mae_per_customer": float(np.abs(predicted - actual).mean()),
        "baseline_mae_per_customer": float(np.abs(baseline - actual).mean()),
        "total_predicted": float(predicted.sum()),
        "total_actual": float(total_actual),
        "total_pct_error": pct_error(predicted.sum()),
        "baseline_total_predicted": float(baseline.sum()),
        "baseline_total_pct_error": pct_error(baseline.sum()),
    }
    frame = pd.DataFrame({
        "frequency_bucket": np.minimum(holdout["frequency"].to_numpy(int), TOP_FREQUENCY_BUCKET),
        "predicted": predicted,
        "actual": actual,
        "baseline": baseline,
    })
    by_frequency = (
        frame.groupby("frequency_bucket", sort=True)
        .agg(
            customers=("actual", "size"),
            predicted_mean=("predicted", "mean"),
            actual_mean=("actual", "mean"),
            baseline_mean=("baseline", "mean"),
        )
        .reset_index()
    )
    return HoldoutValidation(metrics=metrics, by_frequency=by_frequency)
