"""Figure pieces shared by the pages (each page's own builders are in its figures.py): pure
functions, a frame in and a Plotly figure out, no Dash, no database."""

from __future__ import annotations

import plotly.graph_objects as go


def empty_figure(title: str, text: str) -> go.Figure:
    """A blank chart that says why it is blank (no data, invalid dates, a failed query)."""
    fig = go.Figure()
    fig.update_layout(
        title={"text": title, "x": 0.01},
        template="plotly_white",
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[{"text": text, "showarrow": False, "font": {"size": 14}, "xref": "paper",
                      "yref": "paper", "x": 0.5, "y": 0.5}],
    )
    return fig
