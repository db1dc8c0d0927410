"""Figures of the Migration page: segment sizes over time, flows between two snapshots (Sankey)
and the transition matrix. Inputs are the frames of ``warehouse.queries.migration``; counts are
customers.

Every chart colours a segment the same way: by its place in the segment display order
(``segment_definitions.display_order``), so Champions look alike on the area chart, the Sankey and
in the legend of any page that uses :func:`segment_colours`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from analytics.migration import GONE, NEW
from dashboard import formatting
from dashboard.figures import empty_figure

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


def sizes_figure(sizes: pd.DataFrame, order: Sequence[str]) -> go.Figure:
    """Stacked area of customers per segment at each period end, one trace per segment.

    ``sizes``: ``period_end, segment, customers``; ``order``: every segment in display order. A
    segment missing at a period end counts 0 there.
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
        title={"text": title, "x": 0.01},
        xaxis={"title": "Period end", "tickvals": list(grid.index), "tickformat": "%d %b %Y"},
        yaxis_title="Customers",
        template="plotly_white",
        legend={"title": {"text": "Segment"}, "traceorder": "normal"},
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        hovermode="x unified",
    )
    return fig


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


def _stack_positions(totals: pd.Series, gap: float = 0.02) -> list[float]:
    """Centre heights (0 = top, 1 = bottom) of nodes stacked in order, sized by ``totals``."""
    space = max(1.0 - gap * (len(totals) - 1), 0.2)
    heights = totals / totals.sum() * space
    tops = heights.cumsum() - heights + gap * pd.Series(range(len(totals)), index=totals.index)
    return [min(max(float(y), 0.001), 0.999) for y in tops + heights / 2]


def sankey_figure(
    counts: pd.DataFrame,
    order: Sequence[str],
    from_label: str,
    to_label: str,
    *,
    movers_only: bool = False,
) -> go.Figure:
    """Flows of customers from their segment at ``from_label`` (left) to ``to_label`` (right),
    both columns in display ``order``.

    One left node per from-segment (``(new)``: customers who appear only at the later date), one
    right node per to-segment, one link per non-zero transition count. ``movers_only`` drops the
    customers who stayed in their segment, so small moves are not dwarfed by large stable groups.
    """
    title = f"Where customers went: {from_label} → {to_label}"
    flows = counts[counts["customers"] > 0]
    if movers_only:
        flows = flows[flows["from_segment"] != flows["to_segment"]]
        title += " (customers who changed segment)"
    if flows.empty:
        return empty_figure(title, "No customers moved between these two snapshots")
    matrix = transition_matrix(flows, order)
    colours = segment_colours(order)
    lefts, rights = list(matrix.index), list(matrix.columns)
    labels = [f"{s} ({from_label})" for s in lefts] + [f"{s} ({to_label})" for s in rights]
    left_index = {s: i for i, s in enumerate(lefts)}
    right_index = {s: len(lefts) + i for i, s in enumerate(rights)}
    out_totals = flows.groupby("from_segment")["customers"].sum()
    shares = flows["customers"] / flows["from_segment"].map(out_totals)
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": labels,
                # Pinned positions keep both columns in display order, top to bottom.
                "x": [0.001] * len(lefts) + [0.999] * len(rights),
                "y": [*_stack_positions(matrix.sum(axis=1)), *_stack_positions(matrix.sum())],
                "color": [_colour(colours, s) for s in [*lefts, *rights]],
                "pad": 12,
                "thickness": 16,
                "hovertemplate": "%{label}: %{value:,} customers<extra></extra>",
            },
            link={
                "source": [left_index[s] for s in flows["from_segment"]],
                "target": [right_index[s] for s in flows["to_segment"]],
                "value": flows["customers"].tolist(),
                "color": [_rgba(_colour(colours, s), 0.45) for s in flows["from_segment"]],
                "customdata": [formatting.percent(s) for s in shares],
                "hovertemplate": (
                    "%{source.label} → %{target.label}<br>%{value:,} customers "
                    "(%{customdata} of the left segment)<extra></extra>"
                ),
            },
        )
    )
    fig.update_layout(
        title={"text": title, "x": 0.01},
        template="plotly_white",
        margin={"l": 20, "r": 20, "t": 60, "b": 20},
        font={"size": 12},
    )
    return fig


def matrix_figure(
    counts: pd.DataFrame, order: Sequence[str], from_label: str, to_label: str
) -> go.Figure:
    """Transition matrix heatmap: colour = row percentage, text = count and row percentage.

    A row is a segment at ``from_label`` (``(new)``: not yet a customer then); a column its segment
    at ``to_label``. Row percentages answer "what share of New Customers became Champions".
    """
    title = f"Transition matrix: segment at {from_label} (rows) → at {to_label} (columns)"
    if counts.empty:
        return empty_figure(title, "No customers in either snapshot")
    matrix = transition_matrix(counts, order)
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
        title={"text": title, "x": 0.01},
        xaxis={"title": f"Segment at {to_label}", "side": "bottom", "tickangle": -35},
        yaxis={"title": f"Segment at {from_label}", "autorange": "reversed"},
        template="plotly_white",
        margin={"l": 140, "r": 20, "t": 60, "b": 120},
    )
    return fig
