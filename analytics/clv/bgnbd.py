"""BG/NBD: how often a buyer returns and whether they are still alive.

While alive a buyer purchases at a Poisson rate λ ~ Gamma(r, α) and after each repeat purchase
drops out with probability p ~ Beta(a, b) (Fader, Hardie & Lee 2005, "Counting Your Customers the
Easy Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275-284). A buyer who
never returned cannot have dropped out, so P(alive) = 1 for every one-time buyer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from lifetimes import BetaGeoFitter
from scipy.special import hyp2f1

from analytics.clv.purchase import PARAMETERS, PurchaseModel


def _dropout_odds(
    params: Mapping[str, float], frequency: np.ndarray, recency: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """a/(b + x − 1)·((α + T)/(α + t_x))^(r + x) for x > 0, 0 for x = 0 (inf when it overflows)."""
    r, alpha, a, b = (float(params[name]) for name in PARAMETERS)
    x = np.asarray(frequency, float)
    with np.errstate(over="ignore", divide="ignore"):
        return np.where(
            x > 0,
            a / np.where(x > 0, b + x - 1, 1.0)
            * np.exp((r + x) * np.log((alpha + np.asarray(age, float))
                                      / (alpha + np.asarray(recency, float)))),
            0.0,
        )


def conditional_expected_purchases(
    params: Mapping[str, float], t: Any, frequency: np.ndarray, recency: np.ndarray,
    age: np.ndarray,
) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: expected repeat purchases in the next ``t`` time units (eq. 10).

    The hypergeometric term is evaluated after Euler's transformation,
    (1−z)^(r+x)·₂F₁(r+x, b+x; a+b+x−1; z) = (1−z)^(a−1)·₂F₁(a+b−1−r, a−1; a+b+x−1; z),
    which stays finite for large x and, unlike lifetimes' log-space evaluation, is also correct
    when a + b < 1 (where ₂F₁ is negative for x = 0 and lifetimes returns NaN).
    """
    r, alpha, a, b = (float(params[name]) for name in PARAMETERS)
    x = np.asarray(frequency, float)
    one_minus_z = (alpha + np.asarray(age, float)) / (alpha + np.asarray(age, float) + t)
    term = one_minus_z ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, 1 - one_minus_z)
    odds = _dropout_odds(params, x, recency, age)
    return (a + b + x - 1) / (a - 1) * (1 - term) / (1 + odds)


def p_alive(
    params: Mapping[str, float], frequency: np.ndarray, recency: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """P(alive | x, t_x, T) = 1 / (1 + δ(x>0)·a/(b+x−1)·((α+T)/(α+t_x))^(r+x))
    (Hardie, "Computing P(alive) using the BG/NBD model", note 021)."""
    return 1.0 / (1.0 + _dropout_odds(params, frequency, recency, age))


BG_NBD = PurchaseModel(
    name="bg_nbd",
    label="BG/NBD",
    fitter_class=BetaGeoFitter,
    expected=conditional_expected_purchases,
    p_alive=p_alive,
)
