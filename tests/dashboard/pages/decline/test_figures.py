"""The Decline risk page's figures on hand-made frames: what is drawn where."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.pages.decline import figures

FAMILIES = pd.DataFrame({
    "family": ["logistic_regression", "knn"], "label": ["Logistic regression", "k-NN"],
    "candidates": [3, 2], "cv_mean": [0.9, 0.92], "cv_sd": [0.01, 0.02],
    "test_roc_auc": [0.93, 0.91], "explainable": [True, False], "is_chosen": [True, False],
    "params": ["C=1", "n_neighbors=5"], "fit_seconds": [0.1, 0.1],
})
CONTRIBUTIONS = pd.DataFrame({
    "feature": [f"f{i}" for i in range(12)], "label": [f"feature {i}" for i in range(12)],
    "value": [str(i) for i in range(12)],
    "contribution": [1.0, -0.8, 0.5, -0.4, 0.3, 0.2, -0.1, 0.05, 0.04, -0.03, 0.02, 0.01],
    "rank": list(range(1, 13)),
})


def test_the_family_chart_marks_the_chosen_family_and_both_scores() -> None:
    fig = figures.families_figure(FAMILIES)
    bars, tests = fig.data
    assert list(bars.y) == ["Logistic regression ✓", "k-NN"]  # sorted by CV, best last
    assert list(bars.x) == [0.9, 0.92] and list(bars.error_x.array) == [0.01, 0.02]
    assert list(bars.marker.color) == [figures.CHOSEN, figures.UNEXPLAINABLE]
    assert list(tests.x) == [0.93, 0.91]
    assert any(str(figures.PUBLISHED_BAR) in a.text for a in fig.layout.annotations)


def test_the_waterfall_walks_from_the_base_value_to_the_customers_output() -> None:
    base, output = -0.5, -0.5 + CONTRIBUTIONS["contribution"].sum()
    fig = figures.waterfall_figure(CONTRIBUTIONS, base, output, "log-odds", "c1", 0.7)
    waterfall = fig["data"][0]
    assert waterfall["measure"][0] == "absolute" and waterfall["measure"][-1] == "total"
    assert len(waterfall["y"]) == 1 + figures.WATERFALL_FEATURES + 1
    assert waterfall["y"][1] == "feature 0 = 0" and waterfall["y"][-2] == "3 other features"
    assert waterfall["x"][-2] == pytest.approx(-0.03 + 0.02 + 0.01)
    assert base + sum(waterfall["x"][1:-1]) == pytest.approx(output) == waterfall["x"][-1]
    assert "risk is 70%" in fig["layout"]["title"]["text"]
    go.Figure(fig)  # a valid figure


def test_the_beeswarm_draws_one_point_per_customer_and_feature_in_importance_order() -> None:
    points = pd.DataFrame({
        "feature": ["a", "a", "b", "b", "c", "c"], "label": ["A", "A", "B", "B", "C", "C"],
        "contribution": [0.5, -0.5, 0.1, 0.1, 0.2, -0.1], "value": ["1", "2", "x", "x", "3", "4"],
        "value_scaled": [1.0, 0.5, np.nan, np.nan, 0.5, 1.0],
        "customer_id": ["1", "2", "1", "2", "1", "2"],
    })
    importance = pd.DataFrame({"feature": ["a", "c", "b"], "label": ["A", "C", "B"]})
    fig = figures.beeswarm_figure(points, importance, "log-odds")
    numbers, categories = fig.data
    assert len(numbers.x) == 4 and len(categories.x) == 2
    assert list(fig.layout.yaxis.ticktext) == ["B", "C", "A"]  # most important on top
    assert np.all(np.abs(np.asarray(categories.y) - 0) <= 0.42)  # B's row is 0
    assert sorted(np.round(categories.y, 3)) == [-0.035, 0.0]  # two equal values spread apart


def test_the_risk_profit_map_has_six_cells_high_risk_on_top() -> None:
    groups = pd.DataFrame([
        {"risk_band": r, "profit_band": p, "customers": 10 * i, "share": 0.1,
         "revenue_amount": 100.0 * i, "revenue_at_risk_amount": 10.0 * i, "main_reasons": "x"}
        for i, (r, p) in enumerate([(r, p) for r in ("low", "medium", "high")
                                    for p in ("high", "low")])])
    heatmap = figures.risk_profit_figure(groups, 0.4, 0.7).data[0]
    assert list(heatmap.y) == ["high risk (> 0.7)", "medium (0.4–0.7)", "low risk (< 0.4)"]
    assert list(heatmap.z[0]) == [40.0, 50.0]
    assert "<b>40 customers</b>" in heatmap.text[0][0]


def test_empty_frames_give_charts_that_say_why() -> None:
    empty = pd.DataFrame()
    for fig in (figures.families_figure(empty),
                figures.importance_figure(empty, "log-odds"),
                figures.beeswarm_figure(empty, empty, "log-odds"),
                figures.risk_profit_figure(empty, 0.4, 0.7)):
        assert fig.layout.annotations[0].text.startswith("No ")
