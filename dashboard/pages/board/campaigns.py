"""The Action board's campaigns card: every campaign with its state, the selected one's measured
lift with confidence intervals and SRM check, and downloads of its two groups (streamed from a
route, for campaign owners and admins)."""

from __future__ import annotations

from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate
from werkzeug.wrappers import Response

from dashboard import components
from dashboard.access import CAMPAIGN_OWNER, visible_to
from dashboard.data import query
from dashboard.downloads import add_download, csv_response, message
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
                           color="primary", outline=True, size="sm", external_link=True),
                dbc.Button("Download control group (CSV)", id=ids.BOARD_DOWNLOAD_CONTROL,
                           color="primary", outline=True, size="sm", external_link=True),
            ]), md="auto", style=visible_to(CAMPAIGN_OWNER)),
        ], className="g-2 mb-2 align-items-center"),
        html.Div("Downloads are logged in the audit log.", id=ids.BOARD_DOWNLOAD_MESSAGE,
                 className="small text-muted mb-2", style=visible_to(CAMPAIGN_OWNER)),
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


DOWNLOAD_RULE = "/download/campaign/<campaign_id>/<group>.csv"


def download_href(campaign_id: str, group: str) -> str:
    """Where one group of a campaign is downloaded from."""
    return f"/download/campaign/{quote(campaign_id, safe='')}/{group}.csv"


def campaign_detail(campaign_id: str | None, _version: dict | None) -> tuple:
    """The selected campaign's state and, once measured, its lift, CIs and SRM check; the links
    to its two groups."""
    title = "Lift of treatment over control (95% confidence interval)"
    if not campaign_id:
        text = "No campaign yet: launch one from a rule above."
        return text, None, figures.empty_figure(title, text), True, True, None, None
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
        return (components.message(reason), None, figures.empty_figure(title, ""), True, True,
                None, None)
    links = (download_href(campaign_id, "treatment"), download_href(campaign_id, "control"))
    status = tables.status_panel(row, campaign_id, cutoff)
    if results.empty:
        text = tables.status_words(row.status, bool(row.is_measured))
        return status, None, figures.empty_figure(title, text), False, False, *links
    table = html.Div([tables.results_table(results),
                      tables.srm_message(results, float(row.control_share))])
    return status, table, figures.lift_figure(results), False, False, *links


def download_group(campaign_id: str, group: str) -> Response:
    """One group of a campaign as formula-safe CSV, streamed; logged in the audit log before the
    first row is sent."""
    try:
        export = commands.campaign_group_export(common.db(), campaign_id, group,
                                                user=common.user(), ops_url=common.ops_url())
    except ValueError as error:  # an unknown campaign or group
        return message(str(error), 404)
    except PROBLEMS as error:
        return message(shown(error), 503)
    return csv_response(export.file_name, export.frames, export.columns)


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
        Output(ids.BOARD_DOWNLOAD_TREATMENT, "href"),
        Output(ids.BOARD_DOWNLOAD_CONTROL, "href"),
        Input(ids.BOARD_CAMPAIGN_SELECT, "value"),
        Input(ids.BOARD_CAMPAIGNS_VERSION, "data"),
    )(campaign_detail)
    add_download(app, DOWNLOAD_RULE, "download_campaign_group", CAMPAIGN_OWNER, download_group)
    app.callback(Output(ids.BOARD_CAMPAIGN_SELECT, "value", allow_duplicate=True),
                 Input(ids.BOARD_CAMPAIGNS_GRID, "cellClicked"),
                 prevent_initial_call=True)(common.clicked_row_id)
