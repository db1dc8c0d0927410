"""The Daily list page's figures from hand-made frames."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.pages.daily_list import figures


def test_the_pva_figure_cumulates_expected_and_actual_buyers_down_the_list() -> None:
    rows = pd.DataFrame({"list_rank": [2, 1, 3], "conversion_probability": [0.3, 0.5, 0.2],
                         "is_converted": [False, True, True]})
    fig = go.Figure(figures.pva_figure(rows, "2015-09-10"))  # Plotly accepts the plain dict
    expected, actual = fig.data
    assert list(expected.x) == [1, 2, 3]
    np.testing.assert_allclose(expected.y, [0.5, 0.8, 1.0])
    assert list(actual.y) == [1, 1, 2]
    assert "2015-09-10" in fig.layout.title.text
    assert fig.layout.template.layout.plot_bgcolor == "white"


def test_the_backtest_figure_pairs_model_and_formula_per_day_without_the_total() -> None:
    days = pd.DataFrame({
        "strategy": ["window", "window", "window", "partial_fit"],
        "report_date": ["2015-09-10", "2015-09-11", "total", "2015-09-10"],
        "model_conversions": [3.0, 4.0, 7.0, 9.0],
        "baseline_conversions": [1.5, 2.0, 3.5, 1.5],
    })
    fig = figures.backtest_figure(days, "window", 250)
    model, formula = fig.data
    assert list(model.x) == ["2015-09-10", "2015-09-11"]
    assert list(model.y) == [3.0, 4.0] and list(formula.y) == [1.5, 2.0]
    assert "top 250" in fig.layout.title.text


def test_the_reliability_figure_draws_the_observed_rate_against_the_diagonal() -> None:
    table = pd.DataFrame({"strategy": ["window"] * 3, "mean_predicted": [0.01, 0.02, 0.05],
                          "observed_rate": [0.012, np.nan, 0.04], "customers": [10, 0, 12]})
    fig = figures.reliability_figure(table, "window")
    diagonal, model = fig.data
    assert list(model.x) == [0.01, 0.05]  # the empty bin is left out
    assert diagonal.x[1] == diagonal.y[1] == 0.05 * 1.05


def test_the_history_keeps_the_last_ninety_days() -> None:
    days = pd.date_range("2015-05-01", "2015-09-18", freq="D")
    history = pd.DataFrame({"report_date": days.date, "candidates": 100, "buyers": 1.0,
                            "conversion_rate": 0.01})
    fig = figures.history_figure(history, 3)
    visitors = fig.data[0]
    assert len(visitors.x) == 90 and str(visitors.x[0]) == "2015-06-21"
    assert fig.data[1].name == "Bought within 3 days"


def test_empty_frames_give_a_figure_that_says_why() -> None:
    empty = pd.DataFrame(columns=["list_rank", "conversion_probability", "is_converted"])
    assert figures.pva_figure(empty, "2015-09-10")["layout"]["annotations"][0]["text"] == \
        "The list was empty"
    assert figures.history_figure(pd.DataFrame(), 3).layout.annotations[0].text == \
        "No report date yet"
