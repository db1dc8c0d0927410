"""The board's figure builders: who each rule reaches, a campaign's lift."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.pages.board import (
    figures,
)


def test_audience_figure_draws_matched_and_reached_bars_per_rule_top_priority_first() -> None:
    rules = pd.DataFrame({"priority": [1, 2], "name": ["A", "B"], "enabled": [True, False],
                          "count_matched": [50, 30], "count_won": [50, 0],
                          "count_shadowed": [0, 30]})
    fig = figures.audience_figure(rules)
    matched, won = fig.data
    assert list(matched.y) == ["2. B (disabled)", "1. A"]  # horizontal bars: last is on top
    assert list(matched.x) == [30, 50] and list(won.x) == [0, 50]
    assert fig.layout.xaxis.title.text == "Customers"


def test_lift_figure_draws_each_metric_with_its_confidence_interval() -> None:
    results = pd.DataFrame({
        "metric": ["conversion", "gmv_per_customer"],
        "abs_lift": [0.02, -5.0], "abs_ci_low": [0.01, -8.0], "abs_ci_high": [0.03, 1.0],
        "rel_lift": [0.2, -0.1], "p_value": [0.01, 0.3],
        "control_mean": [0.1, 50.0], "treatment_mean": [0.12, 45.0],
    })
    fig = figures.lift_figure(results)
    conversion, revenue = fig.data
    assert conversion.x[0] == pytest.approx(2.0)  # percentage points
    assert conversion.error_x.array[0] == pytest.approx(1.0)
    assert conversion.error_x.arrayminus[0] == pytest.approx(1.0)
    assert conversion.marker.color == figures.UP  # the interval is above 0
    assert revenue.marker.color == figures.FLAT  # the interval crosses 0
    assert (revenue.error_x.array[0], revenue.error_x.arrayminus[0]) == (6.0, 3.0)


def test_figures_explain_why_they_are_empty() -> None:
    assert "No rules yet" in figures.audience_figure(pd.DataFrame(
        columns=["priority", "name", "enabled", "count_matched", "count_won", "count_shadowed"]
    )).layout.annotations[0].text
    empty = pd.DataFrame(columns=["metric", "abs_lift", "abs_ci_low", "abs_ci_high"])
    assert figures.lift_figure(empty).layout.annotations[0].text == "No measured results yet."
