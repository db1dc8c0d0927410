"""Gamma-Gamma: how much a buyer spends per purchase, shrunk between their own mean and everyone's.

Each purchase's value is Gamma(p, ν) and ν ~ Gamma(q, v) across buyers, so a buyer's expected
spend per purchase given x observed purchases with mean m̄ is (Fader, Hardie & Lee 2005, "RFM and
CLV: Using Iso-Value Curves for Customer Base Analysis", JMR 42(4); Fader & Hardie 2013, note 025,
eq. 5)

    E[M | x, m̄] = (q − 1)/(p·x + q − 1) · v·p/(q − 1) + p·x/(p·x + q − 1) · m̄,

a weighted mean of the population mean v·p/(q − 1) and the buyer's own m̄. It is fitted on repeat
purchases only (frequency > 0, monetary value > 0), as the BTYD conventions define monetary value.

**One-time buyers.** Their one observed order is used as one purchase (x = 1) in the same formula
— weight p/(p + q − 1) on it — after putting it on the repeat-purchase scale: first orders are
multiplied by (mean repeat spend ÷ mean first-order spend) of the repeat buyers, who have both.
Without a first-order value (or a zero one) a one-time buyer gets the population mean.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from lifetimes import GammaGammaFitter

from analytics.clv.fitting import FitResult, degeneracy, fit_with_retry

MIN_REPEAT_BUYERS = 3
PARAMETERS = ("p", "q", "v")


def gamma_gamma_rejection(params: Mapping[str, float]) -> str | None:
    """Why a Gamma-Gamma fit must not be used, or None when it may.

    The population mean spend is ``v·p / (q − 1)``; with ``q <= 1`` it is infinite or negative and
    the conditional expectation (eq. 5) yields negative or absurd spend, hence negative CLV.
    """
    values = {name: float(params[name]) for name in PARAMETERS}
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


def population_mean_spend(params: Mapping[str, float]) -> float:
    """v·p / (q − 1): the expected spend per purchase of a buyer we know nothing about."""
    p, q, v = (float(params[name]) for name in PARAMETERS)
    return v * p / (q - 1)


def first_purchase_scale(
    frequency: np.ndarray, monetary_value: np.ndarray, first_value: np.ndarray
) -> float:
    """Mean repeat spend ÷ mean first-order spend over repeat buyers with both positive; 1.0 when
    fewer than ``MIN_REPEAT_BUYERS`` have both (nothing to compare)."""
    both = (np.asarray(frequency) > 0) & (np.asarray(monetary_value) > 0) & (
        np.asarray(first_value) > 0
    )
    if both.sum() < MIN_REPEAT_BUYERS:
        return 1.0
    return float(np.asarray(monetary_value, float)[both].mean()
                 / np.asarray(first_value, float)[both].mean())


def conditional_expected_spend(
    params: Mapping[str, float],
    frequency: np.ndarray,
    monetary_value: np.ndarray,
    first_value: np.ndarray | None = None,
    first_scale: float = 1.0,
) -> np.ndarray:
    """Expected spend per future purchase of each buyer (eq. 5; see the module docstring).

    Negative net spend (returns) counts as zero own spend, so spend is never negative.
    ``first_value`` (spend of the first purchase day, any value for repeat buyers) informs
    one-time buyers, multiplied by ``first_scale``.
    """
    p, q, _ = (float(params[name]) for name in PARAMETERS)
    mean = population_mean_spend(params)
    x = np.asarray(frequency, float)
    own = np.clip(np.asarray(monetary_value, float), 0.0, None)
    if first_value is not None:
        first = np.clip(np.asarray(first_value, float), 0.0, None) * first_scale
        use_first = (x == 0) & (first > 0)
        own = np.where(use_first, first, own)
        x = np.where(use_first, 1.0, x)
    weight = p * x / (p * x + q - 1)
    return (1 - weight) * mean + weight * own


def fit_gamma_gamma(
    frequency: np.ndarray, monetary_value: np.ndarray, penalizers: Sequence[float]
) -> FitResult:
    """Fit on repeat buyers' (frequency, mean repeat spend), refusing degenerate fits (v is judged
    relative to the mean spend, so the check does not depend on the currency)."""
    frequency = np.asarray(frequency, float)
    monetary_value = np.asarray(monetary_value, float)
    mean_spend = float(monetary_value.mean())

    def fit(penalizer: float) -> GammaGammaFitter:
        return GammaGammaFitter(penalizer_coef=penalizer).fit(frequency, monetary_value)

    def check(fitter: GammaGammaFitter) -> str | None:
        return degeneracy(fitter, {"v": mean_spend}, float(len(frequency)))

    return fit_with_retry("Gamma-Gamma", fit, penalizers, check)
