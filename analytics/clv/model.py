"""The combined CLV model: a purchase model (BG/NBD or MBG/NBD) × Gamma-Gamma spend → P(alive),
expected purchases and discounted CLV per buyer, with every fit's parameters as ``model_params``
rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from analytics.clv.bgnbd import BG_NBD
from analytics.clv.fitting import (
    PARAM_COLUMNS,
    RETRY_PENALIZERS,
    FitResult,
    param_rows,
    penalizer_schedule,
    row,
)
from analytics.clv.gamma_gamma import (
    MIN_REPEAT_BUYERS,
    conditional_expected_spend,
    first_purchase_scale,
    fit_gamma_gamma,
    gamma_gamma_rejection,
    population_mean_spend,
)
from analytics.clv.mbgnbd import MBG_NBD
from analytics.clv.purchase import PurchaseModel, fit_purchase_model, log_likelihood
from analytics.clv.summary import FIRST_PURCHASE_COLUMN, check_summary, unique_rows

PURCHASE_MODELS: dict[str, PurchaseModel] = {BG_NBD.name: BG_NBD, MBG_NBD.name: MBG_NBD}
AUTO = "auto"  # fit both purchase models and keep the one with the higher log-likelihood
PURCHASE_HORIZONS_DAYS = (30, 90, 365)
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
# Why spend-based CLV is missing (``CLVModel.spend_status_``); ``verdicts.spend_verdict`` says
# it in plain words.
SPEND_OK = "ok"
SPEND_NOT_FITTED = "not_fitted"  # fit_spend=False
SPEND_TOO_FEW_REPEAT_BUYERS = "too_few_repeat_buyers"
SPEND_NOT_CONVERGED = "not_converged"
SPEND_REJECTED = "rejected"  # q <= 1: the mean spend is not finite
SPEND_NO_PURCHASE_MODEL = "no_purchase_model"


def monthly_discount_rate(annual_rate: float) -> float:
    """The monthly rate equivalent to ``annual_rate`` (0.10 = 10 % a year), compounded monthly."""
    return (1.0 + annual_rate) ** (1.0 / 12.0) - 1.0


class CLVModel(BaseEstimator):
    """Purchase model × Gamma-Gamma spend → P(alive), expected purchases and discounted CLV.

    Parameters
    ----------
    purchase_model : "bg_nbd", "mbg_nbd" or "auto" — the model used for predictions; "auto" fits
        both and keeps the higher log-likelihood (both have four parameters, so AIC and BIC agree).
        Choose by holdout error with ``holdout.choose_purchase_model`` when there is a holdout.
    fit_both : also fit the other purchase model, so both parameter sets are recorded.
    penalizer_coef : L2 penalty of the first fit attempt (lifetimes' ``penalizer_coef``).
    horizon_months : CLV horizon, in months of 30 days.
    discount_rate : annual discount rate (0.10 = 10 %), applied monthly as lifetimes does.
    retry_penalizers : larger penalties tried in turn when a fit fails or is degenerate.
    correlation_warning : |Pearson r| of frequency vs. monetary value (repeat buyers) from which
        the Gamma-Gamma independence assumption is reported as doubtful.
    fit_spend : fit Gamma-Gamma too (False for purchase-count validation only).

    Attributes (after ``fit``): ``purchase_model_`` (name used, None when it failed),
    ``purchase_fitter_`` (its lifetimes fitter or None), ``purchase_fits_`` (name → fitter or
    None, every purchase model fitted), ``log_likelihoods_`` (name → value), ``ggf_`` (None when
    unusable), ``params_`` (model, parameter, value, standard_error, note), ``warnings_``,
    ``spend_status_`` (``SPEND_*``), ``spend_reason_`` (technical reason CLV is missing, or None),
    ``repeat_buyers_``, ``first_purchase_scale_``, ``freq_monetary_corr_``.
    """

    def __init__(
        self,
        purchase_model: str = BG_NBD.name,
        fit_both: bool = False,
        penalizer_coef: float = 0.0,
        horizon_months: int = 12,
        discount_rate: float = 0.10,
        retry_penalizers: tuple[float, ...] = RETRY_PENALIZERS,
        correlation_warning: float = CORRELATION_WARNING,
        fit_spend: bool = True,
    ) -> None:
        self.purchase_model = purchase_model
        self.fit_both = fit_both
        self.penalizer_coef = penalizer_coef
        self.horizon_months = horizon_months
        self.discount_rate = discount_rate
        self.retry_penalizers = retry_penalizers
        self.correlation_warning = correlation_warning
        self.fit_spend = fit_spend

    @property
    def bgf_(self) -> object | None:
        """The purchase model's lifetimes fitter (kept under its former name for callers)."""
        return self.purchase_fitter_

    def _check_settings(self) -> None:
        if self.purchase_model not in (*PURCHASE_MODELS, AUTO):
            raise ValueError(
                f"purchase_model must be one of {', '.join((*PURCHASE_MODELS, AUTO))}, "
                f"got {self.purchase_model!r}"
            )
        if int(self.horizon_months) != self.horizon_months or self.horizon_months < 1:
            raise ValueError(
                f"horizon_months must be a whole number >= 1, got {self.horizon_months!r}"
            )
        if not self.discount_rate >= 0:
            raise ValueError(f"discount_rate (annual) must be >= 0, got {self.discount_rate!r}")

    def fit(self, summary: pd.DataFrame) -> CLVModel:
        """Fit the purchase model(s) on the distinct (frequency, recency, T) rows weighted by their
        counts (the same likelihood as one row per customer), then Gamma-Gamma on repeat buyers."""
        self._check_settings()
        check_summary(summary)
        if summary.empty:
            raise ValueError("CLV input has no customers: nothing to fit")
        self.warnings_: list[str] = []
        penalizers = penalizer_schedule(self.penalizer_coef, self.retry_penalizers)
        rows = self._fit_purchases(summary, penalizers)
        self.ggf_ = None
        self.freq_monetary_corr_ = np.nan
        self.first_purchase_scale_ = 1.0
        self.repeat_buyers_ = 0
        self.spend_reason_: str | None = None
        self.spend_status_ = SPEND_NOT_FITTED
        if self.fit_spend:
            rows += self._fit_spend(summary, penalizers)
        self.params_ = pd.DataFrame(rows, columns=PARAM_COLUMNS)
        return self

    def _fit_purchases(self, summary: pd.DataFrame, penalizers: list[float]) -> list[dict]:
        both = self.fit_both or self.purchase_model == AUTO
        names = list(PURCHASE_MODELS) if both else [self.purchase_model]
        unique, counts, _ = unique_rows(summary)
        rows: list[dict] = []
        self.purchase_fits_: dict[str, object | None] = {}
        self.log_likelihoods_: dict[str, float] = {}
        for name in names:  # one or two fits on the distinct rows
            model = PURCHASE_MODELS[name]
            result = fit_purchase_model(model, unique, counts, penalizers)
            self.warnings_ += result.notes
            self.purchase_fits_[name] = result.fitter
            rows += self._purchase_rows(model, result, len(summary))
        chosen = self.purchase_model
        if chosen == AUTO:
            likelihoods = self.log_likelihoods_
            chosen = max(likelihoods, key=likelihoods.get) if likelihoods else None
        self.purchase_fitter_ = self.purchase_fits_.get(chosen)
        self.purchase_model_ = chosen if self.purchase_fitter_ is not None else None
        rows.append(row("clv", "purchase_model", None, self.purchase_model_))
        return rows

    def _purchase_rows(self, model: PurchaseModel, result: FitResult, customers: int) -> list[dict]:
        if result.fitter is None:
            reason = (f"{model.label} did not converge to a usable fit with any penalizer: "
                      + "; ".join(result.notes))
            rows = [row(model.name, "fit_failed", None, reason)]
        else:
            self.log_likelihoods_[model.name] = log_likelihood(result.fitter)
            rows = param_rows(model.name, result.fitter, result.penalizer,
                              "; ".join(result.notes) or None)
            rows.append(row(model.name, "log_likelihood", self.log_likelihoods_[model.name]))
        rows.append(row(model.name, "customers", customers))
        return rows

    def _fit_spend(self, summary: pd.DataFrame, penalizers: list[float]) -> list[dict]:
        repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
        self.repeat_buyers_ = len(repeat)
        rows = [row("gamma_gamma", "repeat_buyers", len(repeat))]
        rows.append(self._correlation_row(repeat))
        if len(repeat) < MIN_REPEAT_BUYERS:
            self.spend_status_ = SPEND_TOO_FEW_REPEAT_BUYERS
            self.spend_reason_ = (
                f"only {len(repeat)} repeat buyers with positive spend: "
                f"Gamma-Gamma needs at least {MIN_REPEAT_BUYERS}"
            )
        else:
            result = fit_gamma_gamma(repeat["frequency"], repeat["monetary_value"], penalizers)
            self.warnings_ += result.notes
            if result.fitter is None:
                self.spend_status_ = SPEND_NOT_CONVERGED
                self.spend_reason_ = "Gamma-Gamma did not converge: " + "; ".join(result.notes)
            else:
                rows += param_rows("gamma_gamma", result.fitter, result.penalizer,
                                   "; ".join(result.notes) or None)
                self.spend_reason_ = gamma_gamma_rejection(result.fitter.params_)
                if self.spend_reason_ is None:
                    self.spend_status_ = SPEND_OK
                    self.ggf_ = result.fitter
                    rows.append(row("gamma_gamma", "mean_spend",
                                    population_mean_spend(result.fitter.params_)))
                else:
                    self.spend_status_ = SPEND_REJECTED
        if FIRST_PURCHASE_COLUMN in summary:
            self.first_purchase_scale_ = first_purchase_scale(
                summary["frequency"], summary["monetary_value"], summary[FIRST_PURCHASE_COLUMN]
            )
            rows.append(row("gamma_gamma", "first_purchase_scale", self.first_purchase_scale_,
                            "one-time buyers' first order × this = their observed spend"))
        if self.purchase_fitter_ is None and self.spend_reason_ is None:
            self.spend_status_ = SPEND_NO_PURCHASE_MODEL
            self.spend_reason_ = "no purchase model: it did not converge to a usable fit"
        if self.spend_reason_ is not None:
            self.warnings_.append("CLV not computed: " + self.spend_reason_)
            rows.append(row("clv", "not_computed", None, self.spend_reason_))
        rows.append(row("clv", "horizon_months", self.horizon_months))
        rows.append(row("clv", "annual_discount_rate", self.discount_rate))
        rows.append(row("clv", "monthly_discount_rate", monthly_discount_rate(self.discount_rate)))
        return rows

    def _correlation_row(self, repeat: pd.DataFrame) -> dict:
        note = None
        if len(repeat) >= 3 and repeat["frequency"].nunique() > 1 and repeat[
            "monetary_value"
        ].nunique() > 1:
            self.freq_monetary_corr_ = float(
                np.corrcoef(repeat["frequency"], repeat["monetary_value"])[0, 1]
            )
            if abs(self.freq_monetary_corr_) >= self.correlation_warning:
                note = (
                    f"frequency and monetary value are correlated among repeat buyers "
                    f"(Pearson r = {self.freq_monetary_corr_:.2f}, |r| >= "
                    f"{self.correlation_warning}): the Gamma-Gamma independence assumption is "
                    "doubtful, treat spend-based CLV with caution"
                )
                self.warnings_.append(note)
        return row("gamma_gamma", "freq_monetary_corr", self.freq_monetary_corr_, note)

    def predict_purchases(self, summary: pd.DataFrame, days: float) -> np.ndarray:
        """Expected repeat purchases in the next ``days`` per customer (NaN without a fit)."""
        check_summary(summary)
        if self.purchase_fitter_ is None:
            return np.full(len(summary), np.nan)
        unique, _, inverse = unique_rows(summary)
        return self._expected(days, unique)[inverse]

    def _expected(self, days: float, unique: np.ndarray) -> np.ndarray:
        model = PURCHASE_MODELS[self.purchase_model_]
        return model.expected(
            self.purchase_fitter_.params_, days, unique[:, 0], unique[:, 1], unique[:, 2]
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

        Under BG/NBD one-time buyers have P(alive) = 1 by construction (their lapse shows only in
        ``days_since_purchase``); under MBG/NBD it falls with the time since their purchase.
        Spend: ``gamma_gamma.conditional_expected_spend``, which uses a one-time buyer's first
        order when the input has ``first_purchase_value``.
        """
        check_summary(summary)
        out = pd.DataFrame({"customer_id": summary["customer_id"].to_numpy()})
        unique, _, inverse = unique_rows(summary)
        if self.purchase_fitter_ is not None:
            model = PURCHASE_MODELS[self.purchase_model_]
            params = self.purchase_fitter_.params_
            out["p_alive"] = model.p_alive(params, unique[:, 0], unique[:, 1], unique[:, 2])[
                inverse
            ]
            for days in PURCHASE_HORIZONS_DAYS:
                out[f"expected_purchases_{days}"] = self._expected(days, unique)[inverse]
        else:
            out["p_alive"] = np.nan
            for days in PURCHASE_HORIZONS_DAYS:
                out[f"expected_purchases_{days}"] = np.nan
        if self.purchase_fitter_ is not None and self.ggf_ is not None:
            first = summary.get(FIRST_PURCHASE_COLUMN)
            spend = conditional_expected_spend(
                self.ggf_.params_, summary["frequency"], summary["monetary_value"], first,
                self.first_purchase_scale_,
            )
            out["clv_amount"] = spend * self._discounted_purchases(unique)[inverse]
        else:
            out["clv_amount"] = np.nan
        frequency = summary["frequency"].to_numpy(float)
        out["is_one_time_buyer"] = frequency == 0
        out["days_since_purchase"] = (summary["T"] - summary["recency"]).to_numpy()
        return out[list(PREDICTION_COLUMNS)]
