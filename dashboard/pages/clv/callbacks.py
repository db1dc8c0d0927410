"""The CLV page's callback: the top customers by CLV, as many as chosen. The body is a plain
function, registered on the app by ``register_callbacks``."""

from __future__ import annotations

import dash
from dash import Input, Output, html

from dashboard import components, formatting
from dashboard.data import DataUnavailableError, query
from dashboard.errors import shown
from dashboard.pages.clv import ids
from dashboard.pages.clv.layout import TOP_COLUMNS, TOP_LIMITS
from warehouse.queries import clv as queries


def update_top_customers(limit: str | None) -> tuple[object, list[dict]]:
    """The top customers by CLV, as many as chosen."""
    try:
        if (limit or "") not in {str(n) for n in TOP_LIMITS}:
            choices = ", ".join(str(n) for n in TOP_LIMITS)
            raise ValueError(f"Choose how many customers to show: {choices} (got {limit!r}).")
        top = query(queries.top_customers, int(limit))
    except (ValueError, DataUnavailableError) as error:
        reason = shown(error)
        return components.message(reason), []
    caption = (
        f"The {formatting.count(len(top))} buyers with the highest CLV; frequency, recency and T "
        "in days (BTYD conventions), average spend of their repeat purchases."
    )
    rows = components.grid_rows(top, TOP_COLUMNS)
    return html.P(caption, className="text-muted small mb-1"), rows


def register_callbacks(app: dash.Dash) -> None:
    """Register the CLV page's callbacks on ``app``."""
    app.callback(
        Output(ids.CLV_TOP_MESSAGE, "children"),
        Output(ids.CLV_TOP_GRID, "rowData"),
        Input(ids.CLV_TOP_LIMIT, "value"),
    )(update_top_customers)
