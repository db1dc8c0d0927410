"""Sizing a push audience from purchase probabilities.

With calibrated probabilities p_i of buying the item in a large basket within the horizon, the
expected number of such buyers among the k most likely customers is Σ_{i ≤ k} p_i, and among
everyone scored Σ p_i. The smallest audience expected to capture a share s of the item's
qualifying purchases is the smallest k with Σ_{i ≤ k} p_i ≥ s · Σ p_i. Pushes per sale is the
audience size over its expected buyers — those the model expects to buy anyway; what a push
adds is measured against the hold-out after the campaign.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CAPTURE_SHARES = (0.5, 0.7, 0.9)


def _descending(probability: np.ndarray) -> np.ndarray:
    p = np.asarray(probability, dtype=float)
    if p.ndim != 1 or not np.isfinite(p).all() or (p < 0).any() or (p > 1).any():
        raise ValueError("probabilities must be a 1-D array of values in [0, 1]")
    return np.sort(p)[::-1]


def capture_sizes(
    probability: np.ndarray, shares: tuple[float, ...] = CAPTURE_SHARES
) -> dict[float, int]:
    """Per share s: the smallest audience (taking the most likely first) whose expected buyers
    reach s × the expected buyers of everyone scored. 0 when nobody is expected to buy."""
    p = _descending(probability)
    for share in shares:
        if not 0 < share <= 1:
            raise ValueError(f"capture shares must be in (0, 1], got {share}")
    cumulative = np.cumsum(p)
    total = cumulative[-1] if p.size else 0.0
    if total <= 0:
        return dict.fromkeys(shares, 0)
    # a relative tolerance so that s = 1 is reached at the last positive probability
    return {share: int(min(np.searchsorted(cumulative, share * total * (1 - 1e-12)) + 1, p.size))
            for share in shares}


@dataclass(frozen=True)
class AudienceExpectation:
    size: int
    expected_buyers: float
    share_of_buyers: float  # of everyone's expected buyers
    pushes_per_sale: float  # size ÷ expected buyers (inf when none is expected)


def expect(probability: np.ndarray, size: int) -> AudienceExpectation:
    """What the ``size`` most likely customers are expected to do."""
    p = _descending(probability)
    if not 0 <= size <= p.size:
        raise ValueError(f"audience size must be between 0 and {p.size}, got {size}")
    buyers = float(p[:size].sum())
    total = float(p.sum())
    return AudienceExpectation(
        size=size, expected_buyers=buyers, share_of_buyers=buyers / total if total else 0.0,
        pushes_per_sale=size / buyers if buyers > 0 else float("inf"))
