"""Figures of the Segments page. Inputs are the frames of ``warehouse.queries.segments`` and
``warehouse.queries.clusters``; money is in the shop's currency units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from analytics.clusters import MIN_CLUSTER_SHARE
from dashboard import formatting
from dashboard.figures import empty_figure, set_title

# The treemap shows one kind of customer at a time: sized together, the one-visit browsers squeeze
# every buyer segment into a strip a few pixels high.
VIEWS = {  # view → (segment_kind, root label, what one member is called)
    "buyers": ("rfm", "Buyers (RFM segments)", "buyers"),
    "visitors": ("behavioural", "Visitors who never bought (behaviour)", "visitors"),
}
SIZE_BY = {"customers": "number of customers", "gmv_amount": "GMV"}
CLV_SCALE = "Blues"
VIEWS_SCALE = "Purples"
NO_VALUE_COLOUR = "#d5d8dc"  # a segment without the coloured figure (no CLV computed)
ROOT_COLOUR = "#ecf0f1"
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
TIES_NOTE = (
    "R score: 1 + 5 × the share of buyers whose last purchase is older, rounded down, so buyers "
    "who last bought on the same day share a score."
)


def view_members(overview: pd.DataFrame, view: str) -> pd.DataFrame:
    """The segments of one view (``VIEWS``), in display order."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, got {view!r}")
    return overview[overview["segment_kind"] == VIEWS[view][0]]


def _colour_scale(values: pd.Series, scale: str) -> tuple[list[str], tuple[float, float] | None]:
    """A colour per value on ``scale`` (grey where missing) and the range it spans."""
    known = values.dropna()
    if known.empty:
        return [NO_VALUE_COLOUR] * len(values), None
    low, high = float(known.min()), float(known.max())
    span = high - low or 1.0
    positions = [0.2 + 0.75 * (v - low) / span for v in known]
    shades = iter(sample_colorscale(scale, positions))
    colours = [NO_VALUE_COLOUR if pd.isna(v) else next(shades) for v in values]
    return colours, (low, high)


def treemap_figure(
    overview: pd.DataFrame, view: str = "buyers", size_by: str = "customers"
) -> go.Figure:
    """One kind of segment as a treemap: buyers (RFM) or visitors who never bought (behaviour).

    ``overview`` is ``segment_overview`` (``segment, segment_kind, customers, gmv_amount,
    avg_clv_amount, avg_p_alive, avg_count_views``). Buyers are sized by ``size_by``
    (``customers`` or ``gmv_amount``) and coloured by average CLV; visitors have no GMV, so they
    are sized by count and coloured by item views per visitor. Shares are of the view's total
    (a buyer segment's share of buyers). Sector ids are segment names; the root is the view.
    """
    if size_by not in SIZE_BY:
        raise ValueError(f"size_by must be one of {', '.join(SIZE_BY)}, got {size_by!r}")
    leaves = view_members(overview, view)
    _, root, members = VIEWS[view]
    if view == "visitors":
        size_by = "customers"
    title = f"{root} sized by {SIZE_BY[size_by]}"
    if leaves.empty or leaves["customers"].sum() == 0:
        return empty_figure(title, f"No {members} in the published data")
    total, total_gmv = leaves["customers"].sum(), leaves["gmv_amount"].sum()
    if view == "buyers":
        coloured, scale, colour_title = leaves["avg_clv_amount"], CLV_SCALE, "Avg CLV"
        colour_text = [formatting.money(v) for v in coloured]
    else:
        coloured, scale, colour_title = leaves["avg_count_views"], VIEWS_SCALE, "Views per visitor"
        colour_text = [formatting.number(v, 1) for v in coloured]
    colours, colour_range = _colour_scale(coloured, scale)
    shares = leaves["customers"] / total
    sizes = leaves[size_by].astype(float)
    size_text = [formatting.count(v) if size_by == "customers" else formatting.money(v)
                 for v in sizes]
    customdata = [
        [formatting.count(n), formatting.percent(share), formatting.money(gmv),
         formatting.percent(gmv / total_gmv if total_gmv else None), colour,
         formatting.percent(p_alive), size]
        for n, share, gmv, colour, p_alive, size in zip(
            leaves["customers"], shares, leaves["gmv_amount"], colour_text,
            leaves["avg_p_alive"], size_text, strict=True)
    ]
    if view == "buyers":
        hover = (f"<b>%{{label}}</b><br>%{{customdata[0]}} buyers (%{{customdata[1]}} of {members})"
                 f"<br>GMV %{{customdata[2]}} (%{{customdata[3]}} of buyers' GMV)"
                 "<br>Average CLV %{customdata[4]}<br>Average P(alive) %{customdata[5]}"
                 "<extra></extra>")
    else:
        hover = ("<b>%{label}</b><br>%{customdata[0]} visitors (%{customdata[1]} of "
                 "visitors who never bought)<br>Item views per visitor %{customdata[4]}"
                 "<extra></extra>")
    texts = [f"{size} · {formatting.percent(share)}" if size_by == "customers" else size
             for size, share in zip(size_text, shares, strict=True)]
    fig = go.Figure(
        go.Treemap(
            ids=[root, *leaves["segment"]],
            labels=[f"{root}: {formatting.count(total)}", *leaves["segment"]],
            parents=["", *[root] * len(leaves)],
            values=[float(sizes.sum()), *sizes],
            branchvalues="total",
            sort=True,
            marker={"colors": [ROOT_COLOUR, *colours], "line": {"color": "white", "width": 2}},
            customdata=[["", "", "", "", "", "", ""], *customdata],
            text=["", *texts],
            texttemplate="<b>%{label}</b><br>%{text}",
            hovertemplate=hover,
            root={"color": ROOT_COLOUR},
            pathbar={"visible": False},
            tiling={"pad": 2},
            name="segments",
        )
    )
    if colour_range is None:
        note = f"Colour: {colour_title.lower()}, not computed for this data (grey)."
    else:
        fig.add_trace(_colour_bar(*colour_range, scale, colour_title))
        note = f"Colour: {'average CLV' if view == 'buyers' else 'item views per visitor'}."
    share_note = f"Shares are of all {members}."
    fig.update_layout(
        margin={"l": 10, "r": 10, "b": 10},
        xaxis={"visible": False},
        yaxis={"visible": False},
    )
    return set_title(fig, title, f"Click a segment for its profile. {share_note} {note}",
                     width="half")


def _colour_bar(low: float, high: float, scale: str, title: str) -> go.Scatter:
    """An invisible trace whose only job is the colour bar of the treemap's colours."""
    return go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        name="colour scale",
        showlegend=False,
        hoverinfo="skip",
        marker={
            "colorscale": [
                [0, sample_colorscale(scale, [0.2])[0]],
                [1, sample_colorscale(scale, [0.95])[0]],
            ],
            "cmin": low,
            "cmax": high,
            "color": [low],
            "showscale": True,
            "colorbar": {"title": {"text": title}, "thickness": 12},
        },
    )


def rf_heatmap_figure(cells: pd.DataFrame) -> go.Figure:
    """Buyers per recency score × number of orders (``rf_heatmap``: ``r_score, orders,
    orders_label, customers, avg_monetary_amount``), recent buyers on top. Colour follows the
    count on a log scale, so the few buyers with several orders show beside the many with one."""
    title = "Buyers by recency score and number of orders"
    if cells.empty or cells["customers"].sum() == 0:
        return empty_figure(title, "No buyers in the published data")
    counts = cells.pivot(index="r_score", columns="orders", values="customers").fillna(0)
    money = cells.pivot(index="r_score", columns="orders", values="avg_monetary_amount")
    labels = cells.drop_duplicates("orders").set_index("orders")["orders_label"]
    total = counts.to_numpy().sum()
    hover = [
        [
            f"{formatting.count(n)} buyers ({formatting.percent(n / total)} of buyers)"
            f"<br>average spend {formatting.money(m)}"
            for n, m in zip(counts.loc[r], money.loc[r], strict=True)
        ]
        for r in counts.index
    ]
    values = counts.to_numpy(dtype=float)
    top = max(float(values.max()), 1.0)
    ticks = [10**i for i in range(int(np.log10(top)) + 1)]
    fig = go.Figure(
        go.Heatmap(
            z=np.log10(np.where(values > 0, values, np.nan)),
            x=[labels[o] for o in counts.columns],
            y=list(counts.index),
            text=[[formatting.count(n) for n in row] for row in values],
            customdata=hover,
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            zmax=np.log10(top),
            colorbar={"title": {"text": "Buyers"}, "tickvals": np.log10(ticks).tolist(),
                      "ticktext": [formatting.count(t) for t in ticks]},
            hovertemplate="R score %{y} · %{x} orders<br>%{customdata}<extra></extra>",
            hoverongaps=False,
            name="buyers",
        )
    )
    fig.update_layout(
        xaxis={"title": {"text": "Orders", "standoff": 6}, "type": "category"},
        yaxis={"title": {"text": "Recency score (5 = most recent)"}, "dtick": 1},
        margin={"l": 60, "r": 20, "b": 50},
    )
    return set_title(fig, title, f"Colour on a log scale. {TIES_NOTE}", width="third")


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
    fig.update_layout(margin={"l": 60, "r": 20, "b": 40}, bargap=0.2)
    fig.update_annotations(font_size=12)
    return set_title(fig, title)


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
        xaxis=_axis(x, sample["x"]),
        yaxis=_axis(y, sample["y"]),
        legend={"title": {"text": "Cluster"}},
        margin={"l": 60, "r": 20, "b": 50},
    )
    return set_title(fig, title, f"{len(sample):,} buyers shown (a fixed sample)")


SCORE_TEXT = {  # metric → (title, note)
    "silhouette": (
        "Silhouette by number of clusters: the rule that chooses",
        "How well each buyer sits in their own cluster rather than the nearest other one (−1 to "
        "1, higher is better), averaged per cluster so that every cluster counts the same. "
        "Hollow markers: a cluster under {share} of buyers, not eligible.",
    ),
    "bic": (
        "BIC by number of clusters (Gaussian mixture): for information only",
        "Bayesian information criterion of the mixture fits (lower = a better fit for its "
        "number of parameters). Not used to choose: the silhouette rule beside it does.",
    ),
}


def cluster_score_figure(
    scores: pd.DataFrame, metric: str, min_share: float = MIN_CLUSTER_SHARE
) -> go.Figure:
    """``silhouette`` (chooses) or ``bic`` (information) by number of clusters k, one line per
    method, the chosen solution starred (``cluster_scores``: ``method, k, silhouette, bic,
    smallest_share, is_chosen``). Solutions with a cluster under ``min_share`` of the buyers are
    drawn hollow: the rule does not consider them."""
    if metric not in SCORE_TEXT:
        raise ValueError(f"metric must be 'silhouette' or 'bic', got {metric!r}")
    title, note = SCORE_TEXT[metric]
    note = note.format(share=formatting.percent(min_share, 0))
    rows = scores[scores[metric].notna()] if not scores.empty else scores
    if rows.empty:
        return empty_figure(title, "No cluster scores in the published data", width="half")
    fig = go.Figure()
    for method, line in rows.groupby("method", sort=True):
        eligible = line["smallest_share"] >= min_share
        fig.add_trace(
            go.Scatter(
                x=line["k"],
                y=line[metric],
                mode="lines+markers",
                name=METHOD_NAMES.get(method, method),
                marker={"size": 9,
                        "symbol": ["circle" if ok else "circle-open" for ok in eligible]},
                customdata=[formatting.percent(v) for v in line["smallest_share"]],
                hovertemplate=f"{METHOD_NAMES.get(method, method)}, k = %{{x}}: %{{y:,.3f}}"
                "<br>smallest cluster %{customdata} of buyers<extra></extra>",
            )
        )
    chosen = scores[scores["is_chosen"].astype(bool)]
    shapes = []
    if not chosen.empty:
        k, method = int(chosen["k"].iloc[0]), chosen["method"].iloc[0]
        shapes.append({"type": "line", "x0": k, "x1": k, "xref": "x", "y0": 0, "y1": 1,
                       "yref": "paper", "line": {"dash": "dot", "color": "#c0392b"}})
        if pd.notna(chosen[metric].iloc[0]):
            fig.add_trace(
                go.Scatter(
                    x=[k],
                    y=[chosen[metric].iloc[0]],
                    mode="markers",
                    name="chosen",
                    marker={"symbol": "star", "size": 16, "color": "#c0392b"},
                    hovertemplate="chosen: k=%{x}<extra></extra>",
                )
            )
        note += f" Chosen: {METHOD_NAMES.get(method, method)}, k = {k} (dotted line)."
    fig.update_layout(
        shapes=shapes,
        xaxis={"title": {"text": "Number of clusters k"}, "dtick": 1},
        yaxis={"title": {"text": "BIC" if metric == "bic" else "Balanced silhouette"}},
        margin={"l": 60, "r": 20, "b": 50},
        legend={"orientation": "h", "y": -0.3},
    )
    return set_title(fig, title, note, width="half")
