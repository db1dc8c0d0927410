"""The CLV page's callbacks: the top customers by CLV, as many as chosen, and their CSV export
(a route for analysts and up). Bodies are plain functions, registered on the app by
``register_callbacks``."""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import flask
from dash import Input, Output, html
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from dashboard import components, formatting, store_access
from dashboard.access import ANALYST
from dashboard.data import DataUnavailableError, query, snapshot_reader
from dashboard.downloads import add_download, csv_response, message
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


def update_top_customers(limit: str | None) -> tuple[object, list[dict], str]:
    """The top customers by CLV, as many as chosen, and the link to export them."""
    try:
        top = query(queries.top_customers, _limit(limit))
    except (ValueError, DataUnavailableError) as error:
        reason = shown(error)
        return components.message(reason), [], export_href(limit)
    caption = (
        f"The {formatting.count(len(top))} buyers with the highest CLV. Repeat purchase days, "
        "days since the last purchase and age T (days since the first purchase) follow the BTYD "
        "conventions; Export CSV downloads the rows chosen here."
    )
    rows = components.grid_rows(top, TOP_COLUMNS)
    return html.P(caption, className="text-muted small mb-1"), rows, export_href(limit)


EXPORT_PATH = "/download/clv-top.csv"


def export_href(limit: str | None) -> str:
    """Where the CSV of the top ``limit`` customers is downloaded from."""
    return f"{EXPORT_PATH}?{urlencode({'limit': limit or ''})}"


def export_top_customers() -> Response:
    """The top customers by CLV, as many as the query string's ``limit``, as a CSV in which no
    cell can run as a formula; the export is in the audit log before the file is sent."""
    try:
        count = _limit(flask.request.args.get("limit"))
    except ValueError as error:
        return message(str(error), 400)
    try:
        top = query(queries.top_customers, count)
        name = export.export_file_name(count)
        commands.log_segment_export(snapshot_reader().db, export.AUDIT_SEGMENT, len(top), name,
                                    user=store_access.acting_user(),
                                    ops_url=store_access.ops_url())
    except (DataUnavailableError, SQLAlchemyError) as error:
        return message(shown(error), 503)
    return csv_response(name, [top[list(export.EXPORT_COLUMNS)]], export.EXPORT_COLUMNS)


def register_callbacks(app: dash.Dash) -> None:
    """Register the CLV page's callbacks and its export on ``app``."""
    app.callback(
        Output(ids.CLV_TOP_MESSAGE, "children"),
        Output(ids.CLV_TOP_GRID, "rowData"),
        Output(ids.CLV_EXPORT_BUTTON, "href"),
        Input(ids.CLV_TOP_LIMIT, "value"),
    )(update_top_customers)
    add_download(app, EXPORT_PATH, "export_top_customers", ANALYST, export_top_customers)
