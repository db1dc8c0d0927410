"""Segments page figure builders, on small frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.figures import title_text
from dashboard.pages.segments import figures

# --- figure builders ---------------------------------------------------------------------------

OVERVIEW = pd.DataFrame(
    {
        "segment": ["Champions", "Lost", "Cart Abandoners", "Browsers"],
        "segment_kind": ["rfm", "rfm", "behavioural", "behavioural"],
        "description": ["a", "b", "c", "d"],
        "customers": [10, 30, 40, 960],
        "gmv_amount": [600.0, 400.0, 0.0, 0.0],
        "gmv_share": [0.6, 0.4, 0.0, 0.0],
        "avg_clv_amount": [200.0, 20.0, np.nan, np.nan],
        "avg_p_alive": [0.9, 0.3, np.nan, np.nan],
        "avg_count_views": [12.0, 3.0, 6.0, 1.0],
    }
)


def _treemap(fig):
    return next(trace for trace in fig.data if trace.type == "treemap")


def _node(trace, name: str) -> int:
    return list(trace.ids).index(name)


def test_buyers_treemap_holds_only_buyer_segments_sized_by_customers():
    """Sized with the 960 browsers, Champions would get 1 % of the area; alone, a quarter."""
    trace = _treemap(figures.treemap_figure(OVERVIEW, "buyers", "customers"))
    root = figures.VIEWS["buyers"][1]
    assert list(trace.ids) == [root, "Champions", "Lost"]
    assert list(trace.values) == [40, 10, 30]
    assert list(trace.parents) == ["", root, root]
    assert trace.branchvalues == "total"


def test_visitors_treemap_holds_the_behavioural_segments_and_never_sizes_by_gmv():
    fig = figures.treemap_figure(OVERVIEW, "visitors", "gmv_amount")
    trace = _treemap(fig)
    assert list(trace.ids)[1:] == ["Cart Abandoners", "Browsers"]
    assert list(trace.values) == [1000, 40, 960]
    assert "sized by number of customers" in title_text(fig)


def test_treemap_sized_by_gmv_sizes_buyer_segments_by_their_gmv():
    trace = _treemap(figures.treemap_figure(OVERVIEW, "buyers", "gmv_amount"))
    assert trace.values[_node(trace, "Champions")] == 600.0


def test_shares_are_of_the_view_s_own_customers():
    buyers = _treemap(figures.treemap_figure(OVERVIEW, "buyers"))
    champions = list(buyers.customdata[_node(buyers, "Champions")])
    assert champions[:6] == ["10", "25.0%", "600.00", "60.0%", "200.00", "90.0%"]  # 10 of 40
    assert "of buyers" in buyers.hovertemplate
    visitors = _treemap(figures.treemap_figure(OVERVIEW, "visitors"))
    abandoners = list(visitors.customdata[_node(visitors, "Cart Abandoners")])
    assert abandoners[:2] == ["40", "4.0%"]  # 40 of 1,000 visitors
    assert "of visitors who never bought" in visitors.hovertemplate


def test_treemap_colour_follows_a_figure_shown_on_a_colour_bar():
    buyers = figures.treemap_figure(OVERVIEW, "buyers")
    trace = _treemap(buyers)
    colours = {name: trace.marker.colors[_node(trace, name)] for name in ("Champions", "Lost")}
    assert colours["Champions"] != colours["Lost"]
    bar = next(t for t in buyers.data if t.name == "colour scale")
    assert (bar.marker.cmin, bar.marker.cmax) == (20.0, 200.0)
    assert bar.marker.colorbar.title.text == "Avg CLV"
    visitors = figures.treemap_figure(OVERVIEW, "visitors")
    bar = next(t for t in visitors.data if t.name == "colour scale")
    assert (bar.marker.cmin, bar.marker.cmax) == (1.0, 6.0)
    assert bar.marker.colorbar.title.text == "Views per visitor"


def test_treemap_without_any_clv_says_so_and_has_no_colour_bar():
    fig = figures.treemap_figure(OVERVIEW.assign(avg_clv_amount=np.nan), "buyers")
    assert [trace.type for trace in fig.data] == ["treemap"]
    assert "not computed" in title_text(fig)


def test_treemap_rejects_an_unknown_size_or_view():
    with pytest.raises(ValueError, match="size_by"):
        figures.treemap_figure(OVERVIEW, "buyers", "clv_amount")
    with pytest.raises(ValueError, match="view"):
        figures.treemap_figure(OVERVIEW, "everyone")


def test_rf_heatmap_has_a_column_per_number_of_orders_and_explains_ties():
    cells = pd.DataFrame(
        [(r, o, "5+" if o == 5 else str(o), 0, np.nan) for r in range(1, 6) for o in range(1, 6)],
        columns=["r_score", "orders", "orders_label", "customers", "avg_monetary_amount"],
    )
    counts = {(5, 1): 700, (1, 1): 40, (3, 2): 9, (4, 5): 2}
    for (r, o), n in counts.items():
        cells.loc[(cells["r_score"] == r) & (cells["orders"] == o), "customers"] = n
    fig = figures.rf_heatmap_figure(cells)
    heat = fig.data[0]
    assert list(heat.x) == ["1", "2", "3", "4", "5+"] and list(heat.y) == [1, 2, 3, 4, 5]
    shown = np.asarray(heat.text)
    for (r, o), n in counts.items():
        assert shown[r - 1, o - 1] == f"{n:,}"
    assert (shown == "0").sum() == 25 - len(counts)
    # log colour: 2 buyers are visibly coloured beside 700 (log10 2 ≈ 0.3 of log10 700 ≈ 2.85)
    assert np.asarray(heat.z)[3, 4] == pytest.approx(np.log10(2))
    assert "share a score" in title_text(fig)


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


SCORES = pd.DataFrame(
    {
        "method": ["kmeans", "kmeans", "gmm", "gmm"],
        "k": [3, 4, 3, 4],
        "silhouette": [0.5, 0.6, 0.4, 0.7],
        "bic": [np.nan, np.nan, 100.0, 80.0],
        "inertia": [9.0, 7.0, np.nan, np.nan],
        "smallest_share": [0.1, 0.05, 0.08, 0.01],
        "is_chosen": [False, True, False, False],
    }
)


def test_cluster_score_figures_mark_the_chosen_k_and_the_ineligible_solutions():
    silhouette = figures.cluster_score_figure(SCORES, "silhouette")
    star = next(trace for trace in silhouette.data if trace.name == "chosen")
    assert (list(star.x), list(star.y)) == ([4], [0.6])
    assert "Chosen: K-Means, k = 4" in title_text(silhouette)
    mixture = next(trace for trace in silhouette.data if trace.name == "Gaussian mixture")
    # k = 4 has a cluster of 1 % of buyers: the highest silhouette, but not eligible
    assert list(mixture.marker.symbol) == ["circle", "circle-open"]
    bic = figures.cluster_score_figure(SCORES, "bic")
    assert [trace.name for trace in bic.data] == ["Gaussian mixture"]  # K-Means has no BIC
    assert bic.layout.shapes[0].x0 == 4
    assert "for information only" in title_text(bic)
    assert "lower is better" not in title_text(bic)
