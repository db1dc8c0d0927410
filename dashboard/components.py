"""Layout pieces shared by pages: page header, KPI card, message (empty state / error)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def page_header(title: str, subtitle: str) -> html.Div:
    return html.Div(
        [html.H2(title, className="mb-1"), html.P(subtitle, className="text-muted mb-3")],
        className="ab-page-header",
    )


def message(text: str, *, color: str = "warning", component_id: str | None = None) -> dbc.Alert:
    """A visible explanation in place of content: no data yet, invalid input, missing table."""
    props = {"id": component_id} if component_id else {}
    return dbc.Alert(text, color=color, className="mb-3", **props)


def kpi_card(
    title: str,
    value: str,
    *,
    value_id: str,
    change_id: str,
    change_text: str,
    direction: int | None,
    footnote: str,
) -> dbc.Card:
    """One headline number with its change against the previous period.

    ``direction`` is +1 (up, green), -1 (down, red), 0 (flat) or None (nothing to compare with).
    """
    arrow, color = {1: ("▲", "success"), -1: ("▼", "danger"), 0: ("▬", "secondary")}.get(
        direction, ("", "secondary")
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(title, className="ab-kpi-title text-muted"),
                html.Div(value, id=value_id, className="ab-kpi-value"),
                html.Div(
                    f"{arrow} {change_text}".strip(),
                    id=change_id,
                    className=f"ab-kpi-change text-{color}",
                ),
                html.Div(footnote, className="ab-kpi-footnote text-muted"),
            ]
        ),
        className="ab-kpi-card h-100",
    )
