"""What the purchase models (BG/NBD, MBG/NBD) share: fitting on distinct rows, log-likelihood.

A purchase model is described by a ``PurchaseModel``: its lifetimes fitter and Actionboard's own
formulas for P(alive) and conditional expected purchases, which work from the parameters alone
(stored parameters can be reused without the fitter) and stay finite where lifetimes' do not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from analytics.clv.fitting import FitResult, degeneracy, fit_with_retry

PARAMETERS = ("r", "alpha", "a", "b")

Expected = Callable[[Mapping[str, float], Any, np.ndarray, np.ndarray, np.ndarray], np.ndarray]
Alive = Callable[[Mapping[str, float], np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class PurchaseModel:
    """``name`` as stored in ``model_params`` ("bg_nbd"), ``label`` as shown ("BG/NBD"), the
    lifetimes fitter class, and ``expected(params, t, frequency, recency, T)`` and
    ``p_alive(params, frequency, recency, T)``."""

    name: str
    label: str
    fitter_class: type
    expected: Expected
    p_alive: Alive


def fit_purchase_model(
    model: PurchaseModel, unique: np.ndarray, counts: np.ndarray, penalizers: Sequence[float]
) -> FitResult:
    """Fit on distinct (frequency, recency, T) rows weighted by their counts, refusing
    degenerate fits and retrying with each larger penalizer."""
    longest = float(unique[:, 2].max())
    if longest <= 0:
        return FitResult(None, None, [
            f"{model.label} not fitted: every buyer made their first purchase on the cut-off day"
        ])

    def fit(penalizer: float) -> Any:
        return model.fitter_class(penalizer_coef=penalizer).fit(
            unique[:, 0], unique[:, 1], unique[:, 2], weights=counts
        )

    def check(fitter: Any) -> str | None:
        return degeneracy(fitter, {"alpha": longest}, float(counts.sum()))

    return fit_with_retry(model.label, fit, penalizers, check)


def log_likelihood(fitter: Any) -> float:
    """Log-likelihood of the fitted (unpenalised) model on its data, in the data's time unit.

    lifetimes optimises with time divided by the longest T; changing the time unit by a factor s
    changes the log-likelihood by Σ x·log s (x purchase-time densities), which is added back, so
    the figure equals the published one (CDNOW BG/NBD: −9,582.4 in weeks).
    """
    data = fitter.data
    scale = float(fitter._scale)
    r, alpha, a, b = (float(fitter.params_[name]) for name in PARAMETERS)
    frequency = data["frequency"].to_numpy(float)
    weights = data["weights"].to_numpy(float)
    mean = fitter._negative_log_likelihood(
        np.log([r, alpha * scale, a, b]), frequency, data["recency"].to_numpy(float) * scale,
        data["T"].to_numpy(float) * scale, weights, 0.0,
    )
    return float(-mean * weights.sum() + np.log(scale) * (weights * frequency).sum())
