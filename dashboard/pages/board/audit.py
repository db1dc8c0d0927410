"""The Action board's audit card: rule changes, launches, exports and sends, newest first, with
who made them."""

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
    {"field": "user", "headerName": "User", "width": 130},
    {"field": "event", "headerName": "Event", "width": 120},
    {"field": "subject", "headerName": "Campaign, segment or rule", "width": 220},
    {"field": "group_name", "headerName": "Group", "width": 110},
    {"field": "row_count", "headerName": "Rows", "width": 100, "valueFormatter": COUNT_FORMAT,
     "type": "numericColumn"},
    {"field": "file_name", "headerName": "File name", "flex": 1},
]


def card() -> dbc.Card:
    """The audit grid."""
    return dbc.Card(dbc.CardBody([
        html.H4("Audit log: rule changes, launches, exports and sends", className="mb-2"),
        grid(ids.BOARD_AUDIT_GRID, AUDIT_COLUMNS, "key", 260),
    ]), className="mb-3")


def render_audit(_campaigns: dict | None, _audit: dict | None,
                 _rules: dict | None = None) -> list[dict[str, Any]]:
    """The latest audit rows, newest first."""
    try:
        entries = commands.audit_log(common.db(), ops_url=common.ops_url())
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
        Input(ids.BOARD_RULES_VERSION, "data"),
    )(render_audit)
