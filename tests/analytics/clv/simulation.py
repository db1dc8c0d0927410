"""Customers drawn from the BTYD models' own stories, for fits with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd

MAX_EVENTS = 600


def purchase_times(
    n: int, r: float, alpha: float, a: float, b: float, rng: np.random.Generator,
    *, modified: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Repeat-purchase times after each customer's first purchase (rows; NaN after dropout) and
    a spare column count check. λ ~ Gamma(r, rate α), p ~ Beta(a, b); repeat purchases arrive as a
    Poisson(λ) process. BG/NBD (Fader et al. 2005a): after each repeat purchase the customer drops
    out with probability p. MBG/NBD (Batislam et al. 2007): also right after the first purchase.
    """
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    opportunities = rng.geometric(p)  # the dropout happens at this opportunity
    repeats = opportunities - 1 if modified else opportunities
    times = np.cumsum(rng.exponential(1.0, (n, MAX_EVENTS)) / lam[:, None], axis=1)
    made = np.arange(1, MAX_EVENTS + 1)[None, :] <= repeats[:, None]
    return np.where(made, times, np.nan), repeats


def summarise(times: np.ndarray, age: np.ndarray) -> pd.DataFrame:
    """The BTYD summary (frequency, recency, T) of repeat-purchase ``times`` seen up to ``age``."""
    assert (np.isnan(times[:, -1]) | (times[:, -1] > age)).all(), "MAX_EVENTS too small"
    observed = times <= age[:, None]
    frequency = observed.sum(axis=1)
    last = np.nanmax(np.where(observed, times, np.nan), axis=1, initial=0.0)
    return pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(len(age))],
        "frequency": frequency,
        "recency": np.where(frequency > 0, last, 0.0),
        "T": age,
        "monetary_value": 0.0,
    })


def simulate_summary(
    n: int, r: float, alpha: float, a: float, b: float, seed: int, *, modified: bool = False
) -> pd.DataFrame:
    """``n`` customers first seen 200–365 days before the cut-off."""
    rng = np.random.default_rng(seed)
    times, _ = purchase_times(n, r, alpha, a, b, rng, modified=modified)
    return summarise(times, rng.integers(200, 366, n).astype(float))


def simulate_calibration_and_holdout(
    n: int, r: float, alpha: float, a: float, b: float, seed: int, holdout_days: float,
    *, modified: bool = False,
) -> pd.DataFrame:
    """Calibration summary of ``n`` customers plus ``actual_purchases``: their repeat purchases in
    the ``holdout_days`` after the calibration cut-off."""
    rng = np.random.default_rng(seed)
    times, _ = purchase_times(n, r, alpha, a, b, rng, modified=modified)
    age = rng.integers(30, 366, n).astype(float)
    frame = summarise(times, age)
    later = (times > age[:, None]) & (times <= (age + holdout_days)[:, None])
    return frame.assign(actual_purchases=later.sum(axis=1))


def simulate_spend(frequency: np.ndarray, p: float, q: float, v: float, seed: int) -> np.ndarray:
    """Mean spend of ``frequency`` transactions under Gamma-Gamma: ν ~ Gamma(q, rate v), each
    transaction ~ Gamma(p, rate ν), so the mean of x of them ~ Gamma(p·x, rate ν·x)."""
    rng = np.random.default_rng(seed)
    nu = rng.gamma(q, 1.0 / v, len(frequency))
    return rng.gamma(p * frequency, 1.0 / (nu * frequency))
