"""CLV figure builders, on small frames."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.figures import title_text
from dashboard.pages.clv import figures


def test_histogram_draws_one_bar_per_bin_and_says_where_the_axis_is_clipped():
    bins = pd.DataFrame(
        {"bin_start": [0.0, 10.0, 20.0], "bin_end": [10.0, 20.0, 95.0], "customers": [5, 3, 2]}
    )
    fig = figures.histogram_figure(bins, 12)
    bar = fig.data[0]
    assert list(bar.y) == [5, 3, 2]
    assert list(bar.x) == [5.0, 15.0, 25.0]  # equal widths; the last bin holds the tail
    assert "99th percentile" in title_text(fig) and "95.00" in title_text(fig)
    assert "next 12 months" in title_text(fig)
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
    fig = figures.holdout_figure(chart, 56, "mbg_nbd")
    assert [t.name for t in fig.data] == [
        "Actual", "MBG/NBD prediction", "Naive baseline (past rate)"
    ]
    assert list(fig.data[1].y) == [0.1, 0.5, 3.0]
    assert list(fig.data[2].x) == ["0", "1", "7+"]
    assert "56-day holdout" in title_text(fig)


MATRIX = pd.DataFrame(
    {
        "frequency_bucket": [0, 1, 1],
        "frequency_label": ["0", "1", "1"],
        "days_start": [0, 0, 10],
        "days_end": [9, 9, 19],
        "customers": [30, 4, 6],
        "mean_p_alive": [1.0, 0.4, 0.8],
    }
)


def test_p_alive_heatmap_places_each_cell_by_frequency_and_days_since_purchase():
    heat = figures.p_alive_figure(MATRIX, "mbg_nbd").data[0]
    assert list(heat.y) == ["0", "1"] and list(heat.x) == ["0–9", "10–19"]
    assert heat.z[1][1] == pytest.approx(0.8)
    assert pd.isna(heat.z[0][1])  # no customer in that cell
    assert heat.customdata[1][0] == 4


def test_p_alive_heatmap_says_what_the_model_does_with_one_time_buyers():
    assert "100% by construction" in title_text(figures.p_alive_figure(MATRIX, "bg_nbd"))
    mbg = title_text(figures.p_alive_figure(MATRIX, "mbg_nbd"))
    assert "MBG/NBD estimate" in mbg and "by construction" not in mbg
