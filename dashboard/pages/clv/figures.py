"""Figures of the CLV page. Inputs are the frames of ``warehouse.queries.clv``: CLV in the shop's
currency units over the model's horizon, purchases counted as purchase days, times in days."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard import formatting
from dashboard.figures import empty_figure

ACTUAL, PREDICTED, BASELINE = "#2c3e50", "#18bc9c", "#f39c12"
LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 70, "b": 60},
    "hoverlabel": {"align": "left"},
}


def histogram_figure(bins: pd.DataFrame, horizon_months: int) -> go.Figure:
    """Customers per CLV bin (``bin_start, bin_end, customers``), equal-width bins up to the
    99th percentile; the last bin also holds the top 1 % (it reaches the maximum)."""
    title = f"Distribution of customer lifetime value (next {horizon_months} months)"
    if bins.empty:
        return empty_figure(title, "No customer has a CLV in the published data")
    regular = bins.iloc[:-1]
    width = float((regular["bin_end"] - regular["bin_start"]).mean()) if len(regular) else 1.0
    starts = bins["bin_start"].astype(float)
    ranges = [
        f"{formatting.money(a)} – {formatting.money(b)}"
        for a, b in zip(bins["bin_start"], bins["bin_end"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=starts + width / 2,
            y=bins["customers"],
            width=width,
            name="Customers",
            marker_color="#2c3e50",
            customdata=ranges,
            hovertemplate="CLV %{customdata}<br>%{y:,} customers<extra></extra>",
        )
    )
    top = formatting.money(float(bins["bin_end"].iloc[-1]))
    fig.update_layout(
        title={
            "text": f"{title}<br><sup>Axis clipped at the 99th percentile: the last bar also holds "
            f"the top 1% of customers, up to {top}</sup>",
            "x": 0.01,
        },
        xaxis_title="CLV (shop currency)",
        yaxis_title="Customers",
        bargap=0.05,
        **LAYOUT,
    )
    return fig


def p_alive_figure(matrix: pd.DataFrame) -> go.Figure:
    """Mean P(alive) per calibration frequency bucket × recency bucket (``frequency_label,
    recency_start_days, recency_end_days, customers, mean_p_alive``; only non-empty cells)."""
    title = "P(alive) by repeat purchases and recency"
    if matrix.empty:
        return empty_figure(title, "No customer has a P(alive) in the published data")
    cells = matrix.assign(
        recency=[
            f"{a:.0f}–{b:.0f}"
            for a, b in zip(matrix["recency_start_days"], matrix["recency_end_days"], strict=True)
        ]
    )
    columns = list(dict.fromkeys(cells.sort_values("recency_start_days")["recency"]))
    rows = list(dict.fromkeys(cells.sort_values("frequency_bucket")["frequency_label"]))
    z = cells.pivot(index="frequency_label", columns="recency", values="mean_p_alive")
    n = cells.pivot(index="frequency_label", columns="recency", values="customers")
    z, n = z.reindex(index=rows, columns=columns), n.reindex(index=rows, columns=columns)
    fig = go.Figure(
        go.Heatmap(
            z=z.to_numpy(),
            x=columns,
            y=rows,
            customdata=n.fillna(0).to_numpy(),
            colorscale="RdYlGn",
            zmin=0,
            zmax=1,
            colorbar={"title": {"text": "Mean P(alive)"}, "tickformat": ".0%"},
            hovertemplate=(
                "%{y} repeat purchases, recency %{x} days<br>mean P(alive) %{z:.1%} "
                "over %{customdata:,} customers<extra></extra>"
            ),
            hoverongaps=False,
        )
    )
    fig.update_layout(
        title={
            "text": f"{title}<br><sup>Recency = days from first to last purchase (BTYD); "
            "0 repeat purchases: P(alive) = 1 by construction</sup>",
            "x": 0.01,
        },
        xaxis_title="Recency (days from first to last purchase)",
        yaxis_title="Repeat purchase days",
        **LAYOUT,
    )
    return fig


def holdout_figure(chart: pd.DataFrame, holdout_days: float | None) -> go.Figure:
    """Purchases per customer in the holdout by calibration frequency bucket: actual, the model's
    prediction and the naive baseline (``frequency_label, customers, predicted_mean,
    actual_mean, baseline_mean``)."""
    span = f"the {holdout_days:.0f}-day holdout" if holdout_days else "the holdout"
    title = f"Holdout check: purchases per customer in {span}, predicted vs actual"
    if chart.empty:
        return empty_figure(title, "No holdout validation in the published data")
    labels = chart["frequency_label"].astype(str)
    fig = go.Figure()
    series = (
        ("Actual", "actual_mean", ACTUAL),
        ("BG/NBD prediction", "predicted_mean", PREDICTED),
        ("Naive baseline (past rate)", "baseline_mean", BASELINE),
    )
    for name, column, colour in series:
        fig.add_trace(
            go.Bar(
                x=labels,
                y=chart[column],
                name=name,
                marker_color=colour,
                customdata=chart["customers"],
                hovertemplate=(
                    f"{name}<br>%{{x}} repeat purchases before the holdout "
                    "(%{customdata:,} customers)<br>%{y:.2f} purchases per customer"
                    "<extra></extra>"
                ),
            )
        )
    fig.update_layout(
        title={"text": title, "x": 0.01},
        xaxis_title="Repeat purchase days in the calibration period",
        yaxis_title="Purchases per customer in the holdout",
        barmode="group",
        legend={"orientation": "h", "y": -0.2},
        **LAYOUT,
    )
    return fig
