"""MBG/NBD: BG/NBD in which a buyer may also drop out right after the first purchase.

Buyers purchase at a Poisson rate λ ~ Gamma(r, α) and drop out with probability p ~ Beta(a, b)
at the first purchase and after each repeat one (Batislam, Denizel & Filiztekin 2007, "Empirical
validation and comparison of models for customer base analysis", IJRM 24(3), 201-209; corrected by
Wagner & Hoppe 2008, IJRM 25(3), 225-226). Unlike BG/NBD, a one-time buyer's P(alive) falls
with the time since their purchase, which is what most buyers of a web shop are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from lifetimes import ModifiedBetaGeoFitter
from scipy.special import hyp2f1

from analytics.clv.purchase import PARAMETERS, PurchaseModel


def _dropout_odds(
    params: Mapping[str, float], frequency: np.ndarray, recency: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """a/(b + x)·((α + T)/(α + t_x))^(r + x) (inf when it overflows)."""
    r, alpha, a, b = (float(params[name]) for name in PARAMETERS)
    x = np.asarray(frequency, float)
    with np.errstate(over="ignore"):
        return a / (b + x) * np.exp(
            (r + x) * np.log((alpha + np.asarray(age, float))
                             / (alpha + np.asarray(recency, float)))
        )


def conditional_expected_purchases(
    params: Mapping[str, float], t: Any, frequency: np.ndarray, recency: np.ndarray,
    age: np.ndarray,
) -> np.ndarray:
    """E[Y(t) | x, t_x, T] (Wagner & Hoppe 2008, eq. 3), with the hypergeometric term after
    Euler's transformation,
    (1−z)^(r+x)·₂F₁(r+x, b+x+1; a+b+x; z) = (1−z)^(a−1)·₂F₁(a+b−r, a−1; a+b+x; z),
    z = t/(α+T+t), which stays finite for large x."""
    r, alpha, a, b = (float(params[name]) for name in PARAMETERS)
    x = np.asarray(frequency, float)
    one_minus_z = (alpha + np.asarray(age, float)) / (alpha + np.asarray(age, float) + t)
    term = one_minus_z ** (a - 1) * hyp2f1(a + b - r, a - 1, a + b + x, 1 - one_minus_z)
    odds = _dropout_odds(params, x, recency, age)
    return (a + b + x) / (a - 1) * (1 - term) / (1 + odds)


def p_alive(
    params: Mapping[str, float], frequency: np.ndarray, recency: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """P(alive | x, t_x, T) = 1 / (1 + a/(b+x)·((α+T)/(α+t_x))^(r+x)) (Batislam et al. 2007,
    appendix A, eq. 5): below 1 for one-time buyers too."""
    return 1.0 / (1.0 + _dropout_odds(params, frequency, recency, age))


MBG_NBD = PurchaseModel(
    name="mbg_nbd",
    label="MBG/NBD",
    fitter_class=ModifiedBetaGeoFitter,
    expected=conditional_expected_purchases,
    p_alive=p_alive,
)
