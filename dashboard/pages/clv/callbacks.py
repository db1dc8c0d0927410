"""The CLV page's callbacks: the top customers by CLV, as many as chosen, and their CSV export.
Bodies are plain functions, registered on the app by ``register_callbacks``."""

from __future__ import annotations

import dash
from dash import Input, Output, State, dcc, html, no_update
from sqlalchemy.exc import SQLAlchemyError

from dashboard import components, formatting, store_access
from dashboard.data import DataUnavailableError, query, snapshot_reader
from dashboard.errors import shown
from dashboard.pages.clv import export, ids
from dashboard.pages.clv.layout import TOP_COLUMNS, TOP_LIMITS
from warehouse import commands
from warehouse.queries import clv as queries


def _limit(limit: str | None) -> int:
    if (limit or "") not in {str(n) for n in TOP_LIMITS}:
        choices = ", ".join(str(n) for n in TOP_LIMITS)
        raise ValueError(f"Choose how many customers to show: {choices} (got {limit!r}).")
    return int(limit)


def update_top_customers(limit: str | None) -> tuple[object, list[dict]]:
    """The top customers by CLV, as many as chosen."""
    try:
        top = query(queries.top_customers, _limit(limit))
    except (ValueError, DataUnavailableError) as error:
        reason = shown(error)
        return components.message(reason), []
    caption = (
        f"The {formatting.count(len(top))} buyers with the highest CLV. Repeat purchase days, "
        "days since the last purchase and age T (days since the first purchase) follow the BTYD "
        "conventions; Export CSV downloads the rows chosen here."
    )
    rows = components.grid_rows(top, TOP_COLUMNS)
    return html.P(caption, className="text-muted small mb-1"), rows


def export_top_customers(n_clicks: int | None, limit: str | None):
    """The chosen number of top customers as a CSV in which no cell can run as a formula; the
    export is in the audit log before the file is handed out."""
    if not n_clicks:
        return no_update, no_update
    try:
        count = _limit(limit)
        top = query(queries.top_customers, count)
        name = export.export_file_name(count)
        commands.log_segment_export(snapshot_reader().db, export.AUDIT_SEGMENT, len(top), name,
                                    user=store_access.acting_user(),
                                    ops_url=store_access.ops_url())
    except (ValueError, DataUnavailableError, SQLAlchemyError) as error:
        reason = shown(error)
        return no_update, components.message(reason)
    return dcc.send_string(export.export_csv(top), name, "text/csv"), None


def register_callbacks(app: dash.Dash) -> None:
    """Register the CLV page's callbacks on ``app``."""
    app.callback(
        Output(ids.CLV_TOP_MESSAGE, "children"),
        Output(ids.CLV_TOP_GRID, "rowData"),
        Input(ids.CLV_TOP_LIMIT, "value"),
    )(update_top_customers)
    app.callback(
        Output(ids.CLV_EXPORT_DOWNLOAD, "data"),
        Output(ids.CLV_EXPORT_MESSAGE, "children"),
        Input(ids.CLV_EXPORT_BUTTON, "n_clicks"),
        State(ids.CLV_TOP_LIMIT, "value"),
        prevent_initial_call=True,
    )(export_top_customers)
