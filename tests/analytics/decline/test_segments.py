"""Risk × profit groups: bands at their edges, the profit split, and each group's figures."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.decline.segments import (
    Bands,
    decline_groups,
    monthly_revenue,
    profit_band,
    profit_threshold,
    risk_band,
)


def test_risk_bands_split_at_the_stated_probabilities() -> None:
    risk = pd.Series([0.0, 0.3999, 0.4, 0.55, 0.7, 0.7001, 1.0])
    assert risk_band(risk).tolist() == ["low", "low", "medium", "medium", "medium", "high",
                                        "high"]
    assert risk_band(risk, Bands(0.3, 0.5)).tolist() == ["low", "medium", "medium", "high",
                                                         "high", "high", "high"]


def test_bands_must_be_ordered_inside_zero_and_one() -> None:
    with pytest.raises(ValueError, match="0 < medium_from < high_above < 1"):
        Bands(0.7, 0.4)


def test_profit_splits_at_the_median_unless_a_threshold_is_set() -> None:
    profit = pd.Series([1.0, 2.0, 3.0, 4.0, None])
    assert profit_threshold(profit) == 2.5
    assert profit_band(profit, 2.5).tolist() == ["low", "low", "high", "high", "low"]
    assert profit_threshold(profit, Bands(profit_threshold=4.0)) == 4.0


def test_monthly_revenue_is_the_mean_of_the_months_held() -> None:
    profile = pd.DataFrame({"revenue_current_month": [30.0, None],
                            "revenue_previous_month": [10.0, None],
                            "revenue_earlier_month": [20.0, 5.0]})
    assert monthly_revenue(profile).tolist() == [20.0, 5.0]


def test_groups_count_customers_revenue_at_stake_and_main_reasons() -> None:
    scored = pd.DataFrame({
        "customer_id": ["a", "b", "c", "d"],
        "decline_risk": [0.9, 0.8, 0.1, 0.5],
        "risk_band": ["high", "high", "low", "medium"],
        "profit_band": ["high", "high", "low", "low"],
        "monthly_revenue": [100.0, 50.0, 10.0, 40.0],
    })
    contributions = pd.DataFrame({
        "customer_id": ["a", "a", "b", "b", "c", "d"],
        "feature": ["promotion_share", "pages_per_visit"] * 2 + ["pages_per_visit",
                                                                 "promotion_share"],
        "contribution": [0.5, 0.1, 0.3, -0.2, -0.4, 0.2],
    })
    groups = decline_groups(scored, contributions).set_index(["risk_band", "profit_band"])
    assert len(groups) == 6 and groups["customers"].sum() == 4
    high = groups.loc[("high", "high")]
    assert high["customers"] == 2 and high["share"] == 0.5
    assert high["revenue_amount"] == 150.0
    assert high["revenue_at_risk_amount"] == pytest.approx(0.9 * 100 + 0.8 * 50)
    assert high["main_reasons"] == "promotion share, pages per visit"
    assert groups.loc[("low", "low"), "main_reasons"] == ""  # nothing raises its risk
    assert groups.loc[("medium", "high"), "customers"] == 0
