"""Figures of the Daily list page: a list's predicted against actual conversions, the
backtest's lists against the baseline's, the model's calibration, and the history of daily
active visitors and their conversions. Pure: stored frames in, Plotly figures out."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from dashboard.figures import empty_figure

MODEL_COLOUR, BASELINE_COLOUR, EXPECTED_COLOUR = "#18bc9c", "#95a5a6", "#2c3e50"
MARGIN = {"l": 60, "r": 20, "t": 60, "b": 50}
HISTORY_DAYS = 90  # the history shows the report dates of the last 90 days


@functools.cache
def _white_template() -> dict:
    """The ``plotly_white`` template as plain JSON, built once: a figure drawn on a click is a
    plain dict, which skips Plotly's validation (most of the cost of a small figure)."""
    return pio.templates["plotly_white"].to_plotly_json()


def pva_figure(rows: pd.DataFrame, day: str) -> dict:
    """Conversions down the list: the expected count (sum of the probabilities) against the
    actual buyers, cumulated from rank 1. ``rows``: ``list_rank, conversion_probability,
    is_converted``. A plain figure dict (drawn on a click)."""
    title = f"Predicted vs actual conversions down the list of {day}"
    if rows.empty:
        return empty_figure(title, "The list was empty").to_plotly_json()
    ordered = rows.sort_values("list_rank")
    rank = ordered["list_rank"].astype(int).tolist()
    return {
        "data": [
            {"type": "scatter", "mode": "lines", "x": rank,
             "y": ordered["conversion_probability"].cumsum().tolist(), "name": "Expected",
             "line": {"color": EXPECTED_COLOUR, "dash": "dash"},
             "hovertemplate": "Top %{x}: %{y:.1f} expected<extra></extra>"},
            {"type": "scatter", "mode": "lines", "x": rank,
             "y": ordered["is_converted"].astype(int).cumsum().tolist(), "name": "Actual",
             "line": {"color": MODEL_COLOUR, "shape": "hv", "width": 3},
             "hovertemplate": "Top %{x}: %{y} bought<extra></extra>"},
        ],
        "layout": {
            "template": _white_template(), "title": {"text": title, "x": 0.01},
            "margin": MARGIN, "xaxis": {"title": {"text": "Visitors from the top of the list"}},
            "yaxis": {"title": {"text": "Buyers (cumulative)"}}, "hovermode": "x unified",
            "legend": {"orientation": "h", "y": -0.2},
        },
    }


def backtest_figure(days: pd.DataFrame, strategy: str, list_size: int) -> go.Figure:
    """Per replayed day, buyers in the model's list and in the baseline's."""
    title = f"Buyers in the top {list_size}: model ({strategy}) vs static formula"
    rows = days[(days["strategy"] == strategy) & (days["report_date"] != "total")]
    if rows.empty:
        return empty_figure(title, "No backtest day")
    fig = go.Figure([
        go.Bar(x=rows["report_date"], y=rows["model_conversions"], name="Model",
               marker_color=MODEL_COLOUR,
               hovertemplate="%{x}: %{y:.0f} buyers in the model's list<extra></extra>"),
        go.Bar(x=rows["report_date"], y=rows["baseline_conversions"], name="Static formula",
               marker_color=BASELINE_COLOUR,
               hovertemplate="%{x}: %{y:.1f} buyers in the formula's list<extra></extra>"),
    ])
    fig.update_layout(title={"text": title, "x": 0.01}, template="plotly_white", margin=MARGIN,
                      barmode="group", yaxis_title="Buyers within the outcome window",
                      xaxis={"type": "category", "title": "Report date"},
                      legend={"orientation": "h", "y": -0.25})
    return fig


def reliability_figure(reliability: pd.DataFrame, strategy: str) -> go.Figure:
    """Mean predicted probability against the observed purchase rate per tenth of the
    candidates (by probability), over all backtest days; the diagonal is perfect calibration."""
    title = "Calibration over the backtest days"
    rows = reliability[reliability["strategy"] == strategy].dropna(subset=["observed_rate"])
    if rows.empty:
        return empty_figure(title, "No backtest yet")
    top = float(max(rows["mean_predicted"].max(), rows["observed_rate"].max())) * 1.05
    fig = go.Figure([
        go.Scatter(x=[0, top], y=[0, top], mode="lines", name="Perfect calibration",
                   line={"color": BASELINE_COLOUR, "dash": "dot"}, hoverinfo="skip"),
        go.Scatter(x=rows["mean_predicted"], y=rows["observed_rate"], mode="lines+markers",
                   name="Model", line={"color": MODEL_COLOUR},
                   customdata=np.stack([rows["customers"]], axis=-1),
                   hovertemplate="predicted %{x:.2%}, observed %{y:.2%} "
                                 "(%{customdata[0]:,} candidates)<extra></extra>"),
    ])
    fig.update_layout(title={"text": title, "x": 0.01}, template="plotly_white", margin=MARGIN,
                      xaxis={"title": "Mean predicted probability", "tickformat": ".1%"},
                      yaxis={"title": "Observed purchase rate", "tickformat": ".1%"},
                      legend={"orientation": "h", "y": -0.25})
    return fig


def history_figure(history: pd.DataFrame, horizon_days: int) -> go.Figure:
    """Daily active visitors (the candidates) and how many of them bought within the outcome
    window, with the conversion rate, over the last ``HISTORY_DAYS`` days of report dates."""
    title = "History: daily active visitors and their conversions"
    if history.empty:
        return empty_figure(title, "No report date yet")
    dates = pd.to_datetime(history["report_date"])
    history = history[dates > dates.max() - pd.Timedelta(days=HISTORY_DAYS)]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        specs=[[{}], [{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=history["report_date"], y=history["candidates"],
                         name="Active visitors", marker_color=BASELINE_COLOUR,
                         hovertemplate="%{x|%d %b %Y}: %{y:,} active in the 24 h before"
                                       "<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Bar(x=history["report_date"], y=history["buyers"],
                         name=f"Bought within {horizon_days} days", marker_color=MODEL_COLOUR,
                         hovertemplate="%{x|%d %b %Y}: %{y:,.0f} bought<extra></extra>"),
                  row=2, col=1)
    fig.add_trace(go.Scatter(x=history["report_date"], y=history["conversion_rate"],
                             name="Conversion rate", mode="lines+markers",
                             line={"color": EXPECTED_COLOUR},
                             hovertemplate="%{x|%d %b %Y}: %{y:.2%}<extra></extra>"),
                  row=2, col=1, secondary_y=True)
    fig.update_yaxes(title_text="Visitors", row=1, col=1)
    fig.update_yaxes(title_text="Buyers", row=2, col=1, secondary_y=False)
    fig.update_yaxes(title_text="Rate", tickformat=".1%", row=2, col=1, secondary_y=True)
    fig.update_layout(title={"text": title, "x": 0.01}, template="plotly_white", margin=MARGIN,
                      legend={"orientation": "h", "y": -0.15}, bargap=0.15)
    return fig
