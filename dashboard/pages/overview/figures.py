"""Figures of the Executive overview page. Inputs are the frames of ``warehouse.queries.overview``
(and the KPI-tree frame the page assembles); money is in the shop's currency units."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import pandas as pd
import plotly.graph_objects as go

from analytics.kpi_tree import METHOD_SEQUENTIAL
from dashboard import formatting
from dashboard.figures import empty_figure

MONEY_AXIS = "GMV (shop currency)"
PERIOD_AXIS = {"day": "Day", "week": "Week (starting Monday)", "month": "Month"}
PERIOD_HOVER = {"day": "%{x|%a %d %b %Y}", "week": "Week of %{x|%d %b %Y}", "month": "%{x|%B %Y}"}
UP, DOWN, FLAT = "#18bc9c", "#e74c3c", "#95a5a6"


class TreeNode(NamedTuple):
    label: str
    fmt: Callable[[float], str]
    explanation: str
    x: float
    y: float


def _rate(value: float) -> str:
    return formatting.percent(value, 2)


TREE_NODES = {
    "gmv_amount": TreeNode(
        "GMV", formatting.money, "Gross merchandise value: sum of order line amounts", 0.5, 1.0
    ),
    "traffic": TreeNode(
        "Traffic (visits)",
        formatting.count,
        "Visits: a visitor active on a day counts once for that day",
        0.14,
        0.0,
    ),
    "conversion_rate": TreeNode("Conversion rate", _rate, "Orders ÷ visits", 0.5, 0.0),
    "avg_ticket_amount": TreeNode(
        "Average ticket size", formatting.money, "GMV ÷ orders", 0.86, 0.0
    ),
}


def _base_layout(fig: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01},
        xaxis_title=x_title,
        yaxis_title=y_title,
        template="plotly_white",
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        hoverlabel={"align": "left"},
    )
    return fig


def _signed_money(value: float) -> str:
    return formatting.signed(formatting.money(abs(value)), value)


def _tree_node_text(node: str, row: pd.Series) -> str:
    spec = TREE_NODES[node]
    lines = [
        f"<b>{spec.label}</b>",
        f"<b>{spec.fmt(row['current'])}</b>",
        f"previous {spec.fmt(row['previous'])}",
    ]
    contribution = row["contribution_amount"]
    if math.isnan(contribution):
        lines.append("no previous period to compare")
    elif node == "gmv_amount":
        lines.append(f"change {_signed_money(contribution)}")
    else:
        lines.append(f"effect on GMV {_signed_money(contribution)}")
    return "<br>".join(lines)


def kpi_tree_figure(tree: pd.DataFrame) -> go.Figure:
    """The KPI tree: GMV on top, traffic × conversion rate × average ticket size below.

    ``tree`` has one row per node (index ``gmv_amount``, ``traffic``, ``conversion_rate``,
    ``avg_ticket_amount``) with ``current``, ``previous`` and ``contribution_amount`` (currency
    units: a driver's share of the GMV change; the GMV row holds the change itself; NaN when
    there is no previous period); an optional ``method`` column names the decomposition rule.
    """
    missing = [node for node in TREE_NODES if node not in tree.index]
    if missing:
        raise ValueError(f"KPI tree frame lacks node(s) {missing}")
    top = TREE_NODES["gmv_amount"]
    link_x: list[float | None] = []
    link_y: list[float | None] = []
    for node, spec in TREE_NODES.items():
        if node != "gmv_amount":
            link_x += [top.x, spec.x, None]
            link_y += [top.y - 0.3, spec.y + 0.3, None]
    fig = go.Figure(
        go.Scatter(
            x=link_x,
            y=link_y,
            mode="lines",
            line={"color": "#b0b7bf", "width": 2},
            hoverinfo="skip",
            name="links",
            showlegend=False,
        )
    )
    annotations = []
    for node, spec in TREE_NODES.items():
        contribution = tree.loc[node, "contribution_amount"]
        color = (
            FLAT
            if math.isnan(contribution) or contribution == 0
            else (UP if contribution > 0 else DOWN)
        )
        annotations.append(
            {
                "x": spec.x,
                "y": spec.y,
                "text": _tree_node_text(node, tree.loc[node]),
                "showarrow": False,
                "bgcolor": "white",
                "bordercolor": color,
                "borderwidth": 2,
                "borderpad": 8,
                "font": {"size": 13},
                "name": node,
            }
        )
    for x in (0.32, 0.68):
        annotations.append(
            {
                "x": x,
                "y": 0.0,
                "text": "×",
                "showarrow": False,
                "font": {"size": 22, "color": "#7b8a8b"},
            }
        )
    fig.add_trace(
        go.Scatter(
            x=[spec.x for spec in TREE_NODES.values()],
            y=[spec.y for spec in TREE_NODES.values()],
            mode="markers",
            marker={"size": 60, "opacity": 0},
            name="nodes",
            showlegend=False,
            hovertext=[f"{spec.label}: {spec.explanation}" for spec in TREE_NODES.values()],
            hoverinfo="text",
        )
    )
    note = "effects add up to the GMV change"
    if "method" in tree.columns and (tree["method"] == METHOD_SEQUENTIAL).any():
        note += " (a value is 0: drivers switched one at a time, in tree order)"
    fig.update_layout(
        title={
            "text": "What drove the change in GMV<br><sup>GMV = traffic × conversion rate × "
            f"average ticket size; {note}</sup>",
            "x": 0.01,
        },
        template="plotly_white",
        annotations=annotations,
        xaxis={"visible": False, "range": [-0.05, 1.05], "fixedrange": True},
        yaxis={"visible": False, "range": [-0.45, 1.45], "fixedrange": True},
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        height=360,
    )
    return fig


def gmv_figure(series: pd.DataFrame, granularity: str) -> go.Figure:
    """GMV bars per period (``period_start``, ``gmv_amount``, ``count_orders``, ``traffic``,
    ``count_days``); the hover says when a period is only partly inside the range."""
    title = f"GMV per {granularity}"
    if series.empty:
        return empty_figure(title, "No sales data in this date range")
    full_days = {"day": 1, "week": 7}.get(granularity)
    notes = [
        "" if full_days == n or (full_days is None and n >= 28) else f"<br>{n} days in range"
        for n in series["count_days"]
    ]
    fig = go.Figure(
        go.Bar(
            x=series["period_start"],
            y=series["gmv_amount"],
            name="GMV",
            marker_color="#2c3e50",
            customdata=list(zip(series["count_orders"], series["traffic"], notes, strict=True)),
            hovertemplate=(
                PERIOD_HOVER[granularity] + "<br>GMV %{y:,.2f}<br>Orders %{customdata[0]:,}"
                " · Visits %{customdata[1]:,}%{customdata[2]}<extra></extra>"
            ),
        )
    )
    return _base_layout(fig, title, PERIOD_AXIS[granularity], MONEY_AXIS)


FUNNEL_LABELS = {"view": "Viewed an item", "cart": "Added to cart", "purchase": "Purchased"}


def funnel_figure(funnel: pd.DataFrame) -> go.Figure:
    """View → cart → purchase funnel of visits (``step``, ``count_visits``, ``step_rate``,
    ``rate_of_first``)."""
    title = "Shopping funnel: visits that viewed, added to cart, purchased"
    if funnel.empty or funnel["count_visits"].sum() == 0:
        return empty_figure(title, "No visits in this date range")
    counts = [formatting.count(n) for n in funnel["count_visits"]]
    rates = [f" · {formatting.percent(rate, 1)} of previous step" for rate in funnel["step_rate"]]
    texts = [counts[0], *(c + r for c, r in zip(counts[1:], rates[1:], strict=True))]
    fig = go.Figure(
        go.Funnel(
            y=[FUNNEL_LABELS.get(step, step) for step in funnel["step"]],
            x=funnel["count_visits"],
            text=texts,
            textinfo="text",
            name="Visits",
            customdata=[formatting.percent(r, 2) for r in funnel["rate_of_first"]],
            hovertemplate=(
                "%{y}: %{x:,} visits<br>%{customdata} of visits with a view<extra></extra>"
            ),
            marker={"color": ["#3498db", "#f39c12", "#18bc9c"]},
        )
    )
    return _base_layout(fig, title, "Visits (a visitor on a day)", "Funnel step")


def item_label(item_id: str, names: pd.Series | None) -> str:
    """An item as a reader knows it: its name where the shop has one, else "Item <id>"."""
    name = None if names is None or names.empty else names.iloc[0]
    return f"{name} (item {item_id})" if isinstance(name, str) and name else f"Item {item_id}"


def trends_figure(series: pd.DataFrame, dimension: str, granularity: str) -> go.Figure:
    """One GMV line per top root category or item (``period_start``, ``rank``, ``key``,
    ``detail``, ``gmv_amount``), largest first."""
    noun = "root categories" if dimension == "category" else "items"
    count = series["key"].nunique()
    title = f"Top {count} {noun} by GMV, per {granularity}"
    if series.empty:
        return empty_figure(f"Top {noun} by GMV", "No sales in this date range")
    fig = go.Figure()
    for (rank, key), rows in series.groupby(["rank", "key"], sort=True):
        if dimension == "category":
            name = f"#{rank} Category {key}"
        else:
            category = rows["detail"].iloc[0]
            name = f"#{rank} {item_label(key, rows.get('item_name'))}" + (
                f" (category {category})" if category else "")
        fig.add_trace(
            go.Scatter(
                x=rows["period_start"],
                y=rows["gmv_amount"],
                mode="lines+markers",
                name=name,
                hovertemplate=(
                    f"{name}<br>{PERIOD_HOVER[granularity]}<br>GMV %{{y:,.2f}}<extra></extra>"
                ),
            )
        )
    fig = _base_layout(fig, title, PERIOD_AXIS[granularity], MONEY_AXIS)
    fig.update_layout(legend={"title": {"text": noun.capitalize()}})
    return fig
