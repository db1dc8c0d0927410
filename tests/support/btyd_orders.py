"""Simulated purchases that follow the BG/NBD story, written as a snapshot's ``order_lines``."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

START = date(2024, 1, 1)


def make_order_lines(
    con: duckdb.DuckDBPyConnection, n: int, days: int, seed: int, spend_per_day: float = 0.0
) -> None:
    """Create ``order_lines`` with ``n`` buyers over ``days`` days: each customer's first purchase
    day is uniform, later days follow a Poisson process with a gamma-distributed rate and stop
    after a geometric number of repeats (the BG/NBD story). With ``spend_per_day`` > 0 every line
    costs that much times the customer's number of lines (spend grows with frequency)."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, days, n)
    rate = rng.gamma(0.5, 1 / 10.0, n)
    repeats = rng.geometric(rng.beta(1.0, 3.0, n))
    max_events = 40
    offsets = np.cumsum(rng.exponential(1.0, (n, max_events)) / rate[:, None], axis=1)
    seen = (offsets <= (days - 1 - first)[:, None]) & (
        np.arange(1, max_events + 1)[None, :] <= repeats[:, None]
    )
    customer = np.repeat(np.arange(n), 1 + seen.sum(axis=1))
    offset = np.concatenate([np.zeros((n, 1)), np.where(seen, offsets, np.nan)], axis=1)
    offset = np.floor(offset[~np.isnan(offset)]).astype(int)
    ordered_at = pd.Timestamp(START) + pd.to_timedelta(first[customer] + offset, "D")
    amount = rng.gamma(4.0, 25.0, len(customer))
    if spend_per_day:
        amount = spend_per_day * np.bincount(customer)[customer]
    lines = pd.DataFrame({
        "customer_id": [f"c{i:04d}" for i in customer],
        "order_id": [f"o{i}" for i in range(len(customer))],
        "ordered_at": ordered_at + pd.to_timedelta(rng.integers(0, 86_400, len(customer)), "s"),
        "line_amount": amount,
    })
    con.register("lines", lines)
    con.execute(
        """
        CREATE OR REPLACE TABLE order_lines AS
        SELECT customer_id, order_id, ordered_at, CAST(ordered_at AS DATE) AS order_date,
               line_amount
        FROM lines
        """
    )
    con.unregister("lines")
