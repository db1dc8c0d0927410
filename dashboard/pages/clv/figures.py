"""Figures of the CLV page. Inputs are the frames of ``warehouse.queries.clv``: CLV in the shop's
currency units over the model's horizon, purchases counted as purchase days, times in days."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.clv_constants import PURCHASE_MODEL_LABELS
from dashboard import formatting
from dashboard.figures import empty_figure, set_title

ACTUAL, PREDICTED, BASELINE = "#2c3e50", "#18bc9c", "#f39c12"
LAYOUT = {
    "margin": {"l": 60, "r": 20, "b": 60},
    "hoverlabel": {"align": "left"},
}


def histogram_figure(bins: pd.DataFrame, horizon_months: int) -> go.Figure:
    """Customers per CLV bin (``bin_start, bin_end, customers``), equal-width bins up to the
    99th percentile; the last bin also holds the top 1 % (it reaches the maximum)."""
    title = f"Customer lifetime value, next {horizon_months} months"
    if bins.empty:
        return empty_figure(title, "No customer has a CLV in the published data", width="half")
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
        xaxis_title="CLV (shop currency)", yaxis_title="Customers", bargap=0.05, **LAYOUT
    )
    note = (f"Predicted spend per buyer over the horizon, discounted. Axis clipped at the 99th "
            f"percentile: the last bar also holds the top 1% of buyers, up to {top}.")
    return set_title(fig, title, note, width="half")


def p_alive_figure(matrix: pd.DataFrame, purchase_model: str | None = None) -> go.Figure:
    """Mean P(alive) per repeat-purchase bucket × days since the last purchase (``frequency_label,
    days_start, days_end, customers, mean_p_alive``; only non-empty cells); ``purchase_model``
    ("bg_nbd" or "mbg_nbd") says what it means for one-time buyers."""
    title = "Chance still active by repeat purchases and days since the last one"
    if matrix.empty:
        return empty_figure(title, "No customer has a P(alive) in the published data",
                            width="half")
    cells = matrix.assign(
        days=[f"{a:.0f}–{b:.0f}"
              for a, b in zip(matrix["days_start"], matrix["days_end"], strict=True)]
    )
    columns = list(dict.fromkeys(cells.sort_values("days_start")["days"]))
    rows = list(dict.fromkeys(cells.sort_values("frequency_bucket")["frequency_label"]))
    z = cells.pivot(index="frequency_label", columns="days", values="mean_p_alive")
    n = cells.pivot(index="frequency_label", columns="days", values="customers")
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
            colorbar={"title": {"text": "P(alive)"}, "tickformat": ".0%"},
            hovertemplate=(
                "%{y} repeat purchase days, last purchase %{x} days ago<br>mean P(alive) "
                "%{z:.1%} over %{customdata:,} buyers<extra></extra>"
            ),
            hoverongaps=False,
        )
    )
    fig.update_layout(
        xaxis_title="Days since the last purchase",
        yaxis_title="Repeat purchase days",
        **LAYOUT,
    )
    label = PURCHASE_MODEL_LABELS.get(purchase_model or "", "the purchase model")
    one_time = (
        "one-time buyers (row 0) are 100% by construction"
        if purchase_model == "bg_nbd"
        else "it falls the longer ago a buyer last bought"
    )
    note = f"P(alive): the {label} estimate that a buyer has not dropped out; {one_time}."
    return set_title(fig, title, note, width="half")


def holdout_figure(
    chart: pd.DataFrame, holdout_days: float | None, purchase_model: str | None = None
) -> go.Figure:
    """Purchases per customer in the holdout by calibration frequency bucket: actual, the chosen
    model's prediction and the naive baseline (``frequency_label, customers, predicted_mean,
    actual_mean, baseline_mean``)."""
    span = f"the {holdout_days:.0f}-day holdout" if holdout_days else "the holdout"
    title = f"Holdout check: purchases per customer in {span}, predicted vs actual"
    if chart.empty:
        return empty_figure(title, "No holdout validation in the published data")
    labels = chart["frequency_label"].astype(str)
    fig = go.Figure()
    label = PURCHASE_MODEL_LABELS.get(purchase_model or "", "Model")
    series = (
        ("Actual", "actual_mean", ACTUAL),
        (f"{label} prediction", "predicted_mean", PREDICTED),
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
        xaxis_title="Repeat purchase days in the calibration period",
        yaxis_title="Purchases per customer in the holdout",
        barmode="group",
        legend={"orientation": "h", "y": -0.2},
        **LAYOUT,
    )
    note = ("The model was fitted on the data before the holdout, then asked how often each "
            "customer would buy in it. Naive baseline: each customer's past purchase rate, "
            "repeated.")
    return set_title(fig, title, note)
