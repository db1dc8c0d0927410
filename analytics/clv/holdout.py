"""Holdout validation: fit on a calibration period, predict the next weeks, compare with what
happened and with a naive baseline; choose the purchase model (BG/NBD or MBG/NBD) that predicted
better.

**Which error chooses.** The holdout chart's error: per calibration frequency (0, 1, …, 6, 7+)
the mean predicted and the mean actual holdout purchases per customer are compared, and the
squared differences are averaged weighted by customers (root taken): ``bucket_rmse``, in purchases
per customer. Comparing group means is the usual check of BTYD models (Fader, Hardie & Lee 2005a,
fig. 4) and is little affected by the Poisson noise of single customers, which dominates the
per-customer errors (also reported: ``mae_per_customer``, ``rmse_per_customer``); where the two
purchase models differ — how many one-time buyers come back — it tells them apart. The naive
baseline is scored the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.clv.fitting import PARAM_COLUMNS, RETRY_PENALIZERS, row
from analytics.clv.model import PURCHASE_MODELS, CLVModel
from analytics.clv.verdicts import BASELINE_ERROR, HOLDOUT_ERROR, holdout_verdict
from analytics.clv_constants import TOP_FREQUENCY_BUCKET
from analytics.validation import require_columns

HOLDOUT_COLUMNS = ("frequency", "T", "predicted_purchases", "actual_purchases")
BY_FREQUENCY_COLUMNS = ["frequency_bucket", "customers", "predicted_mean", "actual_mean",
                        "baseline_mean"]


@dataclass(frozen=True)
class HoldoutValidation:
    """Holdout check of a calibration-period fit.

    ``metrics``: name → value (``customers``, ``holdout_days``, ``bucket_rmse``,
    ``baseline_bucket_rmse``, ``mae_per_customer``, ``baseline_mae_per_customer``,
    ``rmse_per_customer``, ``baseline_rmse_per_customer``,
    ``total_predicted``, ``total_actual``, ``total_pct_error``, ``baseline_total_predicted``,
    ``baseline_total_pct_error``); pct errors are 100 × (predicted − actual) / actual, NaN when
    nobody bought in the holdout.
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
    metrics = {
        "customers": float(len(holdout)),
        "holdout_days": float(holdout_days),
        HOLDOUT_ERROR: _bucket_rmse(by_frequency, "predicted_mean"),
        BASELINE_ERROR: _bucket_rmse(by_frequency, "baseline_mean"),
        "mae_per_customer": float(np.abs(predicted - actual).mean()),
        "baseline_mae_per_customer": float(np.abs(baseline - actual).mean()),
        "rmse_per_customer": float(np.sqrt(np.square(predicted - actual).mean())),
        "baseline_rmse_per_customer": float(np.sqrt(np.square(baseline - actual).mean())),
        "total_predicted": float(predicted.sum()),
        "total_actual": float(total_actual),
        "total_pct_error": pct_error(predicted.sum()),
        "baseline_total_predicted": float(baseline.sum()),
        "baseline_total_pct_error": pct_error(baseline.sum()),
    }
    return HoldoutValidation(metrics=metrics, by_frequency=by_frequency)


def _bucket_rmse(by_frequency: pd.DataFrame, column: str) -> float:
    """√(Σ customers·(mean − actual mean)² / Σ customers) over the frequency buckets."""
    squared = np.square(by_frequency[column] - by_frequency["actual_mean"])
    return float(np.sqrt((by_frequency["customers"] * squared).sum()
                         / by_frequency["customers"].sum()))


@dataclass(frozen=True)
class PurchaseModelChoice:
    """The purchase model that predicted the holdout better, and the evidence.

    ``chosen``: "bg_nbd", "mbg_nbd", or None when neither could be fitted. ``validations``: one
    ``HoldoutValidation`` per fitted model. ``params``: ``model_params`` rows — each calibration
    fit (model ``<name>_calibration``), each model's metrics (``validation_<name>``), the chosen
    model's metrics under model ``validation`` with a ``purchase_model`` row whose note names it
    and says why, a ``verdict`` row when it did worse than the naive baseline, or a ``skipped``
    row. ``reason``: the choice in words; ``verdict``: ``verdicts.holdout_verdict`` or None.
    """

    chosen: str | None
    validations: dict[str, HoldoutValidation]
    params: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    reason: str = ""
    verdict: str | None = None

    @property
    def by_frequency(self) -> pd.DataFrame:
        """The chosen model's holdout chart rows (empty without a chosen model)."""
        if self.chosen is None:
            return pd.DataFrame(columns=BY_FREQUENCY_COLUMNS)
        return self.validations[self.chosen].by_frequency


def choose_purchase_model(
    calibration: pd.DataFrame,
    holdout_days: float,
    *,
    penalizer_coef: float = 0.0,
    retry_penalizers: tuple[float, ...] = RETRY_PENALIZERS,
) -> PurchaseModelChoice:
    """Fit BG/NBD and MBG/NBD on the calibration summary, predict ``holdout_days``, and choose the
    one with the lower ``bucket_rmse`` (ties: BG/NBD, the older and simpler story).

    ``calibration``: the BTYD columns as of the calibration end (``summary.SUMMARY_COLUMNS``) and
    ``actual_purchases`` (purchase days in the holdout).
    """
    rows: list[dict] = []
    warnings: list[str] = []
    validations: dict[str, HoldoutValidation] = {}
    for name in PURCHASE_MODELS:  # two fits
        fit = CLVModel(purchase_model=name, penalizer_coef=penalizer_coef,
                       retry_penalizers=retry_penalizers, fit_spend=False).fit(calibration)
        warnings += [f"calibration fit: {note}" for note in fit.warnings_]
        rows += [{**r, "model": f"{name}_calibration"} for r in fit.params_.to_dict("records")
                 if r["model"] == name]
        if fit.purchase_fitter_ is None:
            continue
        frame = calibration.assign(predicted_purchases=fit.predict_purchases(calibration,
                                                                            holdout_days))
        validations[name] = validate_holdout(frame, holdout_days)
        rows += [row(f"validation_{name}", metric, value)
                 for metric, value in validations[name].metrics.items()]
    if not validations:
        reason = ("holdout validation skipped: no purchase model could be fitted on the "
                  "calibration data")
        rows.append(row("validation", "skipped", None, reason))
        return PurchaseModelChoice(None, {}, _frame(rows), [*warnings, reason], reason)
    errors = {name: result.metrics[HOLDOUT_ERROR] for name, result in validations.items()}
    chosen = min(errors, key=errors.get)  # dict order: BG/NBD first, so it wins a tie
    metrics = validations[chosen].metrics
    reason = _reason(chosen, errors, metrics[BASELINE_ERROR])
    verdict = holdout_verdict(metrics, PURCHASE_MODELS[chosen].label)
    rows += [row("validation", metric, value) for metric, value in metrics.items()]
    rows.append(row("validation", "purchase_model", None, f"{chosen}: {reason}"))
    if verdict is not None:
        rows.append(row("validation", "verdict", None, verdict))
        warnings.append(verdict)
    return PurchaseModelChoice(chosen, validations, _frame(rows), warnings, reason, verdict)


def _reason(chosen: str, errors: dict[str, float], baseline: float) -> str:
    label = PURCHASE_MODELS[chosen].label
    others = [f"{PURCHASE_MODELS[name].label} {error:.4f}" for name, error in errors.items()
              if name != chosen]
    compared = f" against {', '.join(others)}" if others else " (the other model did not fit)"
    return (f"{label} chosen: holdout error {errors[chosen]:.4f} purchases per customer (RMSE of "
            f"the means by past frequency){compared}; naive baseline {baseline:.4f}")


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=PARAM_COLUMNS)
