"""Segments page figure builders, on small frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.pages.segments import figures

# --- figure builders ---------------------------------------------------------------------------

OVERVIEW = pd.DataFrame(
    {
        "segment": ["Champions", "Lost", "Cart Abandoners", "Browsers"],
        "segment_kind": ["rfm", "rfm", "behavioural", "behavioural"],
        "description": ["a", "b", "c", "d"],
        "customers": [10, 30, 40, 20],
        "gmv_amount": [600.0, 400.0, 0.0, 0.0],
        "gmv_share": [0.6, 0.4, 0.0, 0.0],
        "avg_clv_amount": [200.0, 20.0, np.nan, np.nan],
        "avg_p_alive": [0.9, 0.3, np.nan, np.nan],
    }
)


def _treemap(fig):
    return next(trace for trace in fig.data if trace.type == "treemap")


def _node(trace, name: str) -> int:
    return list(trace.ids).index(name)


def test_treemap_holds_every_segment_under_its_group_sized_by_customers():
    trace = _treemap(figures.treemap_figure(OVERVIEW, "customers"))
    for segment, kind, customers in OVERVIEW[["segment", "segment_kind", "customers"]].values:
        i = _node(trace, segment)
        assert trace.values[i] == customers
        assert trace.parents[i] == figures.PARENT_OF_KIND[kind]
    assert trace.values[_node(trace, figures.BUYERS_PARENT)] == 40
    assert trace.values[_node(trace, figures.NON_BUYERS_PARENT)] == 60
    assert trace.values[_node(trace, figures.ROOT)] == 100
    assert trace.branchvalues == "total"


def test_treemap_sized_by_gmv_gives_non_buyers_no_area():
    fig = figures.treemap_figure(OVERVIEW, "gmv_amount")
    trace = _treemap(fig)
    assert trace.values[_node(trace, "Champions")] == 600.0
    assert trace.values[_node(trace, figures.NON_BUYERS_PARENT)] == 0.0
    assert "non-buyers have no GMV" in fig.layout.title.text


def test_treemap_hover_gives_counts_shares_clv_and_p_alive():
    trace = _treemap(figures.treemap_figure(OVERVIEW, "customers"))
    champions = list(trace.customdata[_node(trace, "Champions")])
    assert champions[:6] == ["10", "10.0%", "600.00", "60.0%", "200.00", "90.0%"]
    abandoners = list(trace.customdata[_node(trace, "Cart Abandoners")])
    assert abandoners[:4] == ["40", "40.0%", "0.00", "0.0%"]
    assert abandoners[4:6] == ["none (non-buyers)", "none (non-buyers)"]
    # A group's averages weigh its segments by customers: (10·200 + 30·20) / 40.
    buyers = list(trace.customdata[_node(trace, figures.BUYERS_PARENT)])
    assert buyers[4] == "65.00"


def test_treemap_colours_buyers_by_clv_and_non_buyers_grey_with_a_clv_colour_bar():
    fig = figures.treemap_figure(OVERVIEW, "customers")
    trace = _treemap(fig)
    colours = {name: trace.marker.colors[_node(trace, name)] for name in OVERVIEW["segment"]}
    assert colours["Cart Abandoners"] == colours["Browsers"] == figures.NO_CLV_COLOUR
    assert colours["Champions"] != colours["Lost"]
    assert figures.NO_CLV_COLOUR not in (colours["Champions"], colours["Lost"])
    bar = next(trace for trace in fig.data if trace.name == "CLV scale")
    assert (bar.marker.cmin, bar.marker.cmax) == (20.0, 200.0)


def test_treemap_without_any_clv_says_so_and_has_no_colour_bar():
    fig = figures.treemap_figure(OVERVIEW.assign(avg_clv_amount=np.nan), "customers")
    assert [trace.type for trace in fig.data] == ["treemap"]
    assert "not computed" in fig.layout.title.text


def test_treemap_rejects_an_unknown_size():
    with pytest.raises(ValueError, match="size_by"):
        figures.treemap_figure(OVERVIEW, "clv_amount")


def test_rf_heatmap_is_5_by_5_with_each_count_in_its_cell():
    cells = pd.DataFrame(
        {
            "r_score": [5, 1, 3],
            "f_score": [1, 1, 5],
            "customers": [7, 4, 2],
            "avg_monetary_amount": [10.0, 20.0, 30.0],
        }
    )
    fig = figures.rf_heatmap_figure(cells)
    z = np.asarray(fig.data[0].z)
    assert z.shape == (5, 5)
    assert list(fig.data[0].x) == list(fig.data[0].y) == [1, 2, 3, 4, 5]
    assert (z[4, 0], z[0, 0], z[2, 4]) == (7, 4, 2)  # row = R score − 1, column = F score − 1
    assert z.sum() == 13
    assert "F concentrates" in fig.layout.title.text


def test_score_distribution_has_three_panels_and_explains_non_buyers():
    counts = pd.DataFrame(
        {
            "score": np.repeat(["r_score", "f_score", "m_score"], 5),
            "score_value": np.tile(np.arange(1, 6), 3),
            "customers": np.arange(15),
        }
    )
    fig = figures.score_distribution_figure(counts, "Lost")
    assert [list(bar.y) for bar in fig.data] == [
        [0, 1, 2, 3, 4],
        [5, 6, 7, 8, 9],
        list(range(10, 15)),
    ]
    empty = figures.score_distribution_figure(counts.assign(customers=0), "Browsers")
    assert "Non-buyers have no RFM scores" in empty.layout.annotations[0].text


def test_cluster_scatter_uses_log_axes_only_for_positive_skewed_features():
    sample = pd.DataFrame(
        {
            "customer_id": ["1", "2", "3"],
            "x": [10.0, 200.0, 3000.0],
            "y": [0.0, 1.0, 5.0],
            "cluster_id": [0, 0, 1],
            "cluster_name": ["Typical", "Typical", "High spend"],
        }
    )
    fig = figures.cluster_scatter_figure(sample, "monetary_amount", "count_cart_adds")
    assert fig.layout.xaxis.type == "log" and "(log scale)" in fig.layout.xaxis.title.text
    assert fig.layout.yaxis.type == "linear"  # a zero cannot sit on a log axis
    assert [trace.name for trace in fig.data] == ["Typical", "High spend"]


def test_cluster_score_figures_mark_the_chosen_k():
    scores = pd.DataFrame(
        {
            "method": ["kmeans", "kmeans", "gmm", "gmm"],
            "k": [2, 3, 2, 3],
            "silhouette": [0.5, 0.6, 0.4, 0.3],
            "bic": [np.nan, np.nan, 100.0, 80.0],
            "inertia": [9.0, 7.0, np.nan, np.nan],
            "is_chosen": [False, True, False, False],
        }
    )
    silhouette = figures.cluster_score_figure(scores, "silhouette")
    star = next(trace for trace in silhouette.data if trace.name == "chosen")
    assert (list(star.x), list(star.y)) == ([3], [0.6])
    assert "chosen: K-Means, k = 3" in silhouette.layout.title.text
    bic = figures.cluster_score_figure(scores, "bic")
    assert [trace.name for trace in bic.data] == ["Gaussian mixture"]  # K-Means has no BIC
    assert bic.layout.shapes[0].x0 == 3
