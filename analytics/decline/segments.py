"""Risk × profit: which customers to keep first, and what each group costs if it leaves.

Customers are split by decline risk into low (< 0.4), medium (0.4–0.7, both edges included) and
high (> 0.7), and by monthly profit into high (at or above the threshold; by default the median of
the scored customers) and low. Each of the six groups gets its size, the revenue at stake (the
group's monthly revenue: each customer's mean over the months the profile holds), the
risk-weighted revenue (Σ risk × monthly revenue) and its main reasons (the three features with the
largest mean risk-raising contribution in the group).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.decline.contract import KEY, REVENUE_MONTHS, feature_label

LOW, MEDIUM, HIGH = "low", "medium", "high"
RISK_BANDS = (LOW, MEDIUM, HIGH)
PROFIT_BANDS = (HIGH, LOW)
MAIN_REASONS = 3


@dataclass(frozen=True)
class Bands:
    """Where the risk bands split (low < ``medium_from`` ≤ medium ≤ ``high_above`` < high) and
    the profit threshold (None: the median profit of the scored customers)."""

    medium_from: float = 0.4
    high_above: float = 0.7
    profit_threshold: float | None = None

    def __post_init__(self) -> None:
        if not 0 < self.medium_from < self.high_above < 1:
            raise ValueError("risk bands need 0 < medium_from < high_above < 1, got "
                             f"{self.medium_from} and {self.high_above}")


def risk_band(risk: pd.Series, bands: Bands = Bands()) -> pd.Series:
    """'low', 'medium' or 'high' for each probability."""
    values = np.select([risk > bands.high_above, risk >= bands.medium_from], [HIGH, MEDIUM], LOW)
    return pd.Series(values, index=risk.index, name="risk_band")


def profit_threshold(profit: pd.Series, bands: Bands = Bands()) -> float:
    """The profit from which a customer counts as high profit."""
    if bands.profit_threshold is not None:
        return float(bands.profit_threshold)
    return float(profit.median())


def profit_band(profit: pd.Series, threshold: float) -> pd.Series:
    """'high' at or above ``threshold``, else 'low' (a missing profit counts as low)."""
    return pd.Series(np.where(profit >= threshold, HIGH, LOW), index=profit.index,
                     name="profit_band")


def monthly_revenue(profile: pd.DataFrame) -> pd.Series:
    """Each customer's mean revenue over the months the profile holds (0 without any)."""
    months = [c for c in REVENUE_MONTHS if c in profile.columns]
    if not months:
        return pd.Series(0.0, index=profile.index, name="monthly_revenue")
    return profile[months].mean(axis=1).fillna(0.0).rename("monthly_revenue")


def decline_groups(scored: pd.DataFrame, contributions: pd.DataFrame) -> pd.DataFrame:
    """The six risk × profit groups (empty ones included).

    ``scored``: customer_id, decline_risk, risk_band, profit_band, monthly_revenue.
    ``contributions``: customer_id, feature, contribution (``explain.contributions``).
    Columns: risk_band, profit_band, customers, share, mean_risk, revenue_amount,
    revenue_at_risk_amount, main_reasons (labels, comma-separated).
    """
    positive = contributions.assign(contribution=contributions["contribution"].clip(lower=0))
    positive = positive.merge(scored[[KEY, "risk_band", "profit_band"]], on=KEY)
    reasons = (positive.groupby(["risk_band", "profit_band", "feature"])["contribution"].mean()
               .reset_index())
    rows = []
    total = max(len(scored), 1)
    for risk in RISK_BANDS:
        for profit in PROFIT_BANDS:
            group = scored[(scored["risk_band"] == risk) & (scored["profit_band"] == profit)]
            mine = reasons[(reasons["risk_band"] == risk) & (reasons["profit_band"] == profit)
                           & (reasons["contribution"] > 0)]
            top = mine.nlargest(MAIN_REASONS, "contribution")["feature"].map(feature_label)
            rows.append({
                "risk_band": risk,
                "profit_band": profit,
                "customers": len(group),
                "share": len(group) / total,
                "mean_risk": float(group["decline_risk"].mean()) if len(group) else np.nan,
                "revenue_amount": float(group["monthly_revenue"].sum()),
                "revenue_at_risk_amount": float((group["decline_risk"]
                                                 * group["monthly_revenue"]).sum()),
                "main_reasons": ", ".join(top),
            })
    return pd.DataFrame(rows)
