"""Segment→Action board: rules that give each customer one action, the A/B design of a rule's
audience, launching it as a campaign, downloading its groups and reading its results.

Rules, campaigns and the audit log live in the operational store and change while the page is
open, so their figures are computed live (never from ``dashboard.data``'s per-snapshot cache); a
campaign's measured results belong to a snapshot and are cached with it. Every write bumps a
version store, which re-renders what depends on it.
"""

from __future__ import annotations

import json
import math
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, MATCH, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from analytics.experiment_design import split_audience
from dashboard import board_design, board_forms, components, formatting, ids
from dashboard import board_tables as tables
from dashboard.data import DataUnavailableError, query, snapshot_reader
from dashboard.figures import board as figures
from warehouse import commands
from warehouse.connections import WarehouseBusyError
from warehouse.queries import board as queries
from warehouse.schema.fields import FieldCatalogue, read_field_catalogue
from warehouse.snapshots import NoSnapshotError

dash.register_page(
    __name__, path="/board", name="Action board", order=4, title="Action board · Actionboard"
)

DEFAULT_CONTROL_PCT = 20
DEFAULT_ALPHA_PCT = 5
DEFAULT_POWER_PCT = 80
DEFAULT_EFFECT_PCT = 10
ROWS, JSON_MODE = "rows", "json"
# a stored rule the current validation refuses (e.g. saved before it) cannot be evaluated
PROBLEMS = (DataUnavailableError, WarehouseBusyError, commands.RuleError)


# --- data access -------------------------------------------------------------------------------


def _db():
    return snapshot_reader().db


def _catalogue() -> FieldCatalogue:
    """The rule fields of the snapshot the page reads."""
    return query(read_field_catalogue)


def _bump(version: dict | None, **select: Any) -> dict[str, Any]:
    """The next value of a version store, naming what the renderers should select."""
    return {"n": (version or {}).get("n", 0) + 1, **select}


def _rule_id(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- layout ------------------------------------------------------------------------------------


def condition_row(index: int, catalogue: FieldCatalogue, field: str | None = None,
                  op: str | None = None, value: str = "") -> dbc.Row:
    """One editable condition: field, operator, value and a remove button."""
    ops = board_forms.op_options(field, catalogue)
    return dbc.Row(
        [
            dbc.Col(dbc.Select(id={"type": ids.BOARD_COND_FIELD, "index": index},
                               options=board_forms.field_options(catalogue), value=field,
                               placeholder="Choose a field"), md=4),
            dbc.Col(dbc.Select(id={"type": ids.BOARD_COND_OP, "index": index}, options=ops,
                               value=op if op else (ops[0]["value"] if ops else None)), md=3),
            dbc.Col(dbc.Input(id={"type": ids.BOARD_COND_VALUE, "index": index}, value=value,
                              placeholder=board_forms.value_hint(field, op, catalogue),
                              type="text"), md=4),
            dbc.Col(dbc.Button("Remove", id={"type": ids.BOARD_COND_REMOVE, "index": index},
                               color="link", size="sm", title="Remove this condition"), md=1),
        ],
        className="g-2 mb-2 align-items-center",
    )


def _grid(component_id: str, columns: list[dict[str, Any]], row_id: str,
          height: int | None = None) -> dag.AgGrid:
    """A sortable, filterable grid; without ``height`` it grows with its rows."""
    options: dict[str, Any] = {"suppressColumnVirtualisation": True}
    if height is None:
        options["domLayout"] = "autoHeight"
    return dag.AgGrid(
        id=component_id,
        columnDefs=columns,
        rowData=[],
        getRowId=f"params.data.{row_id}",
        defaultColDef={"sortable": True, "filter": True, "resizable": True},
        dashGridOptions=options,
        style={"height": None if height is None else f"{height}px"},
        className="mb-2",
    )


_COUNT = {"function": "d3.format(',')(params.value)"}
RULE_COLUMNS = [
    {"field": "priority", "headerName": "#", "width": 70},
    {"field": "name", "headerName": "Rule", "width": 170},
    {"field": "count_won", "headerName": "Reached (after priority)", "width": 120,
     "valueFormatter": _COUNT, "type": "numericColumn", "wrapHeaderText": True},
    {"field": "count_matched", "headerName": "Matching (before priority)", "width": 120,
     "valueFormatter": _COUNT, "type": "numericColumn", "wrapHeaderText": True},
    {"field": "share_customers", "headerName": "Share of customers", "width": 110,
     "valueFormatter": {"function": "d3.format('.2%')(params.value)"}, "type": "numericColumn",
     "wrapHeaderText": True},
    {"field": "clv_at_stake_amount", "headerName": "CLV at stake", "width": 110,
     "valueFormatter": {"function": "d3.format(',.0f')(params.value)"}, "type": "numericColumn",
     "wrapHeaderText": True},
    {"field": "enabled", "headerName": "On", "width": 80},
    {"field": "conditions", "headerName": "Conditions", "width": 340, "wrapText": True,
     "autoHeight": True, "cellStyle": {"lineHeight": "1.4", "paddingTop": "6px",
                                       "paddingBottom": "6px"}},
    {"field": "action", "headerName": "Action", "width": 170},
    {"field": "channel", "headerName": "Channel", "width": 95},
    {"field": "offer", "headerName": "Offer", "width": 160},
    {"field": "kpi", "headerName": "KPI", "width": 140},
]
CAMPAIGN_COLUMNS = [
    {"field": "campaign_id", "headerName": "Campaign", "width": 190},
    {"field": "name", "headerName": "Name", "width": 260},
    {"field": "rule", "headerName": "Rule", "width": 160},
    {"field": "launched", "headerName": "Launched (UTC)", "width": 150},
    {"field": "ends", "headerName": "Ends (UTC)", "width": 150},
    {"field": "status", "headerName": "Status", "width": 300},
    {"field": "audience_size", "headerName": "Audience", "width": 110, "valueFormatter": _COUNT,
     "type": "numericColumn"},
    {"field": "count_treatment", "headerName": "Treatment", "width": 110,
     "valueFormatter": _COUNT, "type": "numericColumn"},
    {"field": "count_control", "headerName": "Control", "width": 100, "valueFormatter": _COUNT,
     "type": "numericColumn"},
]
AUDIT_COLUMNS = [
    {"field": "when", "headerName": "When (UTC)", "width": 180, "sort": "desc"},
    {"field": "event", "headerName": "Event", "width": 100},
    {"field": "campaign_id", "headerName": "Campaign", "width": 200},
    {"field": "group_name", "headerName": "Group", "width": 110},
    {"field": "row_count", "headerName": "Rows", "width": 100, "valueFormatter": _COUNT,
     "type": "numericColumn"},
    {"field": "file_name", "headerName": "File name", "flex": 1},
]


def _labelled(label: str, control: Any, width: int = 3, text: str | None = None) -> dbc.Col:
    children = [dbc.Label(label, className="small mb-1"), control]
    if text:
        children.append(dbc.FormText(text))
    return dbc.Col(children, md=width)


def _rules_card() -> dbc.Card:
    buttons = dbc.ButtonGroup([
        dbc.Button("Move up", id=ids.BOARD_RULE_UP, color="secondary", outline=True, size="sm"),
        dbc.Button("Move down", id=ids.BOARD_RULE_DOWN, color="secondary", outline=True,
                   size="sm"),
        dbc.Button("Turn off", id=ids.BOARD_RULE_TOGGLE, color="secondary", outline=True,
                   size="sm"),
        dbc.Button("Edit", id=ids.BOARD_RULE_EDIT, color="primary", outline=True, size="sm"),
        dbc.Button("Delete", id=ids.BOARD_RULE_DELETE, color="danger", outline=True, size="sm"),
    ])
    return dbc.Card(dbc.CardBody([
        html.H4("Rules, in priority order", className="mb-1"),
        html.P(id=ids.BOARD_SUMMARY, className="text-muted"),
        _grid(ids.BOARD_RULES_GRID, RULE_COLUMNS, "row_key"),
        dbc.Row([
            dbc.Col(dbc.InputGroup([dbc.InputGroupText("Selected rule"),
                                    dbc.Select(id=ids.BOARD_RULE_SELECT, options=[])],
                                   size="sm"), md=5),
            dbc.Col(buttons, md="auto"),
        ], className="g-2 mb-2 align-items-center"),
        dcc.ConfirmDialog(id=ids.BOARD_DELETE_CONFIRM),
        html.Div(id=ids.BOARD_RULE_MESSAGE),
        dcc.Graph(id=ids.BOARD_AUDIENCE_CHART, config={"displaylogo": False}),
    ]), className="mb-3")


def _editor_card(suggestions: list[str], catalogue: FieldCatalogue) -> dbc.Card:
    first = [
        _labelled("Rule name", dbc.Input(id=ids.BOARD_RULE_NAME, value="", type="text")),
        _labelled("Action", dbc.Input(id=ids.BOARD_RULE_ACTION, value="", type="text",
                                      placeholder="e.g. Win-back voucher")),
        _labelled("Channel", dbc.Select(id=ids.BOARD_RULE_CHANNEL, value="email",
                                        options=[{"label": c, "value": c}
                                                 for c in commands.CHANNELS]), 2),
        _labelled("Offer", dbc.Input(id=ids.BOARD_RULE_OFFER, value="", type="text",
                                     placeholder="e.g. 25% voucher")),
        _labelled("KPI", dbc.Input(id=ids.BOARD_RULE_KPI, value="", type="text",
                                   list=ids.BOARD_RULE_KPI_LIST, placeholder="e.g. retention"), 2),
        dbc.Col(dbc.Switch(id=ids.BOARD_RULE_ENABLED, value=True, label="Rule is on"),
                md=2, className="pt-4"),
    ]
    return dbc.Card(dbc.CardBody([
        dbc.Row([
            dbc.Col(html.H4("New rule", id=ids.BOARD_EDITOR_TITLE, className="mb-2")),
            dbc.Col(dbc.Button("Start a new rule", id=ids.BOARD_NEW_RULE, color="secondary",
                               outline=True, size="sm"), width="auto"),
        ]),
        dcc.Store(id=ids.BOARD_EDIT_RULE_ID, data=None),
        html.Datalist(id=ids.BOARD_RULE_KPI_LIST,
                      children=[html.Option(value=k) for k in commands.KPIS]),
        html.Datalist(id=ids.BOARD_VALUE_LIST,
                      children=[html.Option(value=s) for s in suggestions]),
        dbc.Row(first, className="g-2 mb-3"),
        html.H6("Conditions (all must hold)"),
        dbc.RadioItems(id=ids.BOARD_CONDITION_MODE, value=ROWS, inline=True, className="mb-2",
                       options=[{"label": "Build with rows", "value": ROWS},
                                {"label": "Write JSON (for OR groups)", "value": JSON_MODE}]),
        html.Div(id=ids.BOARD_CONDITION_ROWS, children=[condition_row(0, catalogue)]),
        dbc.Button("Add a condition", id=ids.BOARD_CONDITION_ADD, color="link", size="sm"),
        dbc.Textarea(id=ids.BOARD_CONDITIONS_JSON, value="", rows=7,
                     placeholder="Example:\n" + board_forms.JSON_EXAMPLE,
                     style={"display": "none", "fontFamily": "monospace"}),
        html.Div(dbc.Button("Save rule", id=ids.BOARD_SAVE_RULE, color="primary"),
                 className="mt-2"),
    ]), className="mb-3")


def _number(component_id: str, value: float, low: float, high: float, step: float = 1) -> dbc.Input:
    return dbc.Input(id=component_id, type="number", value=value, min=low, max=high, step=step)


def _design_card() -> dbc.Card:
    inputs = dbc.Row([
        _labelled("Control share (%)", _number(ids.BOARD_DESIGN_SHARE, DEFAULT_CONTROL_PCT, 1, 50),
                  2, "held out, gets no action"),
        _labelled("Significance (%)", _number(ids.BOARD_DESIGN_ALPHA, DEFAULT_ALPHA_PCT, 0.1, 49,
                                              0.1), 2, "false alarm rate"),
        _labelled("Power (%)", _number(ids.BOARD_DESIGN_POWER, DEFAULT_POWER_PCT, 1, 99.9, 0.1),
                  2, "chance to detect the effect"),
        _labelled("Conversion effect to detect", dbc.InputGroup([
            _number(ids.BOARD_DESIGN_EFFECT, DEFAULT_EFFECT_PCT, 0.01, 1000, 0.01),
            dbc.Select(id=ids.BOARD_DESIGN_EFFECT_UNIT, value=board_design.RELATIVE, options=[
                {"label": "% relative", "value": board_design.RELATIVE},
                {"label": "percentage points", "value": board_design.PP}]),
        ]), 3),
        _labelled("Revenue effect (% relative)",
                  _number(ids.BOARD_DESIGN_REVENUE_EFFECT, DEFAULT_EFFECT_PCT, 0.01, 1000, 0.01),
                  2, "per customer"),
    ], className="g-2 mb-2")
    launch = dbc.Row([
        _labelled("Campaign name (optional)", dbc.Input(id=ids.BOARD_LAUNCH_NAME, value="",
                                                        type="text"), 4),
        _labelled("Duration (days)", _number(ids.BOARD_LAUNCH_DAYS,
                                             commands.DEFAULT_DURATION_DAYS, 1, 365), 2),
        dbc.Col(dbc.Button("Launch campaign", id=ids.BOARD_LAUNCH_BUTTON, color="success"),
                md="auto", className="pt-4"),
    ], className="g-2 mb-2")
    return dbc.Card(dbc.CardBody([
        html.H4("Experiment design and launch, for the selected rule", className="mb-1"),
        html.P("Launching freezes the customers the rule reaches now and splits them into "
               "treatment and control by a salted hash, stratified by segment.",
               className="text-muted small"),
        inputs,
        html.Div(id=ids.BOARD_DESIGN_BASELINE, className="mb-2"),
        dcc.Loading(html.Div(id=ids.BOARD_DESIGN_TABLE)),
        launch,
        html.Div(id=ids.BOARD_LAUNCH_RESULT),
    ]), className="mb-3")


def _campaigns_card() -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.H4("Campaigns", className="mb-2"),
        _grid(ids.BOARD_CAMPAIGNS_GRID, CAMPAIGN_COLUMNS, "campaign_id"),
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


def _audit_card() -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.H4("Audit log: launches and exports", className="mb-2"),
        _grid(ids.BOARD_AUDIT_GRID, AUDIT_COLUMNS, "key", 260),
    ]), className="mb-3")


def layout(**_query: str) -> html.Div:
    header = components.page_header(
        "Action board",
        "Which customers get which action, and whether it works: rules, A/B design, campaigns.",
    )
    try:
        segments = sorted(query(queries.known_segments))
        catalogue = query(read_field_catalogue)
    except PROBLEMS as error:
        return html.Div([header, components.message(str(error), component_id=ids.BOARD_MESSAGE)])
    return html.Div([
        header,
        dcc.Store(id=ids.BOARD_RULES_VERSION, data={"n": 0}),
        dcc.Store(id=ids.BOARD_CAMPAIGNS_VERSION, data={"n": 0}),
        dcc.Store(id=ids.BOARD_AUDIT_VERSION, data={"n": 0}),
        html.Div(id=ids.BOARD_MESSAGE),
        _rules_card(),
        _editor_card([*segments, "rfm", "behavioural"], catalogue),
        _design_card(),
        _campaigns_card(),
        _audit_card(),
    ])


# --- callbacks: rules --------------------------------------------------------------------------


@callback(
    Output(ids.BOARD_RULES_GRID, "rowData"),
    Output(ids.BOARD_SUMMARY, "children"),
    Output(ids.BOARD_AUDIENCE_CHART, "figure"),
    Output(ids.BOARD_RULE_SELECT, "options"),
    Output(ids.BOARD_RULE_SELECT, "value"),
    Output(ids.BOARD_MESSAGE, "children"),
    Input(ids.BOARD_RULES_VERSION, "data"),
    State(ids.BOARD_RULE_SELECT, "value"),
)
def render_rules(version: dict | None, selected: str | None) -> tuple:
    """The rules grid, the summary line and the audience chart, from the rules stored now."""
    options: list[dict[str, str]] = []
    value = None
    try:
        rules = commands.list_rules(_db())
        options = [{"label": f"{r.priority}. {r.name}" + ("" if r.enabled else " (off)"),
                    "value": str(r.rule_id)} for r in rules]
        valid = {o["value"] for o in options}
        wanted = (version or {}).get("rule_id")
        value = next((str(v) for v in (wanted, selected) if v is not None and str(v) in valid),
                     options[0]["value"] if options else None)
        stats = query(queries.rule_stats, rules)
        catalogue = query(read_field_catalogue)
    except PROBLEMS as error:  # the picker stays, so a faulty rule can be edited or deleted
        blank = figures.empty_figure("", str(error))
        return [], "", blank, options, value, components.message(str(error))
    return (tables.rules_rows(stats, rules, catalogue), tables.summary_text(stats),
            figures.audience_figure(stats.rules),
            options, value, None)


def clicked_row_id(cell: dict | None) -> str:
    """Clicking a row of a grid selects that row (rule or campaign) in the picker below it."""
    if not cell or cell.get("rowId") is None:
        raise PreventUpdate
    return str(cell["rowId"])


for _grid_id, _select_id in ((ids.BOARD_RULES_GRID, ids.BOARD_RULE_SELECT),
                             (ids.BOARD_CAMPAIGNS_GRID, ids.BOARD_CAMPAIGN_SELECT)):
    callback(Output(_select_id, "value", allow_duplicate=True),
             Input(_grid_id, "cellClicked"), prevent_initial_call=True)(clicked_row_id)


@callback(
    Output(ids.BOARD_RULE_TOGGLE, "children"),
    Input(ids.BOARD_RULE_SELECT, "value"),
    Input(ids.BOARD_RULES_VERSION, "data"),
)
def toggle_label(rule_id: str | None, _version: dict | None) -> str:
    """'Turn off' for an enabled rule, 'Turn on' for a disabled one."""
    identifier = _rule_id(rule_id)
    if identifier is None:
        return "Turn off"
    try:
        return "Turn off" if commands.get_rule(_db(), identifier).enabled else "Turn on"
    except (commands.RuleError, *PROBLEMS):
        return "Turn off"


@callback(
    Output(ids.BOARD_DELETE_CONFIRM, "displayed"),
    Output(ids.BOARD_DELETE_CONFIRM, "message"),
    Input(ids.BOARD_RULE_DELETE, "n_clicks"),
    State(ids.BOARD_RULE_SELECT, "value"),
    prevent_initial_call=True,
)
def ask_before_delete(_clicks: int | None, rule_id: str | None) -> tuple[bool, str]:
    """Deleting asks for confirmation first."""
    identifier = _rule_id(rule_id)
    if identifier is None:
        raise PreventUpdate
    try:
        rule = commands.get_rule(_db(), identifier)
    except commands.RuleError:  # deleted meanwhile
        raise PreventUpdate from None
    return True, (f"Delete the rule '{rule.name}'? Its customers fall through to the next "
                  "matching rule. Campaigns already launched are kept.")


def change_rule(action: str, rule_id: int) -> str:
    """Apply 'up', 'down', 'toggle' or 'delete' to a stored rule; return what happened."""
    db = _db()
    rule = commands.get_rule(db, rule_id)
    if action in ("up", "down"):
        target = rule.priority - 1 if action == "up" else rule.priority + 1
        moved = next(r for r in commands.move_rule(db, rule_id, target) if r.rule_id == rule_id)
        return f"'{rule.name}' now has priority {moved.priority}."
    if action == "toggle":
        changed = commands.set_rule_enabled(db, rule_id, not rule.enabled)
        if changed.enabled:
            return f"'{rule.name}' is on again."
        return f"'{rule.name}' is off: its customers fall through to the next matching rule."
    commands.delete_rule(db, rule_id)
    return f"Deleted '{rule.name}'. Campaigns already launched from it are kept."


RULE_ACTIONS = {ids.BOARD_RULE_UP: "up", ids.BOARD_RULE_DOWN: "down",
                ids.BOARD_RULE_TOGGLE: "toggle", ids.BOARD_DELETE_CONFIRM: "delete"}


@callback(
    Output(ids.BOARD_RULE_MESSAGE, "children", allow_duplicate=True),
    Output(ids.BOARD_RULES_VERSION, "data", allow_duplicate=True),
    Input(ids.BOARD_RULE_UP, "n_clicks"),
    Input(ids.BOARD_RULE_DOWN, "n_clicks"),
    Input(ids.BOARD_RULE_TOGGLE, "n_clicks"),
    Input(ids.BOARD_DELETE_CONFIRM, "submit_n_clicks"),
    State(ids.BOARD_RULE_SELECT, "value"),
    State(ids.BOARD_RULES_VERSION, "data"),
    prevent_initial_call=True,
)
def update_rule_list(*args: Any) -> tuple:
    """Move, switch on/off or (after confirmation) delete the selected rule."""
    rule_id, version = _rule_id(args[-2]), args[-1]
    if rule_id is None:
        return components.message("Select a rule first."), no_update
    action = RULE_ACTIONS[ctx.triggered_id]
    try:
        text = change_rule(action, rule_id)
    except (commands.RuleError, *PROBLEMS) as error:
        return components.message(str(error), color="danger"), no_update
    keep = None if action == "delete" else rule_id
    return components.message(text, color="info"), _bump(version, rule_id=keep)


@callback(
    Output(ids.BOARD_CONDITIONS_JSON, "style"),
    Output(ids.BOARD_CONDITION_ROWS, "style"),
    Output(ids.BOARD_CONDITION_ADD, "style"),
    Input(ids.BOARD_CONDITION_MODE, "value"),
)
def show_condition_editor(mode: str) -> tuple[dict, dict, dict]:
    """Show either the rows or the JSON text area."""
    hidden, shown = {"display": "none"}, {"display": "block"}
    if mode == JSON_MODE:
        return {**shown, "fontFamily": "monospace"}, hidden, hidden
    return {"display": "none", "fontFamily": "monospace"}, shown, {"display": "inline-block"}


@callback(
    Output({"type": ids.BOARD_COND_OP, "index": MATCH}, "options"),
    Output({"type": ids.BOARD_COND_OP, "index": MATCH}, "value"),
    Input({"type": ids.BOARD_COND_FIELD, "index": MATCH}, "value"),
    State({"type": ids.BOARD_COND_OP, "index": MATCH}, "value"),
)
def operators_for_field(field: str | None, op: str | None) -> tuple[list, str | None]:
    """The operator list follows the field's type; a still-valid operator is kept."""
    options = board_forms.op_options(field, _catalogue())
    allowed = [o["value"] for o in options]
    return options, op if op in allowed else (allowed[0] if allowed else None)


@callback(
    Output({"type": ids.BOARD_COND_VALUE, "index": MATCH}, "placeholder"),
    Output({"type": ids.BOARD_COND_VALUE, "index": MATCH}, "list"),
    Input({"type": ids.BOARD_COND_FIELD, "index": MATCH}, "value"),
    Input({"type": ids.BOARD_COND_OP, "index": MATCH}, "value"),
)
def value_hint(field: str | None, op: str | None) -> tuple[str, str | None]:
    """What to type, and name suggestions for text fields."""
    suggest = ids.BOARD_VALUE_LIST if field in ("segment", "segment_kind") else None
    return board_forms.value_hint(field, op, _catalogue()), suggest


def _blank_form(catalogue: FieldCatalogue) -> tuple:
    return ([condition_row(0, catalogue)], None, "New rule", "", "", "email", "", "", True, "",
            ROWS)


def _rule_form(rule: commands.Rule, catalogue: FieldCatalogue) -> tuple:
    rows = board_forms.conditions_to_rows(rule.conditions)
    mode = JSON_MODE if rows is None else ROWS
    components_rows = [condition_row(i, catalogue, *row) for i, row in enumerate(rows or [])]
    return (components_rows or [condition_row(0, catalogue)], rule.rule_id,
            f"Editing rule '{rule.name}'",
            rule.name, rule.action, rule.channel, rule.offer, rule.kpi, rule.enabled,
            json.dumps(rule.conditions, indent=1), mode)


@callback(
    Output(ids.BOARD_CONDITION_ROWS, "children"),
    Output(ids.BOARD_EDIT_RULE_ID, "data"),
    Output(ids.BOARD_EDITOR_TITLE, "children"),
    Output(ids.BOARD_RULE_NAME, "value"),
    Output(ids.BOARD_RULE_ACTION, "value"),
    Output(ids.BOARD_RULE_CHANNEL, "value"),
    Output(ids.BOARD_RULE_OFFER, "value"),
    Output(ids.BOARD_RULE_KPI, "value"),
    Output(ids.BOARD_RULE_ENABLED, "value"),
    Output(ids.BOARD_CONDITIONS_JSON, "value"),
    Output(ids.BOARD_CONDITION_MODE, "value"),
    Input(ids.BOARD_NEW_RULE, "n_clicks"),
    Input(ids.BOARD_RULE_EDIT, "n_clicks"),
    Input(ids.BOARD_CONDITION_ADD, "n_clicks"),
    Input({"type": ids.BOARD_COND_REMOVE, "index": ALL}, "n_clicks"),
    State(ids.BOARD_RULE_SELECT, "value"),
    State({"type": ids.BOARD_COND_FIELD, "index": ALL}, "value"),
    State({"type": ids.BOARD_COND_OP, "index": ALL}, "value"),
    State({"type": ids.BOARD_COND_VALUE, "index": ALL}, "value"),
    prevent_initial_call=True,
)
def edit_form(_new: Any, _edit: Any, _add: Any, removes: list, rule_id: str | None,
              fields: list, ops: list, values: list) -> tuple:
    """Start a new rule, load the selected one, or add / remove a condition row."""
    trigger = ctx.triggered_id
    keep = (no_update,) * 10
    rows = list(zip(fields, ops, [v or "" for v in values], strict=True))
    catalogue = _catalogue()
    if trigger == ids.BOARD_NEW_RULE:
        return _blank_form(catalogue)
    if trigger == ids.BOARD_RULE_EDIT:
        identifier = _rule_id(rule_id)
        if identifier is None:
            raise PreventUpdate
        try:
            return _rule_form(commands.get_rule(_db(), identifier), catalogue)
        except commands.RuleError:  # deleted meanwhile
            raise PreventUpdate from None
    if trigger == ids.BOARD_CONDITION_ADD:
        rows.append((None, None, ""))
    elif isinstance(trigger, dict):
        position = next((i for i, clicks in enumerate(removes)
                         if clicks and i == trigger["index"]), None)
        if position is None:  # a row was (re)rendered, not clicked
            raise PreventUpdate
        del rows[position]
    else:
        raise PreventUpdate
    return ([condition_row(i, catalogue, *row)
             for i, row in enumerate(rows or [(None, None, "")])],
            *keep)


def read_conditions(mode: str, fields: list, ops: list, values: list,
                    json_text: str | None) -> list[dict[str, Any]]:
    """The conditions the editor holds, in the active mode (RuleError if the JSON is invalid)."""
    if mode == JSON_MODE:
        return commands.parse_conditions((json_text or "").strip() or "[]")
    return board_forms.rows_to_conditions(fields, ops, values, _catalogue())


def _saved_text(rule: commands.Rule, warnings: list[str]) -> list:
    stats = query(queries.rule_stats, commands.list_rules(_db()))
    row = stats.rules.set_index("rule_id").loc[rule.rule_id]
    text = (f"Saved '{rule.name}' (priority {rule.priority}): "
            f"{formatting.count(row.count_won)} customers get its action; "
            f"{formatting.count(row.count_matched)} match its conditions.")
    return [text, *[html.Div(f"Note: {w}") for w in warnings]]


@callback(
    Output(ids.BOARD_RULE_MESSAGE, "children", allow_duplicate=True),
    Output(ids.BOARD_RULES_VERSION, "data", allow_duplicate=True),
    Output(ids.BOARD_EDIT_RULE_ID, "data", allow_duplicate=True),
    Output(ids.BOARD_EDITOR_TITLE, "children", allow_duplicate=True),
    Input(ids.BOARD_SAVE_RULE, "n_clicks"),
    State(ids.BOARD_EDIT_RULE_ID, "data"),
    State(ids.BOARD_RULE_NAME, "value"),
    State(ids.BOARD_RULE_ACTION, "value"),
    State(ids.BOARD_RULE_CHANNEL, "value"),
    State(ids.BOARD_RULE_OFFER, "value"),
    State(ids.BOARD_RULE_KPI, "value"),
    State(ids.BOARD_RULE_ENABLED, "value"),
    State(ids.BOARD_CONDITION_MODE, "value"),
    State({"type": ids.BOARD_COND_FIELD, "index": ALL}, "value"),
    State({"type": ids.BOARD_COND_OP, "index": ALL}, "value"),
    State({"type": ids.BOARD_COND_VALUE, "index": ALL}, "value"),
    State(ids.BOARD_CONDITIONS_JSON, "value"),
    State(ids.BOARD_RULES_VERSION, "data"),
    prevent_initial_call=True,
)
def save_rule(_clicks: Any, edit_id: int | None, name: str | None, action: str | None,
              channel: str | None, offer: str | None, kpi: str | None, enabled: bool | None,
              mode: str, fields: list, ops: list, values: list, json_text: str | None,
              version: dict | None) -> tuple:
    """Validate and store the rule in the editor (new or edited); nothing is saved if invalid."""
    db = _db()
    try:
        conditions = read_conditions(mode, fields, ops, values, json_text)
        rule = commands.Rule((name or "").strip(), conditions, (action or "").strip(),
                               channel or "", (offer or "").strip(), (kpi or "").strip(),
                               bool(enabled), None, edit_id)
        segments = query(queries.known_segments)
        catalogue = _catalogue()
        warnings = commands.validate_rule(rule, catalogue, segments)
        saved = (commands.update_rule(db, rule, segments, fields=catalogue) if edit_id is not None
                 else commands.create_rule(db, rule, segments, fields=catalogue))
        text = _saved_text(saved, warnings)
    except (ValueError, *PROBLEMS) as error:
        return (components.message(f"Not saved: {error}", color="danger"), no_update, no_update,
                no_update)
    return (components.message(text, color="success"), _bump(version, rule_id=saved.rule_id),
            saved.rule_id, f"Editing rule '{saved.name}'")


# --- callbacks: design and launch --------------------------------------------------------------


@callback(
    Output(ids.BOARD_DESIGN_BASELINE, "children"),
    Output(ids.BOARD_DESIGN_TABLE, "children"),
    Input(ids.BOARD_RULE_SELECT, "value"),
    Input(ids.BOARD_DESIGN_SHARE, "value"),
    Input(ids.BOARD_DESIGN_ALPHA, "value"),
    Input(ids.BOARD_DESIGN_POWER, "value"),
    Input(ids.BOARD_DESIGN_EFFECT, "value"),
    Input(ids.BOARD_DESIGN_EFFECT_UNIT, "value"),
    Input(ids.BOARD_DESIGN_REVENUE_EFFECT, "value"),
    Input(ids.BOARD_RULES_VERSION, "data"),
)
def update_design(rule_id: str | None, share: Any, alpha: Any, power: Any, effect: Any,
                  unit: str | None, revenue_effect: Any, _version: dict | None) -> tuple:
    """Baseline of the selected rule's audience and what an experiment on it can detect."""
    identifier = _rule_id(rule_id)
    if identifier is None:
        return "Select a rule to plan its experiment.", None
    try:
        inputs = board_design.read_design_inputs(share, alpha, power, effect, unit,
                                                 revenue_effect)
    except ValueError as error:
        return no_update, components.message(str(error), color="danger")
    try:
        rules = commands.list_rules(_db())
        baseline = query(queries.audience_baseline, rules, identifier)
    except PROBLEMS as error:
        return components.message(str(error)), None
    rule = next((r for r in rules if r.rule_id == identifier), None)
    if rule is None or baseline["audience_size"] == 0:
        reason = ("is off: turn it on to plan and launch it" if rule is not None
                  and not rule.enabled else "reaches no customer now")
        return components.message(f"This rule {reason}."), None
    n_t, n_c = split_audience(baseline["audience_size"], inputs.control_share)
    text = (f"Audience now: {formatting.count(baseline['audience_size'])} customers "
            f"({formatting.count(n_t)} treatment / {formatting.count(n_c)} control). ")
    if baseline["baseline_period_end"] is None:
        text += ("The data does not go back far enough to measure how customers of these "
                 f"segments behave over {baseline['window_days']} days without an action.")
    else:
        text += (f"Baseline without action: of the {formatting.count(baseline['cohort_size'])} "
                 f"customers in the same segments on {baseline['baseline_period_end']}, "
                 f"{formatting.percent(baseline['conversion'])} (weighted like this audience) "
                 f"ordered in the next {baseline['window_days']} days, spending "
                 f"{formatting.money(baseline['gmv_mean'])} per customer on average (standard "
                 f"deviation {formatting.money(baseline['gmv_std'])}).")
    plan = board_design.design_frame(baseline, inputs)
    return html.P(text, className="mb-1"), tables.design_table(plan, baseline["eligible_per_day"])


def _duration(value: Any) -> int:
    try:
        days = float(value)
    except (TypeError, ValueError):
        days = math.nan
    if not (days >= 1 and days.is_integer()):
        raise ValueError(f"Duration must be a whole number of days, at least 1; got {value!r}.")
    return int(days)


@callback(
    Output(ids.BOARD_LAUNCH_RESULT, "children"),
    Output(ids.BOARD_CAMPAIGNS_VERSION, "data", allow_duplicate=True),
    Input(ids.BOARD_LAUNCH_BUTTON, "n_clicks"),
    State(ids.BOARD_RULE_SELECT, "value"),
    State(ids.BOARD_DESIGN_SHARE, "value"),
    State(ids.BOARD_LAUNCH_NAME, "value"),
    State(ids.BOARD_LAUNCH_DAYS, "value"),
    State(ids.BOARD_CAMPAIGNS_VERSION, "data"),
    prevent_initial_call=True,
)
def launch(_clicks: Any, rule_id: str | None, share: Any, name: str | None, days: Any,
           version: dict | None) -> tuple:
    """Freeze the selected rule's audience as a campaign with treatment and control groups."""
    identifier = _rule_id(rule_id)
    try:
        if identifier is None:
            raise ValueError("Select a rule to launch.")
        control_share = board_design.percent_input(share, "Control share", 0, 50,
                                                   allow_high=True)
        campaign_id = commands.launch_campaign(
            _db(), identifier, name=(name or "").strip() or None, control_share=control_share,
            duration_days=_duration(days))
        text = tables.launch_text(campaign_id, query(queries.campaign_overview, _db(), cache=False))
    except (ValueError, NoSnapshotError, *PROBLEMS) as error:
        return components.message(f"Not launched: {error}", color="danger"), no_update
    return (dbc.Alert(text, color="success", className="mb-2"),
            _bump(version, campaign_id=campaign_id))


# --- callbacks: campaigns, downloads, audit ------------------------------------------------------


@callback(
    Output(ids.BOARD_CAMPAIGNS_GRID, "rowData"),
    Output(ids.BOARD_CAMPAIGN_SELECT, "options"),
    Output(ids.BOARD_CAMPAIGN_SELECT, "value"),
    Input(ids.BOARD_CAMPAIGNS_VERSION, "data"),
    State(ids.BOARD_CAMPAIGN_SELECT, "value"),
)
def render_campaigns(version: dict | None, selected: str | None) -> tuple:
    """Every campaign, newest first; the one just launched becomes the selected one."""
    try:
        overview = query(queries.campaign_overview, _db(), cache=False)
    except PROBLEMS:
        return [], [], None
    rows = tables.campaign_rows(overview)
    options = [{"label": f"{r['campaign_id']}: {r['name']}", "value": r["campaign_id"]}
               for r in rows]
    valid = {o["value"] for o in options}
    wanted = (version or {}).get("campaign_id")
    value = next((v for v in (wanted, selected) if v in valid),
                 options[0]["value"] if options else None)
    return rows, options, value


@callback(
    Output(ids.BOARD_CAMPAIGN_STATUS, "children"),
    Output(ids.BOARD_RESULTS_TABLE, "children"),
    Output(ids.BOARD_RESULTS_CHART, "figure"),
    Output(ids.BOARD_DOWNLOAD_TREATMENT, "disabled"),
    Output(ids.BOARD_DOWNLOAD_CONTROL, "disabled"),
    Input(ids.BOARD_CAMPAIGN_SELECT, "value"),
    Input(ids.BOARD_CAMPAIGNS_VERSION, "data"),
)
def campaign_detail(campaign_id: str | None, _version: dict | None) -> tuple:
    """The selected campaign's state and, once measured, its lift, CIs and SRM check."""
    title = "Lift of treatment over control (95% confidence interval)"
    if not campaign_id:
        text = "No campaign yet: launch one from a rule above."
        return text, None, figures.empty_figure(title, text), True, True
    try:
        overview = query(queries.campaign_overview, _db(), cache=False).set_index("campaign_id")
        cutoff = query(queries.measurement_cutoff)
        if campaign_id not in overview.index:
            raise PreventUpdate
        row = overview.loc[campaign_id]
        results = (query(queries.campaign_results, campaign_id) if row.is_measured
                   else pd.DataFrame())
    except PROBLEMS as error:
        return components.message(str(error)), None, figures.empty_figure(title, ""), True, True
    status = tables.status_panel(row, campaign_id, cutoff)
    if results.empty:
        text = tables.status_words(row.status, bool(row.is_measured))
        return status, None, figures.empty_figure(title, text), False, False
    table = html.Div([tables.results_table(results),
                      tables.srm_message(results, float(row.control_share))])
    return status, table, figures.lift_figure(results), False, False


@callback(
    Output(ids.BOARD_DOWNLOAD, "data"),
    Output(ids.BOARD_DOWNLOAD_MESSAGE, "children"),
    Output(ids.BOARD_AUDIT_VERSION, "data", allow_duplicate=True),
    Input(ids.BOARD_DOWNLOAD_TREATMENT, "n_clicks"),
    Input(ids.BOARD_DOWNLOAD_CONTROL, "n_clicks"),
    State(ids.BOARD_CAMPAIGN_SELECT, "value"),
    State(ids.BOARD_AUDIT_VERSION, "data"),
    prevent_initial_call=True,
)
def download_group(_treatment: Any, _control: Any, campaign_id: str | None,
                   version: dict | None) -> tuple:
    """The selected campaign's treatment or control group as formula-safe CSV (logged)."""
    if not campaign_id:
        raise PreventUpdate
    group = "treatment" if ctx.triggered_id == ids.BOARD_DOWNLOAD_TREATMENT else "control"
    try:
        file_name, text, rows = commands.campaign_group_csv(_db(), campaign_id, group)
    except (ValueError, *PROBLEMS) as error:
        return no_update, components.message(str(error), color="danger"), no_update
    return (dcc.send_string(text, file_name, type="text/csv"),
            f"Downloaded {file_name} ({formatting.count(rows)} customers); logged in the audit "
            "log.", _bump(version))


@callback(
    Output(ids.BOARD_AUDIT_GRID, "rowData"),
    Input(ids.BOARD_CAMPAIGNS_VERSION, "data"),
    Input(ids.BOARD_AUDIT_VERSION, "data"),
)
def render_audit(_campaigns: dict | None, _audit: dict | None) -> list[dict[str, Any]]:
    """Launches and exports, newest first."""
    try:
        entries = commands.audit_log(_db())
    except PROBLEMS:
        return []
    return [{**row, "key": f"{i}"} for i, row in enumerate(tables.audit_rows(entries))]
