"""Figures of the Migration page: segment sizes over time, flows between two snapshots (Sankey)
and the transition matrix. Inputs are the frames of ``warehouse.queries.migration``; counts are
customers.

Every chart colours a segment the same way: by its place in the segment display order
(``segment_definitions.display_order``), so Champions look alike on the area chart, the Sankey and
in the legend of any page that uses :func:`segment_colours`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from analytics.migration import GONE, NEW
from dashboard import formatting
from dashboard.figures import empty_figure, set_title

# Best to worst buyer segments (green → red → purple), then the behavioural ones (pinks, greys).
SEGMENT_PALETTE = (
    "#1a9850", "#66bd63", "#a6d96a", "#3288bd", "#66c2a5", "#fee08b", "#fdae61", "#f46d43",
    "#d73027", "#9e0142", "#5e4fa2", "#e78ac3", "#8da0cb", "#bdbdbd", "#969696",
)
SPECIAL_COLOURS = {NEW: "#cfd8dc", GONE: "#7f8c8d"}
DATE_HOVER = "%{x|%d %b %Y}"


def segment_colours(segments: Sequence[str]) -> dict[str, str]:
    """Colour of each segment of ``segments`` (in display order), plus ``(new)`` and ``(gone)``."""
    colours = {
        segment: SEGMENT_PALETTE[i % len(SEGMENT_PALETTE)] for i, segment in enumerate(segments)
    }
    return {**colours, **SPECIAL_COLOURS}


def _colour(colours: dict[str, str], segment: str) -> str:
    return colours.get(segment, SPECIAL_COLOURS[GONE])


def _rgba(hex_colour: str, alpha: float) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def _ordered(present: Sequence[str], order: Sequence[str]) -> list[str]:
    """``present`` labels in display ``order``; labels ``order`` lacks follow, as they came."""
    seen = set(present)
    return [s for s in order if s in seen] + [s for s in dict.fromkeys(present) if s not in order]


def sizes_figure(sizes: pd.DataFrame, order: Sequence[str], shown: str = "") -> go.Figure:
    """Stacked area of customers per segment at each period end, one trace per segment.

    ``sizes``: ``period_end, segment, customers``; ``order``: every segment in display order;
    ``shown`` names the scope in the title. A segment missing at a period end counts 0 there.
    """
    title = "Customers per segment at each period end"
    if sizes.empty:
        return empty_figure(title, "No segment snapshots in the published data")
    grid = sizes.pivot_table(
        index="period_end", columns="segment", values="customers", aggfunc="sum", fill_value=0
    )
    colours = segment_colours(order)
    totals = grid.sum(axis=1)
    fig = go.Figure()
    for segment in _ordered(sizes["segment"], order):
        counts = grid[segment]
        share = (counts / totals).fillna(0)
        fig.add_trace(
            go.Scatter(
                x=grid.index,
                y=counts,
                name=segment,
                mode="lines",
                stackgroup="sizes",
                line={"width": 0.5, "color": _colour(colours, segment)},
                customdata=[formatting.percent(s) for s in share],
                hovertemplate=(
                    f"{segment}<br>{DATE_HOVER}: %{{y:,}} customers "
                    "(%{customdata} of all)<extra></extra>"
                ),
            )
        )
    fig.update_layout(
        xaxis={"title": "Period end", "tickvals": list(grid.index), "tickformat": "%d %b %Y"},
        yaxis_title="Customers",
        legend={"title": {"text": "Segment"}, "traceorder": "normal"},
        margin={"l": 60, "r": 20, "b": 50},
        hovermode="x unified",
    )
    return set_title(fig, title, f"Showing {shown}." if shown else None)


def transition_matrix(counts: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """``from_segment, to_segment, customers`` rows → counts matrix (from rows × to columns).

    Rows and columns follow the display ``order``, with ``(new)`` the last row and ``(gone)`` the
    last column; missing cells are 0.
    """
    rows = _ordered(counts["from_segment"], [*order, NEW])
    columns = _ordered(counts["to_segment"], [*order, GONE])
    matrix = counts.pivot_table(
        index="from_segment", columns="to_segment", values="customers", aggfunc="sum", fill_value=0
    )
    return matrix.reindex(index=rows, columns=columns, fill_value=0).astype(int)


LABEL_PX = 18  # a node label's line height: nodes closer than this would overlap their labels
NODE_GAP_PX = 4
MIN_PLOT_PX = 420
SANKEY_MARGIN = {"l": 20, "r": 20, "t": 0, "b": 10}


@dataclass(frozen=True)
class SankeyLayout:
    """Plotly's node padding, each column's node centres (0 = top, 1 = bottom) and the plot
    height in px, chosen so that no two labels overlap."""

    pad: float
    left: list[float]
    right: list[float]
    plot_px: int


def sankey_layout(left: Sequence[float], right: Sequence[float]) -> SankeyLayout:
    """Place the nodes of both columns so that every label is readable.

    Plotly draws a node ``ky × value`` px tall with ``ky = (plot − (n − 1)·pad) / total`` (n the
    larger column's node count); a node smaller than a label still needs a label's height. The
    smallest padding whose nodes and labels fit the plot is chosen (a larger one shrinks the big
    nodes to leave room), the plot grows with the number of nodes, and whatever room is left is
    spread evenly between the nodes.
    """
    columns = [list(map(float, left)), list(map(float, right))]
    n = max(len(c) for c in columns)
    total = max(sum(columns[0]), 1e-9)
    plot_px = max(MIN_PLOT_PX, int(1.5 * n * (LABEL_PX + NODE_GAP_PX)))

    def slots(ky: float, column: list[float]) -> list[float]:
        return [max(ky * v, LABEL_PX) for v in column]

    pad, ky = 10.0, (plot_px - (n - 1) * 10.0) / total
    while pad < plot_px / max(n, 1):
        ky = (plot_px - (n - 1) * pad) / total
        if all(sum(slots(ky, c)) + NODE_GAP_PX * (len(c) - 1) <= plot_px for c in columns):
            break
        pad += 2.0

    def centres(column: list[float]) -> list[float]:
        heights = slots(ky, column)
        spare = plot_px - sum(heights)
        gap = spare / (len(column) - 1) if len(column) > 1 else 0.0
        top, out = 0.0, []
        for height in heights:
            out.append((top + height / 2) / plot_px)
            top += height + gap
        return [min(max(y, 0.001), 0.999) for y in out]

    return SankeyLayout(pad, centres(columns[0]), centres(columns[1]), plot_px)


def sankey_figure(
    flows: pd.DataFrame,
    order: Sequence[str],
    from_label: str,
    to_label: str,
    shown: str = "",
) -> go.Figure:
    """Flows of customers from their segment at ``from_label`` (left) to ``to_label`` (right),
    both columns in display ``order``, every label readable (``sankey_layout``).

    ``flows``: the filtered ``from_segment, to_segment, customers`` rows (``flows.filter_flows``);
    ``shown`` names the filter in the title. One left node per from-segment (``(new)``: customers
    who appear only at the later date), one right node per to-segment, labelled with its count;
    the figure's ``height`` grows with the number of nodes.
    """
    title = f"Where customers went: {from_label} → {to_label}"
    note = f"Showing {shown}." if shown else None
    if flows.empty:
        return empty_figure(title, "No customers to show between these two snapshots with "
                            "these filters")
    matrix = transition_matrix(flows, order)
    colours = segment_colours(order)
    lefts, rights = list(matrix.index), list(matrix.columns)
    out_totals, in_totals = matrix.sum(axis=1), matrix.sum()
    labels = [f"{s}  {formatting.count(out_totals[s])}" for s in lefts] + [
        f"{s}  {formatting.count(in_totals[s])}" for s in rights
    ]
    left_index = {s: i for i, s in enumerate(lefts)}
    right_index = {s: len(lefts) + i for i, s in enumerate(rights)}
    shares = flows["customers"] / flows["from_segment"].map(out_totals)
    placed = sankey_layout(out_totals.to_list(), in_totals.to_list())
    fig = go.Figure(
        go.Sankey(
            arrangement="fixed",
            node={
                "label": labels,
                "customdata": [*lefts, *rights],
                # Pinned positions keep both columns in display order, top to bottom.
                "x": [0.001] * len(lefts) + [0.999] * len(rights),
                "y": [*placed.left, *placed.right],
                "color": [_colour(colours, s) for s in [*lefts, *rights]],
                "pad": placed.pad,
                "thickness": 14,
                "hovertemplate": "%{customdata}: %{value:,} customers<extra></extra>",
            },
            link={
                "source": [left_index[s] for s in flows["from_segment"]],
                "target": [right_index[s] for s in flows["to_segment"]],
                "value": flows["customers"].tolist(),
                "color": [_rgba(_colour(colours, s), 0.45) for s in flows["from_segment"]],
                "customdata": [formatting.percent(s) for s in shares],
                "hovertemplate": (
                    "%{source.customdata} → %{target.customdata}<br>%{value:,} customers "
                    "(%{customdata} of the left segment)<extra></extra>"
                ),
            },
        )
    )
    fig.update_layout(
        font={"size": 12},
        margin=SANKEY_MARGIN,
        annotations=[
            {"text": f"<b>{from_label}</b>", "x": 0, "xanchor": "left", "y": 1.0,
             "yanchor": "bottom", "xref": "paper", "yref": "paper", "showarrow": False},
            {"text": f"<b>{to_label}</b>", "x": 1, "xanchor": "right", "y": 1.0,
             "yanchor": "bottom", "xref": "paper", "yref": "paper", "showarrow": False},
        ],
    )
    set_title(fig, title, note)
    fig.update_layout(
        height=placed.plot_px + fig.layout.margin.t + 26 + SANKEY_MARGIN["b"],
        margin={"t": fig.layout.margin.t + 26},  # room for the two dates above the columns
    )
    return fig


def matrix_figure(
    flows: pd.DataFrame, order: Sequence[str], from_label: str, to_label: str, shown: str = ""
) -> go.Figure:
    """Transition matrix heatmap: colour = row percentage, text = count and row percentage.

    ``flows``: the filtered transition counts (the same rows as the Sankey's). A row is a segment
    at ``from_label`` (``(new)``: not yet a customer then); a column its segment at ``to_label``.
    Row percentages answer "what share of New Customers became Champions", among the customers
    shown.
    """
    title = f"Transition matrix: segment at {from_label} (rows) → at {to_label} (columns)"
    note = "Colour and percentages: share of the row" + (f", showing {shown}." if shown else ".")
    if flows.empty:
        return empty_figure(title, "No customers to show between these two snapshots with "
                            "these filters")
    matrix = transition_matrix(flows, order)
    shares = matrix.div(matrix.sum(axis=1).where(lambda s: s > 0), axis=0).fillna(0.0)
    text = [
        [
            f"{formatting.count(n)}<br>{formatting.percent(p)}" if n else ""
            for n, p in zip(matrix.loc[row], shares.loc[row], strict=True)
        ]
        for row in matrix.index
    ]
    fig = go.Figure(
        go.Heatmap(
            z=shares.to_numpy(),
            x=list(matrix.columns),
            y=list(matrix.index),
            text=text,
            texttemplate="%{text}",
            textfont={"size": 10},
            customdata=matrix.to_numpy(),
            colorscale="Blues",
            zmin=0,
            zmax=1,
            colorbar={"title": {"text": "Share of row"}, "tickformat": ".0%"},
            hovertemplate=(
                f"%{{customdata:,}} customers in %{{y}} at {from_label}<br>were in %{{x}} at "
                f"{to_label}: %{{z:.1%}} of the row<extra></extra>"
            ),
        )
    )
    fig.update_layout(
        xaxis={"title": f"Segment at {to_label}", "side": "bottom", "tickangle": -35},
        yaxis={"title": f"Segment at {from_label}", "autorange": "reversed"},
        margin={"l": 140, "r": 20, "b": 120},
    )
    return set_title(fig, title, note)
