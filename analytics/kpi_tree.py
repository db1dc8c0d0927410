"""GMV change decomposition: how much of a change in GMV each KPI-tree driver explains.

GMV = traffic × conversion rate × average ticket size holds exactly for any period (the marts
define conversion = orders ÷ visits and ticket = GMV ÷ orders), so a change in GMV between two
periods splits additively into one contribution per driver.

Method: the additive LMDI-I (logarithmic mean Divisia index) decomposition, Ang & Liu (2001),
"A new energy decomposition method: perfect in decomposition and consistent in aggregation",
Energy 26(6), 537-548; practical guide in Ang (2005), Energy Policy 33(7), 867-871:

    contribution(X) = L(GMV1, GMV0) × ln(X1 / X0),   L(a, b) = (a − b) / (ln a − ln b),  L(a, a) = a

The contributions sum to GMV1 − GMV0 exactly (no residual). LMDI is undefined when a value is 0;
then sequential substitution in tree order (traffic, then conversion, then ticket) is used, which
is exact too. See docs/METHODS.md, "GMV change decomposition".
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analytics.validation import require_columns

DRIVERS: tuple[str, ...] = ("traffic", "conversion_rate", "avg_ticket_amount")
METHOD_LMDI = "lmdi"
METHOD_SEQUENTIAL = "sequential substitution"


def period_drivers(traffic: float, count_orders: float, gmv_amount: float) -> dict[str, float]:
    """The three drivers of one period from its summed daily figures.

    Conversion rate = orders ÷ visits; average ticket = GMV ÷ orders. A period without visits
    (or orders) has conversion (or ticket) 0, which keeps GMV = product of drivers (GMV is then 0).
    """
    values = {"traffic": traffic, "count_orders": count_orders, "gmv_amount": gmv_amount}
    for name, value in values.items():
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number ≥ 0, got {value!r}")
    if count_orders == 0 and gmv_amount > 0:
        raise ValueError(f"gmv_amount is {gmv_amount} but count_orders is 0")
    if traffic == 0 and count_orders > 0:
        raise ValueError(f"count_orders is {count_orders} but traffic (visits) is 0")
    return {
        "traffic": float(traffic),
        "conversion_rate": count_orders / traffic if traffic else 0.0,
        "avg_ticket_amount": gmv_amount / count_orders if count_orders else 0.0,
    }


def _driver_values(values: Mapping[str, float], which: str) -> np.ndarray:
    require_columns(values, DRIVERS, f"{which} period drivers")
    array = np.array([float(values[name]) for name in DRIVERS])
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise ValueError(f"{which} period drivers must be finite and ≥ 0, got {dict(values)}")
    return array


def _log_mean(a: float, b: float) -> float:
    """Logarithmic mean of two positive numbers; L(a, a) = a."""
    if np.isclose(a, b, rtol=1e-12, atol=0.0):
        return a
    return (a - b) / (np.log(a) - np.log(b))


def decompose_gmv_change(
    previous: Mapping[str, float], current: Mapping[str, float]
) -> pd.DataFrame:
    """Split GMV(current) − GMV(previous) into one additive contribution per driver.

    ``previous`` and ``current`` map each of ``traffic``, ``conversion_rate`` and
    ``avg_ticket_amount`` to its value in that period (see :func:`period_drivers`).

    Returns one row per driver, in tree order, with columns ``driver``, ``previous``,
    ``current``, ``contribution_amount`` (currency units; the column sums to the GMV change),
    ``contribution_share`` (contribution ÷ GMV change, NaN when GMV did not change) and
    ``method`` (``"lmdi"``, or ``"sequential substitution"`` when any value is 0).
    """
    x0 = _driver_values(previous, "previous")
    x1 = _driver_values(current, "current")
    gmv0, gmv1 = float(np.prod(x0)), float(np.prod(x1))
    if np.all(x0 > 0) and np.all(x1 > 0):
        method = METHOD_LMDI
        contributions = _log_mean(gmv1, gmv0) * np.log(x1 / x0)
    else:
        # Sequential substitution: switch drivers from previous to current one at a time, in
        # tree order; each driver gets the GMV change its switch causes.
        method = METHOD_SEQUENTIAL
        steps = [np.prod(np.concatenate([x1[:k], x0[k:]])) for k in range(len(DRIVERS) + 1)]
        contributions = np.diff(steps)
    change = gmv1 - gmv0
    shares = contributions / change if change != 0 else np.full(len(DRIVERS), np.nan)
    return pd.DataFrame(
        {
            "driver": list(DRIVERS),
            "previous": x0,
            "current": x1,
            "contribution_amount": contributions,
            "contribution_share": shares,
            "method": method,
        }
    )
