"""CLV figure builders, on small frames."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.pages.clv import figures


def test_histogram_draws_one_bar_per_bin_and_says_where_the_axis_is_clipped():
    bins = pd.DataFrame(
        {"bin_start": [0.0, 10.0, 20.0], "bin_end": [10.0, 20.0, 95.0], "customers": [5, 3, 2]}
    )
    fig = figures.histogram_figure(bins, 12)
    bar = fig.data[0]
    assert list(bar.y) == [5, 3, 2]
    assert list(bar.x) == [5.0, 15.0, 25.0]  # equal widths; the last bin holds the tail
    assert "99th percentile" in fig.layout.title.text and "95.00" in fig.layout.title.text
    assert "next 12 months" in fig.layout.title.text
    assert fig.layout.xaxis.title.text == "CLV (shop currency)"


def test_holdout_chart_compares_actual_prediction_and_baseline_per_bucket():
    chart = pd.DataFrame(
        {
            "frequency_label": ["0", "1", "7+"],
            "customers": [50, 20, 3],
            "predicted_mean": [0.1, 0.5, 3.0],
            "actual_mean": [0.2, 0.4, 2.5],
            "baseline_mean": [0.0, 0.9, 4.0],
        }
    )
    fig = figures.holdout_figure(chart, 56)
    assert [t.name for t in fig.data] == [
        "Actual", "BG/NBD prediction", "Naive baseline (past rate)"
    ]
    assert list(fig.data[1].y) == [0.1, 0.5, 3.0]
    assert list(fig.data[2].x) == ["0", "1", "7+"]
    assert "56-day holdout" in fig.layout.title.text


def test_p_alive_heatmap_places_each_cell_by_frequency_and_recency():
    matrix = pd.DataFrame(
        {
            "frequency_bucket": [0, 1, 1],
            "frequency_label": ["0", "1", "1"],
            "recency_start_days": [0, 0, 10],
            "recency_end_days": [9, 9, 19],
            "customers": [30, 4, 6],
            "mean_p_alive": [1.0, 0.4, 0.8],
        }
    )
    heat = figures.p_alive_figure(matrix).data[0]
    assert list(heat.y) == ["0", "1"] and list(heat.x) == ["0–9", "10–19"]
    assert heat.z[1][1] == pytest.approx(0.8)
    assert pd.isna(heat.z[0][1])  # no customer in that cell
    assert heat.customdata[1][0] == 4
