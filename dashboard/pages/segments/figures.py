"""Figures of the Segments page. Inputs are the frames of ``warehouse.queries.segments`` and
``warehouse.queries.clusters``; money is in the shop's currency units."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from dashboard import formatting
from dashboard.figures import empty_figure

ROOT = "All customers"
BUYERS_PARENT = "Buyers (RFM)"
NON_BUYERS_PARENT = "Non-buyers (behaviour)"
PARENT_OF_KIND = {"rfm": BUYERS_PARENT, "behavioural": NON_BUYERS_PARENT}
SIZE_BY = {"customers": "number of customers", "gmv_amount": "GMV"}
CLV_SCALE = "Blues"
NO_CLV_COLOUR = "#d5d8dc"  # non-buyers, and buyers when the snapshot has no CLV
GROUP_COLOUR = "#ecf0f1"
SCORE_TITLES = {
    "r_score": "Recency score (5 = most recent)",
    "f_score": "Frequency score (5 = most orders)",
    "m_score": "Monetary score (5 = highest spend)",
}
FEATURE_LABELS = {
    "recency_days": "Days since last purchase",
    "frequency": "Orders",
    "monetary_amount": "Spend (shop currency)",
    "count_views": "Item views",
    "count_cart_adds": "Cart adds",
    "cart_to_purchase_ratio": "Orders per cart add",
    "avg_basket_size": "Items per order",
}
# Right-skewed features drawn on a log axis, when every plotted value is positive.
LOG_FEATURES = frozenset({"frequency", "monetary_amount", "count_views", "count_cart_adds"})
METHOD_NAMES = {"kmeans": "K-Means", "gmm": "Gaussian mixture"}


def _treemap_nodes(overview: pd.DataFrame) -> pd.DataFrame:
    """Leaves (one per segment) plus the two group nodes and the root, with summed figures.

    A group's average CLV / P(alive) is its segments' averages weighted by their customers.
    """
    leaves = overview.assign(
        node=overview["segment"],
        parent=overview["segment_kind"].map(PARENT_OF_KIND).fillna(BUYERS_PARENT),
    )[["node", "parent", "customers", "gmv_amount", "avg_clv_amount", "avg_p_alive"]]

    def weighted(rows: pd.DataFrame, column: str) -> float:
        known = rows[rows[column].notna() & (rows["customers"] > 0)]
        if known.empty:
            return math.nan
        return float(np.average(known[column], weights=known["customers"]))

    groups = []
    for parent, rows in (
        (ROOT, leaves),
        *((name, leaves[leaves["parent"] == name]) for name in PARENT_OF_KIND.values()),
    ):
        groups.append(
            {
                "node": parent,
                "parent": "" if parent == ROOT else ROOT,
                "customers": rows["customers"].sum(),
                "gmv_amount": rows["gmv_amount"].sum(),
                "avg_clv_amount": weighted(rows, "avg_clv_amount"),
                "avg_p_alive": weighted(rows, "avg_p_alive"),
            }
        )
    return pd.concat([pd.DataFrame(groups), leaves], ignore_index=True)


def _colours(nodes: pd.DataFrame) -> tuple[list[str], tuple[float, float] | None]:
    """A colour per node from its average CLV, grey without one; the CLV range coloured."""
    clv = nodes["avg_clv_amount"]
    is_leaf = ~nodes["node"].isin([ROOT, *PARENT_OF_KIND.values()])
    known = clv[is_leaf & clv.notna()]
    if known.empty:
        colours = [GROUP_COLOUR if not leaf else NO_CLV_COLOUR for leaf in is_leaf]
        return colours, None
    low, high = float(known.min()), float(known.max())
    span = high - low or 1.0
    scaled = ((clv - low) / span).clip(0, 1)
    colours = [
        GROUP_COLOUR
        if not leaf
        else (NO_CLV_COLOUR if math.isnan(s) else sample_colorscale(CLV_SCALE, [0.15 + 0.8 * s])[0])
        for leaf, s in zip(is_leaf, scaled, strict=True)
    ]
    return colours, (low, high)


def _hover_rows(nodes: pd.DataFrame) -> list[list[str]]:
    total_customers = nodes.loc[nodes["node"] == ROOT, "customers"].iloc[0]
    total_gmv = nodes.loc[nodes["node"] == ROOT, "gmv_amount"].iloc[0]
    rows = []
    for node in nodes.itertuples(index=False):  # ~18 nodes
        is_non_buyer = node.parent == NON_BUYERS_PARENT or node.node == NON_BUYERS_PARENT
        clv_text = (
            "none (non-buyers)"
            if is_non_buyer
            else formatting.money(node.avg_clv_amount)
            if not math.isnan(node.avg_clv_amount)
            else "not computed"
        )
        rows.append(
            [
                formatting.count(node.customers),
                formatting.percent(node.customers / total_customers if total_customers else None),
                formatting.money(node.gmv_amount),
                formatting.percent(node.gmv_amount / total_gmv if total_gmv else None),
                clv_text,
                "none (non-buyers)" if is_non_buyer else formatting.percent(node.avg_p_alive),
            ]
        )
    return rows


def treemap_figure(overview: pd.DataFrame, size_by: str = "customers") -> go.Figure:
    """Segments as a treemap under "Buyers (RFM)" and "Non-buyers (behaviour)".

    ``overview`` is ``segment_overview`` (``segment, segment_kind, customers, gmv_amount,
    avg_clv_amount, avg_p_alive``). Sector size is ``size_by`` (``customers`` or ``gmv_amount``),
    colour the segment's average CLV (grey where there is none). Sector ids are segment names.
    """
    if size_by not in SIZE_BY:
        raise ValueError(f"size_by must be one of {', '.join(SIZE_BY)}, got {size_by!r}")
    title = f"Segments sized by {SIZE_BY[size_by]}"
    if overview.empty or overview["customers"].sum() == 0:
        return empty_figure(title, "No customers in the published data")
    nodes = _treemap_nodes(overview)
    colours, clv_range = _colours(nodes)
    size_text = [
        formatting.count(v) if size_by == "customers" else formatting.money(v)
        for v in nodes[size_by]
    ]
    customdata = [[*hover, size] for hover, size in zip(_hover_rows(nodes), size_text, strict=True)]
    fig = go.Figure(
        go.Treemap(
            ids=nodes["node"],
            labels=nodes["node"],
            parents=nodes["parent"],
            values=nodes[size_by].astype(float),
            branchvalues="total",
            sort=False,
            marker={"colors": colours, "line": {"color": "white", "width": 1}},
            customdata=customdata,
            texttemplate="<b>%{label}</b><br>%{customdata[6]}",
            hovertemplate=(
                "<b>%{label}</b><br>Customers %{customdata[0]} (%{customdata[1]} of all)"
                "<br>GMV %{customdata[2]} (%{customdata[3]} of all)"
                "<br>Average CLV %{customdata[4]}<br>Average P(alive) %{customdata[5]}"
                "<extra></extra>"
            ),
            root={"color": GROUP_COLOUR},
            pathbar={"visible": True},
            name="segments",
        )
    )
    if clv_range is None:
        note = "Colour: average CLV, not computed for this data (grey)"
    else:
        note = "Colour: average CLV (grey: non-buyers have none)"
        fig.add_trace(_clv_colourbar(*clv_range))
    if size_by == "gmv_amount":
        note += "; non-buyers have no GMV, so they take no space"
    fig.update_layout(
        title={
            "text": f"{title}<br><sup>Click a segment for its profile.<br>{note}</sup>",
            "x": 0.01,
        },
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 90, "b": 10},
        xaxis={"visible": False},
        yaxis={"visible": False},
    )
    return fig


def _clv_colourbar(low: float, high: float) -> go.Scatter:
    """An invisible trace whose only job is the colour bar of the treemap's CLV colours."""
    return go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        name="CLV scale",
        showlegend=False,
        hoverinfo="skip",
        marker={
            "colorscale": [
                [0, sample_colorscale(CLV_SCALE, [0.15])[0]],
                [1, sample_colorscale(CLV_SCALE, [0.95])[0]],
            ],
            "cmin": low,
            "cmax": high,
            "color": [low],
            "showscale": True,
            "colorbar": {"title": {"text": "Avg CLV"}, "thickness": 12},
        },
    )


def rf_heatmap_figure(cells: pd.DataFrame) -> go.Figure:
    """Buyers per recency score × frequency score (``rf_heatmap``: ``r_score, f_score,
    customers, avg_monetary_amount``), recent buyers on top."""
    title = "Buyers by recency and frequency score"
    if cells.empty or cells["customers"].sum() == 0:
        return empty_figure(title, "No buyers in the published data")
    scores = list(range(1, 6))
    counts = cells.pivot(index="r_score", columns="f_score", values="customers")
    counts = counts.reindex(index=scores, columns=scores, fill_value=0).fillna(0)
    money = cells.pivot(index="r_score", columns="f_score", values="avg_monetary_amount")
    money = money.reindex(index=scores, columns=scores)
    total = counts.to_numpy().sum()
    hover = [
        [
            f"{formatting.count(n)} buyers ({formatting.percent(n / total)})"
            f"<br>average spend {formatting.money(m)}"
            for n, m in zip(counts.loc[r], money.loc[r], strict=True)
        ]
        for r in scores
    ]
    fig = go.Figure(
        go.Heatmap(
            z=counts.to_numpy(),
            x=scores,
            y=scores,
            text=hover,
            texttemplate="%{z:,}",
            colorscale="Blues",
            colorbar={"title": {"text": "Buyers"}},
            hovertemplate="R score %{y} · F score %{x}<br>%{text}<extra></extra>",
            name="buyers",
        )
    )
    fig.update_layout(
        title={
            "text": f"{title}<br><sup>Most buyers order once, so they share the lowest F "
            "scores:<br>F concentrates in few columns</sup>",
            "x": 0.01,
        },
        xaxis={"title": {"text": "Frequency score (5 = most orders)"}, "dtick": 1},
        yaxis={"title": {"text": "Recency score (5 = most recent)"}, "dtick": 1},
        template="plotly_white",
        margin={"l": 60, "r": 20, "t": 90, "b": 50},
    )
    return fig


def score_distribution_figure(counts: pd.DataFrame, segment: str) -> go.Figure:
    """Three bar charts: the segment's buyers per R, F and M score (``segment_score_counts``)."""
    title = f"RFM scores of {segment}"
    if counts.empty or counts["customers"].sum() == 0:
        return empty_figure(title, "Non-buyers have no RFM scores: they are segmented by behaviour")
    fig = make_subplots(rows=1, cols=3, subplot_titles=list(SCORE_TITLES.values()))
    for column, (score, title_text) in enumerate(SCORE_TITLES.items(), start=1):
        rows = counts[counts["score"] == score]
        fig.add_trace(
            go.Bar(
                x=rows["score_value"],
                y=rows["customers"],
                name=title_text.split(" (")[0],
                marker_color="#2c3e50",
                hovertemplate=f"{title_text.split(' (')[0]} %{{x}}: %{{y:,}} buyers<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=column,
        )
        fig.update_xaxes(dtick=1, range=[0.5, 5.5], row=1, col=column)
    fig.update_yaxes(title_text="Buyers", row=1, col=1)
    fig.update_layout(
        title={"text": title, "x": 0.01},
        template="plotly_white",
        margin={"l": 60, "r": 20, "t": 80, "b": 40},
        bargap=0.2,
    )
    fig.update_annotations(font_size=12)
    return fig


def _axis(feature: str, values: pd.Series) -> dict:
    is_log = feature in LOG_FEATURES and bool((values > 0).all())
    label = FEATURE_LABELS.get(feature, feature) + (" (log scale)" if is_log else "")
    return {"title": {"text": label}, "type": "log" if is_log else "linear"}


def cluster_scatter_figure(sample: pd.DataFrame, x: str, y: str) -> go.Figure:
    """Buyers by two features, one colour per cluster (``scatter_sample``: ``customer_id, x, y,
    cluster_id, cluster_name``). Skewed features use a log axis when all values are positive."""
    title = f"Buyer clusters: {FEATURE_LABELS.get(y, y)} against {FEATURE_LABELS.get(x, x)}"
    if sample.empty:
        return empty_figure(title, "No clusters in the published data (too few buyers)")
    fig = go.Figure()
    for (_, name), rows in sample.groupby(["cluster_id", "cluster_name"], sort=True):
        fig.add_trace(
            go.Scatter(
                x=rows["x"],
                y=rows["y"],
                mode="markers",
                name=name,
                marker={"size": 6, "opacity": 0.6},
                customdata=rows["customer_id"],
                hovertemplate=(
                    f"Customer %{{customdata}} · {name}<br>{FEATURE_LABELS.get(x, x)} %{{x:,}}"
                    f"<br>{FEATURE_LABELS.get(y, y)} %{{y:,}}<extra></extra>"
                ),
            )
        )
    fig.update_layout(
        title={"text": f"{title}<br><sup>{len(sample):,} buyers shown</sup>", "x": 0.01},
        xaxis=_axis(x, sample["x"]),
        yaxis=_axis(y, sample["y"]),
        legend={"title": {"text": "Cluster"}},
        template="plotly_white",
        margin={"l": 60, "r": 20, "t": 70, "b": 50},
    )
    return fig


def cluster_score_figure(scores: pd.DataFrame, metric: str) -> go.Figure:
    """``silhouette`` (higher is better) or ``bic`` (lower is better) by number of clusters k,
    one line per method, the chosen solution marked (``cluster_scores``)."""
    better = {
        "silhouette": ("Silhouette by k", "higher is better"),
        "bic": ("BIC by k", "lower is better"),
    }
    if metric not in better:
        raise ValueError(f"metric must be 'silhouette' or 'bic', got {metric!r}")
    title, hint = better[metric]
    rows = scores[scores[metric].notna()] if not scores.empty else scores
    if rows.empty:
        return empty_figure(title, "No cluster scores in the published data")
    fig = go.Figure()
    for method, line in rows.groupby("method", sort=True):
        fig.add_trace(
            go.Scatter(
                x=line["k"],
                y=line[metric],
                mode="lines+markers",
                name=METHOD_NAMES.get(method, method),
                hovertemplate=f"{METHOD_NAMES.get(method, method)} k=%{{x}}: %{{y:,.3f}}"
                "<extra></extra>",
            )
        )
    chosen = scores[scores["is_chosen"].astype(bool)]
    if not chosen.empty:
        k, method = int(chosen["k"].iloc[0]), chosen["method"].iloc[0]
        fig.add_vline(x=k, line_dash="dot", line_color="#e74c3c")
        if pd.notna(chosen[metric].iloc[0]):
            fig.add_trace(
                go.Scatter(
                    x=[k],
                    y=[chosen[metric].iloc[0]],
                    mode="markers",
                    name="chosen",
                    marker={"symbol": "star", "size": 16, "color": "#e74c3c"},
                    hovertemplate="chosen: k=%{x}<extra></extra>",
                )
            )
        hint += f"; chosen: {METHOD_NAMES.get(method, method)}, k = {k} (dotted line)"
    fig.update_layout(
        title={"text": f"{title}<br><sup>{hint}</sup>", "x": 0.01},
        xaxis={"title": {"text": "Number of clusters k"}, "dtick": 1},
        yaxis={"title": {"text": metric.upper() if metric == "bic" else "Silhouette"}},
        template="plotly_white",
        margin={"l": 60, "r": 20, "t": 70, "b": 50},
        height=300,
        legend={"orientation": "h", "y": -0.3},
    )
    return fig
