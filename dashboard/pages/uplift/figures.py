"""The Uplift page's charts: pure functions, frames in and Plotly figures out."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

LABELS = {"two_model": "Two models", "class_transformation": "Class transformation",
          "interaction": "Interactions"}


def qini_figure(curves: pd.DataFrame, chosen: str) -> go.Figure:
    """Each learner's held-out Qini curve (incremental conversions against the share targeted)
    and the random line to the curve's end."""
    fig = go.Figure()
    for learner, curve in curves.groupby("learner", sort=False):
        fig.add_scatter(x=curve["share"] * 100, y=curve["incremental_conversions"], mode="lines",
                        name=LABELS.get(learner, learner) + (" (chosen)" if learner == chosen
                                                             else ""),
                        line={"width": 3 if learner == chosen else 1.5})
    end = curves.loc[curves["share"] == curves["share"].max(), "incremental_conversions"]
    fig.add_scatter(x=[0, 100], y=[0, float(end.mean()) if len(end) else 0.0], mode="lines",
                    name="Random", line={"dash": "dash", "color": "grey"})
    fig.update_layout(title={"text": "Qini curve on held-out customers", "x": 0.01},
                      template="plotly_white", xaxis_title="Customers targeted, % (by predicted "
                      "uplift)", yaxis_title="Incremental conversions", legend={"x": 0.01,
                                                                                "y": 0.99})
    return fig


def deciles_figure(deciles: pd.DataFrame) -> go.Figure:
    """Observed uplift per decile of predicted uplift (with its 95 % interval) against the mean
    prediction."""
    fig = go.Figure()
    fig.add_bar(x=deciles["decile"], y=deciles["actual_uplift"] * 100, name="Observed",
                error_y={"type": "data", "symmetric": False,
                         "array": (deciles["ci_high"] - deciles["actual_uplift"]) * 100,
                         "arrayminus": (deciles["actual_uplift"] - deciles["ci_low"]) * 100})
    fig.add_scatter(x=deciles["decile"], y=deciles["predicted_uplift"] * 100, name="Predicted",
                    mode="lines+markers")
    fig.update_layout(title={"text": "Uplift by decile of predicted uplift (held out)", "x": 0.01},
                      template="plotly_white", xaxis_title="Decile (1 = highest predicted)",
                      yaxis_title="Uplift, percentage points", xaxis={"dtick": 1})
    return fig
