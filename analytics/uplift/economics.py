"""The money at stake: contact nobody, everyone, or the customers with the highest predicted
uplift, with cost per contact and margin per conversion as inputs.

The effect of contact on a policy's customers is measured, not predicted: on the campaign's
held-out customers (never used to fit the model), ranked by predicted uplift, the top share s
has ``n_t`` treated and ``n_c`` control customers who converted ``x_t`` and ``x_c`` times; contact
adds u = x_t/n_t − x_c/n_c conversions per contacted customer there, with the normal-approximation
standard error √(p_t(1−p_t)/n_t + p_c(1−p_c)/n_c). Applied to a population of N customers like
the campaign's:

* contacts = round(s · N); expected incremental conversions = contacts · u (interval: contacts ·
  (u ± z·se));
* cost = contacts · cost per contact;
* incremental revenue = incremental conversions · margin per conversion (same interval, scaled);
* profit = incremental revenue − cost.

"Contact everyone" is s = 1, "nobody" is zero throughout. The profit-maximising share is the one
of the grid (1 %, 2 %, …, 100 %) with the highest estimated profit among those whose top part
holds at least ``MIN_GROUP`` customers of each group (a smaller part's estimate is noise).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from analytics.validation import require_columns

MIN_GROUP = 20
TARGETING_COLUMNS = ("share", "n_treatment", "n_control", "conversions_treatment",
                     "conversions_control")
ECONOMIC_COLUMNS = ("policy", "share", "contacts", "incremental_conversions",
                    "incremental_conversions_low", "incremental_conversions_high", "cost",
                    "incremental_revenue", "incremental_revenue_low", "incremental_revenue_high",
                    "profit", "profit_low", "profit_high")
GRID = np.round(np.arange(1, 101) / 100, 2)


def uplift_per_contact(targeting: pd.DataFrame, *, alpha: float = 0.05,
                       min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Per row of ``targeting``: share, uplift (conversions contact adds per contacted
    customer) and its interval; NaN where a group has fewer than ``min_group`` customers."""
    require_columns(targeting, TARGETING_COLUMNS, "targeting counts")
    n_t = targeting["n_treatment"].to_numpy(dtype=float)
    n_c = targeting["n_control"].to_numpy(dtype=float)
    usable = (n_t >= min_group) & (n_c >= min_group)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_t = targeting["conversions_treatment"].to_numpy(dtype=float) / n_t
        p_c = targeting["conversions_control"].to_numpy(dtype=float) / n_c
        se = np.sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)
    z = stats.norm.ppf(1 - alpha / 2)
    uplift = np.where(usable, p_t - p_c, np.nan)
    return pd.DataFrame({"share": targeting["share"].to_numpy(dtype=float), "uplift": uplift,
                         "low": uplift - z * np.where(usable, se, np.nan),
                         "high": uplift + z * np.where(usable, se, np.nan)})


def _row(policy: str, share: float, population: int, uplift: tuple[float, float, float],
         cost_per_contact: float, margin: float) -> dict[str, object]:
    contacts = round(share * population)
    point, low, high = (contacts * value for value in uplift)
    cost = contacts * cost_per_contact
    return {
        "policy": policy, "share": share, "contacts": contacts,
        "incremental_conversions": point, "incremental_conversions_low": low,
        "incremental_conversions_high": high, "cost": cost,
        "incremental_revenue": point * margin, "incremental_revenue_low": low * margin,
        "incremental_revenue_high": high * margin,
        "profit": point * margin - cost, "profit_low": low * margin - cost,
        "profit_high": high * margin - cost,
    }


def _check_inputs(population: int, cost_per_contact: float, margin: float, share: float) -> None:
    for label, value in (("cost per contact", cost_per_contact),
                         ("margin per conversion", margin)):
        if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
            raise ValueError(f"{label} must be a number of at least 0, got {value!r}")
    if not (isinstance(population, int | np.integer) and population >= 0):
        raise ValueError(f"the population must be a whole number of customers, got {population!r}")
    if not 0 < share <= 1:
        raise ValueError(f"the share to contact must be above 0 % and at most 100 %, got {share}")


def best_share(targeting: pd.DataFrame, population: int, cost_per_contact: float,
               margin: float) -> float | None:
    """The grid share with the highest estimated profit (the smallest among equals); None when
    no share's estimate is usable."""
    per_contact = uplift_per_contact(targeting)
    profit = (per_contact["uplift"] * margin - cost_per_contact) * np.round(
        per_contact["share"] * population)
    if profit.isna().all():
        return None
    return float(per_contact.loc[profit.idxmax(), "share"])


def economic_table(
    targeting: pd.DataFrame, *, population: int, cost_per_contact: float,
    margin_per_conversion: float, share: float, alpha: float = 0.05,
) -> pd.DataFrame:
    """Rows: contact nobody, everyone, the top ``share`` by predicted uplift, and the
    profit-maximising share (when one is usable); columns ``ECONOMIC_COLUMNS`` (money in the
    campaign's currency). ``targeting``: held-out counts per share (``GRID`` shares,
    ``analytics.uplift.metrics.targeting_counts``)."""
    _check_inputs(population, cost_per_contact, margin_per_conversion, share)
    per_contact = uplift_per_contact(targeting, alpha=alpha).set_index("share")

    def estimate(at: float) -> tuple[float, float, float]:
        nearest = per_contact.index[np.abs(per_contact.index - at).argmin()]
        row = per_contact.loc[nearest]
        return float(row["uplift"]), float(row["low"]), float(row["high"])

    rows = [_row("Contact nobody", 0.0, population, (0.0, 0.0, 0.0), cost_per_contact,
                 margin_per_conversion),
            _row("Contact everyone", 1.0, population, estimate(1.0), cost_per_contact,
                 margin_per_conversion),
            _row(f"Top {share:.0%} by predicted uplift", share, population, estimate(share),
                 cost_per_contact, margin_per_conversion)]
    best = best_share(targeting, population, cost_per_contact, margin_per_conversion)
    if best is not None:
        rows.append(_row(f"Most profitable: top {best:.0%}", best, population, estimate(best),
                         cost_per_contact, margin_per_conversion))
    return pd.DataFrame(rows, columns=list(ECONOMIC_COLUMNS))
