"""Multicollinearity and leakage checks on hand-made columns with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.decline.checks import (
    correlated_pairs,
    feature_checks,
    single_feature_auc,
    variance_inflation,
)


@pytest.fixture
def columns() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=500), rng.normal(size=500)
    return pd.DataFrame({"pages_per_visit": a, "tenure_days": b,
                         "minutes_current_month": a + 0.1 * rng.normal(size=500)})


def test_the_variance_inflation_factor_is_one_over_one_minus_r_squared(columns) -> None:
    vif = variance_inflation(columns)
    assert vif["tenure_days"] == pytest.approx(1.0, abs=0.02)
    # minutes = pages + noise of sd 0.1: R² of each on the other ≈ 1 / 1.01
    r = np.corrcoef(columns["pages_per_visit"], columns["minutes_current_month"])[0, 1]
    assert vif["pages_per_visit"] == pytest.approx(1 / (1 - r**2), rel=0.02)


def test_pairs_correlated_above_the_threshold_are_listed(columns) -> None:
    pairs = correlated_pairs(columns)
    assert pairs[["feature_a", "feature_b"]].values.tolist() == [
        ["pages_per_visit", "minutes_current_month"]]


def test_a_column_equal_to_the_label_reaches_an_auc_of_one_and_is_a_leak() -> None:
    y = pd.Series([0, 1] * 50)
    features = pd.DataFrame({"service_errors": y * 3.0,
                             "pages_per_visit": np.arange(100.0) % 7,
                             "service_type": np.where(y == 1, "premium", "standard")})
    auc = single_feature_auc(features, y)
    assert auc["service_errors"] == 1.0 and auc["service_type"] == 1.0
    assert auc["pages_per_visit"] < 0.6
    checks = feature_checks(features, y).set_index("feature")
    assert checks["is_leak"].to_dict() == {"service_errors": True, "pages_per_visit": False,
                                           "service_type": True}
