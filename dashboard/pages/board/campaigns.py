"""The Action board's campaigns card: every campaign with its state, the selected one's measured
lift with confidence intervals and SRM check, and downloads of its two groups."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import components, formatting
from dashboard.callbacks import with_trigger
from dashboard.data import query
from dashboard.errors import hidden, shown
from dashboard.pages.board import common, figures, ids, tables
from dashboard.pages.board.common import (
    COUNT_FORMAT,
    PROBLEMS,
    grid,
)
from warehouse import commands
from warehouse.queries import board as queries

CAMPAIGN_COLUMNS = [
    {"field": "campaign_id", "headerName": "Campaign", "width": 190},
    {"field": "name", "headerName": "Name", "width": 260},
    {"field": "rule", "headerName": "Rule", "width": 160},
    {"field": "launched", "headerName": "Launched (UTC)", "width": 150},
    {"field": "ends", "headerName": "Ends (UTC)", "width": 150},
    {"field": "status", "headerName": "Status", "width": 300},
    {"field": "audience_size", "headerName": "Audience", "width": 110,
     "valueFormatter": COUNT_FORMAT, "type": "numericColumn"},
    {"field": "count_treatment", "headerName": "Treatment", "width": 110,
     "valueFormatter": COUNT_FORMAT, "type": "numericColumn"},
    {"field": "count_control", "headerName": "Control", "width": 100,
     "valueFormatter": COUNT_FORMAT, "type": "numericColumn"},
]


def card() -> dbc.Card:
    """The campaigns grid, the selected campaign's downloads, state and results."""
    return dbc.Card(dbc.CardBody([
        html.H4("Campaigns", className="mb-2"),
        grid(ids.BOARD_CAMPAIGNS_GRID, CAMPAIGN_COLUMNS, "campaign_id"),
        dbc.Row([
            dbc.Col(dbc.InputGroup([dbc.InputGroupText("Selected campaign"),
                                    dbc.Select(id=ids.BOARD_CAMPAIGN_SELECT, options=[])],
                                   size="sm"), md=6),
            dbc.Col(dbc.ButtonGroup([
                dbc.Button("Download treatment group (CSV)", id=ids.BOARD_DOWNLOAD_TREATMENT,
                           color="primary", outline=True, size="sm"),
                dbc.Button("Download control group (CSV)", id=ids.BOARD_DOWNLOAD_CONTROL,
                           color="primary", outline=True, size="sm"),
            ]), md="auto"),
        ], className="g-2 mb-2 align-items-center"),
        dcc.Download(id=ids.BOARD_DOWNLOAD),
        html.Div(id=ids.BOARD_DOWNLOAD_MESSAGE, className="small text-muted mb-2"),
        html.Div(id=ids.BOARD_CAMPAIGN_STATUS, className="mb-2"),
        html.Div(id=ids.BOARD_RESULTS_TABLE),
        dcc.Graph(id=ids.BOARD_RESULTS_CHART, config={"displaylogo": False}),
    ]), className="mb-3")


def render_campaigns(version: dict | None, selected: str | None) -> tuple:
    """Every campaign, newest first; the one just launched becomes the selected one."""
    try:
        overview = query(queries.campaign_overview, common.db(), common.ops_url(), cache=False)
    except PROBLEMS as error:
        hidden(error, "the campaigns grid")
        return [], [], None
    rows = tables.campaign_rows(overview)
    options = [{"label": f"{r['campaign_id']}: {r['name']}", "value": r["campaign_id"]}
               for r in rows]
    valid = {o["value"] for o in options}
    wanted = (version or {}).get("campaign_id")
    value = next((v for v in (wanted, selected) if v in valid),
                 options[0]["value"] if options else None)
    return rows, options, value


def campaign_detail(campaign_id: str | None, _version: dict | None) -> tuple:
    """The selected campaign's state and, once measured, its lift, CIs and SRM check."""
    title = "Lift of treatment over control (95% confidence interval)"
    if not campaign_id:
        text = "No campaign yet: launch one from a rule above."
        return text, None, figures.empty_figure(title, text), True, True
    try:
        overview = query(queries.campaign_overview, common.db(), common.ops_url(), cache=False)
        overview = overview.set_index("campaign_id")
        cutoff = query(queries.measurement_cutoff)
        if campaign_id not in overview.index:
            raise PreventUpdate
        row = overview.loc[campaign_id]
        results = (query(queries.campaign_results, campaign_id) if row.is_measured
                   else pd.DataFrame())
    except PROBLEMS as error:
        reason = shown(error)
        return components.message(reason), None, figures.empty_figure(title, ""), True, True
    status = tables.status_panel(row, campaign_id, cutoff)
    if results.empty:
        text = tables.status_words(row.status, bool(row.is_measured))
        return status, None, figures.empty_figure(title, text), False, False
    table = html.Div([tables.results_table(results),
                      tables.srm_message(results, float(row.control_share))])
    return status, table, figures.lift_figure(results), False, False


def download_group(trigger: Any, _treatment: Any, _control: Any, campaign_id: str | None,
                   version: dict | None) -> tuple:
    """The selected campaign's treatment or control group as formula-safe CSV (logged)."""
    if not campaign_id:
        raise PreventUpdate
    group = "treatment" if trigger == ids.BOARD_DOWNLOAD_TREATMENT else "control"
    try:
        file_name, text, rows = commands.campaign_group_csv(
            common.db(), campaign_id, group, user=common.user(), ops_url=common.ops_url())
    except (ValueError, *PROBLEMS) as error:
        reason = shown(error)
        return no_update, components.message(reason, color="danger"), no_update
    return (dcc.send_string(text, file_name, type="text/csv"),
            f"Downloaded {file_name} ({formatting.count(rows)} customers); logged in the audit "
            "log.", common.bump(version))


def register(app: dash.Dash) -> None:
    """Register the campaigns card's callbacks on ``app``."""
    app.callback(
        Output(ids.BOARD_CAMPAIGNS_GRID, "rowData"),
        Output(ids.BOARD_CAMPAIGN_SELECT, "options"),
        Output(ids.BOARD_CAMPAIGN_SELECT, "value"),
        Input(ids.BOARD_CAMPAIGNS_VERSION, "data"),
        State(ids.BOARD_CAMPAIGN_SELECT, "value"),
    )(render_campaigns)
    app.callback(
        Output(ids.BOARD_CAMPAIGN_STATUS, "children"),
        Output(ids.BOARD_RESULTS_TABLE, "children"),
        Output(ids.BOARD_RESULTS_CHART, "figure"),
        Output(ids.BOARD_DOWNLOAD_TREATMENT, "disabled"),
        Output(ids.BOARD_DOWNLOAD_CONTROL, "disabled"),
        Input(ids.BOARD_CAMPAIGN_SELECT, "value"),
        Input(ids.BOARD_CAMPAIGNS_VERSION, "data"),
    )(campaign_detail)
    app.callback(
        Output(ids.BOARD_DOWNLOAD, "data"),
        Output(ids.BOARD_DOWNLOAD_MESSAGE, "children"),
        Output(ids.BOARD_AUDIT_VERSION, "data", allow_duplicate=True),
        Input(ids.BOARD_DOWNLOAD_TREATMENT, "n_clicks"),
        Input(ids.BOARD_DOWNLOAD_CONTROL, "n_clicks"),
        State(ids.BOARD_CAMPAIGN_SELECT, "value"),
        State(ids.BOARD_AUDIT_VERSION, "data"),
        prevent_initial_call=True,
    )(with_trigger(download_group))
    app.callback(Output(ids.BOARD_CAMPAIGN_SELECT, "value", allow_duplicate=True),
                 Input(ids.BOARD_CAMPAIGNS_GRID, "cellClicked"),
                 prevent_initial_call=True)(common.clicked_row_id)
