"""Figures of the Executive overview page. Inputs are the frames of ``warehouse.queries.overview``
(and the KPI-tree frame the page assembles); money is in the shop's currency units."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from typing import NamedTuple

import pandas as pd
import plotly.graph_objects as go

from analytics.kpi_tree import METHOD_SEQUENTIAL
from dashboard import formatting
from dashboard.figures import empty_figure, set_title
from dashboard.pages.overview.periods import period_spans

MONEY_AXIS = "GMV (shop currency)"
PERIOD_AXIS = {"day": "Day", "week": "Week (Monday to Sunday)", "month": "Month"}
TICK_FORMAT = {"day": "%d %b", "week": "%d %b", "month": "%b %Y"}
MAX_TICKS = 14
DAY_MS = 86_400_000
BAR, PARTIAL_BAR = "#2c3e50", "#95a5a6"
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


def _base_layout(
    fig: go.Figure, title: str, x_title: str, y_title: str, note: str | None = None,
    width: str = "full",
) -> go.Figure:
    fig.update_layout(
        xaxis_title=x_title,
        yaxis_title=y_title,
        margin={"l": 60, "r": 20, "b": 50},
        hoverlabel={"align": "left"},
    )
    return set_title(fig, title, note, width=width)


def _period_label(row: pd.Series, granularity: str) -> str:
    """How a period reads in a hover: "Week of 24 Aug 2015 (6 of 7 days in range)"."""
    first = row["span_start"]
    if granularity == "day":
        text = first.strftime("%a %d %b %Y")
    elif granularity == "week":
        text = f"Week of {row['period_start'].strftime('%d %b %Y')}"
    else:
        text = row["period_start"].strftime("%B %Y")
    if row["is_partial"]:
        text += (f" ({row['days_in_range']} of {row['days_in_period']} days in range: "
                 f"{first.strftime('%d %b')} to {row['span_end'].strftime('%d %b')})")
    return text


def _midpoints(spans: pd.DataFrame) -> pd.Series:
    """The middle of each period's days inside the range, where its bar or point is drawn."""
    starts = pd.to_datetime(spans["span_start"])
    return starts + pd.to_timedelta(spans["days_in_range"] / 2, unit="D")


def _period_axis(spans: pd.DataFrame, granularity: str, start: date, end: date) -> dict:
    """An x axis over exactly the range: a tick at the start of each period inside it (Mondays
    for weeks, the 1st for months; the range's first day for a cut first period), labelled as
    dates or months, never as the days of a month."""
    axis = {"range": [pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)],
            "type": "date"}
    if granularity == "day":
        axis["tickformat"] = TICK_FORMAT["day"]
        return axis
    ticks = pd.to_datetime(spans["span_start"])
    step = max(1, -(-len(ticks) // MAX_TICKS))
    ticks = ticks.iloc[::step]
    axis.update(tickvals=list(ticks),
                ticktext=[t.strftime(TICK_FORMAT[granularity]) for t in ticks])
    return axis


def _partial_note(spans: pd.DataFrame, granularity: str, what: str) -> str | None:
    if not spans["is_partial"].any():
        return None
    return (f"{what}: partial {granularity}s, only some of their days fall in the range; "
            "compare them with care.")


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
        annotations=annotations,
        xaxis={"visible": False, "range": [-0.05, 1.05], "fixedrange": True},
        yaxis={"visible": False, "range": [-0.45, 1.45], "fixedrange": True},
        margin={"l": 10, "r": 10, "b": 10},
    )
    return set_title(fig, "What drove the change in GMV",
                     f"GMV = traffic × conversion rate × average ticket size; {note}",
                     width="half")


def gmv_figure(
    series: pd.DataFrame, granularity: str, start: date | None = None, end: date | None = None
) -> go.Figure:
    """GMV bars per period (``period_start``, ``gmv_amount``, ``count_orders``, ``traffic``),
    each drawn over the days of the range ``start``..``end`` it covers; periods the range cuts
    (or the data ends in) are lighter, hatched and said to be partial."""
    title = f"GMV per {granularity}"
    if series.empty:
        return empty_figure(title, "No sales data in this date range")
    starts = pd.to_datetime(series["period_start"])
    start = start or starts.min().date()
    end = end or (starts.max().date())
    spans = period_spans(series["period_start"], granularity, start, end)
    labels = [_period_label(row, granularity) for _, row in spans.iterrows()]
    fig = go.Figure()
    for partial, name, colour in ((False, "GMV", BAR),
                                  (True, f"GMV, partial {granularity}", PARTIAL_BAR)):
        rows = (spans["is_partial"] == partial).to_numpy()
        if not rows.any():
            continue
        part = series[rows]
        fig.add_trace(
            go.Bar(
                x=_midpoints(spans[rows]),
                y=part["gmv_amount"],
                width=(spans.loc[rows, "days_in_range"] * DAY_MS * 0.9).tolist(),
                name=name,
                marker={"color": colour, "pattern": {"shape": "/" if partial else ""}},
                customdata=list(zip(part["count_orders"], part["traffic"],
                                    [lab for lab, r in zip(labels, rows, strict=True) if r],
                                    strict=True)),
                hovertemplate=(
                    "%{customdata[2]}<br>GMV %{y:,.2f}<br>Orders %{customdata[0]:,}"
                    " · Visits %{customdata[1]:,}<extra></extra>"
                ),
            )
        )
    fig.update_layout(xaxis=_period_axis(spans, granularity, start, end), barmode="overlay",
                      legend={"orientation": "h", "y": -0.25})
    return _base_layout(fig, title, PERIOD_AXIS[granularity], MONEY_AXIS,
                        _partial_note(spans, granularity, "Lighter, hatched bars"))


FUNNEL_LABELS = {"view": "Viewed an item", "cart": "Added to cart", "purchase": "Purchased"}


def funnel_figure(funnel: pd.DataFrame) -> go.Figure:
    """View → cart → purchase funnel of visits (``step``, ``count_visits``, ``step_rate``,
    ``rate_of_first``)."""
    title = "Shopping funnel of visits"
    if funnel.empty or funnel["count_visits"].sum() == 0:
        return empty_figure(title, "No visits in this date range")
    counts = [formatting.count(n) for n in funnel["count_visits"]]
    steps = [FUNNEL_LABELS.get(step, step) for step in funnel["step"]]
    # The step rate goes under the step's name: beside a thin bar it would run off the chart.
    labels = [steps[0], *(f"{name}<br>{formatting.percent(rate, 1)} of previous step"
                          for name, rate in zip(steps[1:], funnel["step_rate"][1:], strict=True))]
    fig = go.Figure(
        go.Funnel(
            y=labels,
            x=funnel["count_visits"],
            text=counts,
            textinfo="text",
            textposition="inside",
            name="Visits",
            customdata=[formatting.percent(r, 2) for r in funnel["rate_of_first"]],
            hovertemplate=(
                "%{x:,} visits<br>%{customdata} of visits with a view<extra></extra>"
            ),
            marker={"color": ["#1f6fa8", "#9a5b00", "#0e7c66"]},  # white text at 5:1 or more
            insidetextfont={"color": "white"},
        )
    )
    return _base_layout(fig, title, "Visits (a visitor on a day)", "Funnel step",
                        "Visits that viewed an item, then added to cart, then purchased.",
                        width="half")


def item_label(item_id: str, names: pd.Series | None) -> str:
    """An item as a reader knows it: its name where the shop has one, else "Item <id>"."""
    name = None if names is None or names.empty else names.iloc[0]
    return f"{name} (item {item_id})" if isinstance(name, str) and name else f"Item {item_id}"


def trends_figure(
    series: pd.DataFrame,
    dimension: str,
    granularity: str,
    start: date | None = None,
    end: date | None = None,
) -> go.Figure:
    """One GMV line per top root category or item (``period_start``, ``rank``, ``key``,
    ``detail``, ``gmv_amount``), largest first, each point in the middle of its period's days
    inside the range; partial periods are shaded and their points hollow."""
    noun = "root categories" if dimension == "category" else "items"
    count = series["key"].nunique()
    title = f"Top {count} {noun} by GMV, per {granularity}"
    if series.empty:
        return empty_figure(f"Top {noun} by GMV", "No sales in this date range")
    starts = pd.to_datetime(series["period_start"])
    start = start or starts.min().date()
    end = end or starts.max().date()
    periods = pd.Series(sorted(starts.unique()))
    spans = period_spans(periods, granularity, start, end).set_index("period_start")
    fig = go.Figure()
    for (rank, key), rows in series.groupby(["rank", "key"], sort=True):
        here = spans.loc[pd.to_datetime(rows["period_start"]).dt.date]
        rows = rows.assign(x=_midpoints(here.reset_index()).to_numpy(),
                           label=[_period_label(r, granularity)
                                  for _, r in here.reset_index().iterrows()],
                           partial=here["is_partial"].to_numpy())
        if dimension == "category":
            name = f"#{rank} Category {key}"
        else:
            category = rows["detail"].iloc[0]
            name = f"#{rank} {item_label(key, rows.get('item_name'))}" + (
                f" (category {category})" if category else "")
        fig.add_trace(
            go.Scatter(
                x=rows["x"],
                y=rows["gmv_amount"],
                mode="lines+markers",
                name=name,
                marker={"symbol": ["circle-open" if p else "circle" for p in rows["partial"]],
                        "size": 8},
                customdata=rows["label"],
                hovertemplate=f"{name}<br>%{{customdata}}<br>GMV %{{y:,.2f}}<extra></extra>",
            )
        )
    shaded = [
        {"type": "rect", "xref": "x", "yref": "paper", "y0": 0, "y1": 1,
         "x0": pd.Timestamp(span["span_start"]),
         "x1": pd.Timestamp(span["span_end"]) + pd.Timedelta(days=1),
         "fillcolor": "#95a5a6", "opacity": 0.15, "line": {"width": 0}, "layer": "below"}
        for _, span in spans[spans["is_partial"]].iterrows()  # the first and last periods
    ]
    fig.update_layout(shapes=shaded,
                      xaxis=_period_axis(spans.reset_index(), granularity, start, end),
                      legend={"title": {"text": noun.capitalize()}})
    return _base_layout(fig, title, PERIOD_AXIS[granularity], MONEY_AXIS,
                        _partial_note(spans, granularity, "Shaded, hollow points"))
