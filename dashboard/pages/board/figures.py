"""Figures of the Action board: who each rule reaches, and a campaign's lift with its 95 % CI.

Inputs are the frames of ``warehouse.queries.board`` (``rule_stats(...).rules`` and
``campaign_results``); money is in the shop's currency units.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard import formatting
from dashboard.figures import empty_figure

MATCHED, WON = "#95a5a6", "#2c3e50"
UP, DOWN, FLAT = "#18bc9c", "#e74c3c", "#7b8a8b"
METRIC_LABELS = {
    "conversion": "Conversion (percentage points)",
    "orders_per_customer": "Orders per customer",
    "gmv_per_customer": "Revenue (GMV) per customer",
}


def audience_figure(rules: pd.DataFrame) -> go.Figure:
    """Per rule (priority 1 on top): customers matching its conditions vs customers it acts on.

    ``rules`` columns: priority, name, enabled, count_matched, count_won, count_shadowed.
    """
    title = "Customers per rule: matched vs. reached after priority"
    if rules.empty:
        return empty_figure(title, "No rules yet: create one below.")
    ordered = rules.sort_values("priority", ascending=False)
    labels = [f"{p}. {n}" + ("" if e else " (disabled)")
              for p, n, e in zip(ordered["priority"], ordered["name"], ordered["enabled"],
                                 strict=True)]
    shadowed = [formatting.count(v) for v in ordered["count_shadowed"]]
    fig = go.Figure(
        [
            go.Bar(
                y=labels, x=ordered["count_matched"], orientation="h", name="Match the conditions",
                marker_color=MATCHED, customdata=shadowed,
                hovertemplate="%{y}<br>%{x:,} customers match<br>%{customdata} of them are "
                              "taken by a higher-priority rule or the rule is off<extra></extra>",
            ),
            go.Bar(
                y=labels, x=ordered["count_won"], orientation="h", name="Get this rule's action",
                marker_color=WON,
                hovertemplate="%{y}<br>%{x:,} customers get this action<extra></extra>",
            ),
        ]
    )
    fig.update_layout(
        title={"text": title, "x": 0.01},
        template="plotly_white",
        barmode="group",
        xaxis_title="Customers",
        legend={"orientation": "h", "y": -0.2},
        margin={"l": 200, "r": 20, "t": 50, "b": 60},
        height=max(260, 70 * len(ordered) + 120),
    )
    return fig


def _scale(metric: str) -> float:
    return 100.0 if metric == "conversion" else 1.0  # conversion lift in percentage points


def _lift_text(metric: str, value: float) -> str:
    if metric == "conversion":
        return f"{value * 100:+.2f} pp"
    if metric == "gmv_per_customer":
        return formatting.signed(formatting.money(abs(value)), value)
    return f"{value:+.3f}"


def lift_figure(results: pd.DataFrame) -> go.Figure:
    """One panel per metric: treatment − control with its 95 % confidence interval.

    ``results`` columns: metric, abs_lift, abs_ci_low, abs_ci_high, rel_lift, p_value,
    control_mean, treatment_mean. Green when the interval is above 0, red below, grey across it.
    """
    title = "Lift of treatment over control (95% confidence interval)"
    usable = results.dropna(subset=["abs_lift", "abs_ci_low", "abs_ci_high"])
    if usable.empty:
        return empty_figure(title, "No measured results yet.")
    fig = make_subplots(
        rows=len(usable), cols=1, vertical_spacing=0.22,
        subplot_titles=[METRIC_LABELS.get(m, m) for m in usable["metric"]],
    )
    for row, item in enumerate(usable.itertuples(index=False), start=1):
        scale = _scale(item.metric)
        low, high = item.abs_ci_low * scale, item.abs_ci_high * scale
        point = item.abs_lift * scale
        color = UP if low > 0 else DOWN if high < 0 else FLAT
        rel = (formatting.signed(formatting.percent(abs(item.rel_lift)), item.rel_lift)
               if not math.isnan(item.rel_lift) else formatting.MISSING)
        hover = (f"{METRIC_LABELS.get(item.metric, item.metric)}<br>"
                 f"lift {_lift_text(item.metric, item.abs_lift)} ({rel})<br>"
                 f"95% CI "
                 + formatting.interval(item.abs_ci_low, item.abs_ci_high,
                                       lambda v, m=item.metric: _lift_text(m, v))
                 + f"<br>{formatting.p_statement(item.p_value)}")
        fig.add_trace(
            go.Scatter(
                x=[point], y=[""], mode="markers", marker={"size": 12, "color": color},
                error_x={"type": "data", "symmetric": False, "array": [high - point],
                         "arrayminus": [point - low], "color": color, "thickness": 2,
                         "width": 8},
                hovertemplate=hover + "<extra></extra>", showlegend=False,
            ),
            row=row, col=1,
        )
        fig.add_vline(x=0, line_dash="dot", line_color=FLAT, row=row, col=1)
    fig.update_layout(
        title={"text": title, "x": 0.01},
        template="plotly_white",
        height=120 + 110 * len(usable),
        margin={"l": 30, "r": 20, "t": 80, "b": 30},
    )
    return fig
