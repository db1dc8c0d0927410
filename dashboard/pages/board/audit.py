"""The Action board's audit card: launches and exports, newest first."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, html

from dashboard.errors import hidden
from dashboard.pages.board import common, ids, tables
from dashboard.pages.board.common import (
    COUNT_FORMAT,
    PROBLEMS,
    grid,
)
from warehouse import commands

AUDIT_COLUMNS = [
    {"field": "when", "headerName": "When (UTC)", "width": 180, "sort": "desc"},
    {"field": "event", "headerName": "Event", "width": 100},
    {"field": "campaign_id", "headerName": "Campaign", "width": 200},
    {"field": "group_name", "headerName": "Group", "width": 110},
    {"field": "row_count", "headerName": "Rows", "width": 100, "valueFormatter": COUNT_FORMAT,
     "type": "numericColumn"},
    {"field": "file_name", "headerName": "File name", "flex": 1},
]


def card() -> dbc.Card:
    """The audit grid."""
    return dbc.Card(dbc.CardBody([
        html.H4("Audit log: launches and exports", className="mb-2"),
        grid(ids.BOARD_AUDIT_GRID, AUDIT_COLUMNS, "key", 260),
    ]), className="mb-3")


def render_audit(_campaigns: dict | None, _audit: dict | None) -> list[dict[str, Any]]:
    """Launches and exports, newest first."""
    try:
        entries = commands.audit_log(common.db())
    except PROBLEMS as error:
        hidden(error, "the audit grid")
        return []
    return [{**row, "key": f"{i}"} for i, row in enumerate(tables.audit_rows(entries))]


def register(app: dash.Dash) -> None:
    """Register the audit card's callbacks on ``app``."""
    app.callback(
        Output(ids.BOARD_AUDIT_GRID, "rowData"),
        Input(ids.BOARD_CAMPAIGNS_VERSION, "data"),
        Input(ids.BOARD_AUDIT_VERSION, "data"),
    )(render_audit)
