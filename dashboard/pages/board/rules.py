"""The Action board's rules card: the rules in priority order with how many customers each
reaches, the audience chart, and moving, switching off or deleting the selected rule."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import components
from dashboard.access import CAMPAIGN_OWNER, requires, visible_to
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

RULE_COLUMNS = [
    {"field": "priority", "headerName": "#", "width": 70},
    {"field": "name", "headerName": "Rule", "width": 170},
    {"field": "count_won", "headerName": "Reached (after priority)", "width": 120,
     "valueFormatter": COUNT_FORMAT, "type": "numericColumn", "wrapHeaderText": True},
    {"field": "count_matched", "headerName": "Matching (before priority)", "width": 120,
     "valueFormatter": COUNT_FORMAT, "type": "numericColumn", "wrapHeaderText": True},
    {"field": "share_customers", "headerName": "Share of customers", "width": 125,
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


def card() -> dbc.Card:
    """The rules grid, the selected-rule picker with its buttons, and the audience chart."""
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
        grid(ids.BOARD_RULES_GRID, RULE_COLUMNS, "row_key"),
        dbc.Row([
            dbc.Col(dbc.InputGroup([dbc.InputGroupText("Selected rule"),
                                    dbc.Select(id=ids.BOARD_RULE_SELECT, options=[])],
                                   size="sm"), md=5),
            dbc.Col(buttons, md="auto", style=visible_to(CAMPAIGN_OWNER)),
        ], className="g-2 mb-2 align-items-center"),
        dcc.ConfirmDialog(id=ids.BOARD_DELETE_CONFIRM),
        html.Div(id=ids.BOARD_RULE_MESSAGE),
        dcc.Graph(id=ids.BOARD_AUDIENCE_CHART, config={"displaylogo": False}),
    ]), className="mb-3")


def render_rules(version: dict | None, selected: str | None) -> tuple:
    """The rules grid, the summary line and the audience chart, from the rules stored now."""
    options: list[dict[str, str]] = []
    value = None
    try:
        rules = commands.list_rules(common.db(), ops_url=common.ops_url())
        options = [{"label": f"{r.priority}. {r.name}" + ("" if r.enabled else " (off)"),
                    "value": str(r.rule_id)} for r in rules]
        valid = {o["value"] for o in options}
        wanted = (version or {}).get("rule_id")
        value = next((str(v) for v in (wanted, selected) if v is not None and str(v) in valid),
                     options[0]["value"] if options else None)
        stats = query(queries.rule_stats, rules)
        catalogue = common.catalogue()
    except PROBLEMS as error:  # the picker stays, so a faulty rule can be edited or deleted
        reason = shown(error)
        blank = figures.empty_figure("", reason)
        return [], "", blank, options, value, components.message(reason)
    return (tables.rules_rows(stats, rules, catalogue), tables.summary_text(stats),
            figures.audience_figure(stats.rules),
            options, value, None)


def toggle_label(rule_id: str | None, _version: dict | None) -> str:
    """'Turn off' for an enabled rule, 'Turn on' for a disabled one."""
    identifier = common.parse_rule_id(rule_id)
    if identifier is None:
        return "Turn off"
    try:
        rule = commands.get_rule(common.db(), identifier, ops_url=common.ops_url())
        return "Turn off" if rule.enabled else "Turn on"
    except (commands.RuleError, *PROBLEMS) as error:
        hidden(error, "the on/off button's label")
        return "Turn off"


def ask_before_delete(_clicks: int | None, rule_id: str | None) -> tuple[bool, str]:
    """Deleting asks for confirmation first."""
    identifier = common.parse_rule_id(rule_id)
    if identifier is None:
        raise PreventUpdate
    try:
        rule = commands.get_rule(common.db(), identifier, ops_url=common.ops_url())
    except commands.RuleError:  # deleted meanwhile
        raise PreventUpdate from None
    return True, (f"Delete the rule '{rule.name}'? Its customers fall through to the next "
                  "matching rule. Campaigns already launched are kept.")


def change_rule(action: str, rule_id: int) -> str:
    """Apply 'up', 'down', 'toggle' or 'delete' to a stored rule; return what happened."""
    db, where = common.db(), {"ops_url": common.ops_url()}
    acting = {"user": common.user(), **where}
    rule = commands.get_rule(db, rule_id, **where)
    if action in ("up", "down"):
        target = rule.priority - 1 if action == "up" else rule.priority + 1
        moved = next(r for r in commands.move_rule(db, rule_id, target, **acting)
                     if r.rule_id == rule_id)
        return f"'{rule.name}' now has priority {moved.priority}."
    if action == "toggle":
        changed = commands.set_rule_enabled(db, rule_id, not rule.enabled, **acting)
        if changed.enabled:
            return f"'{rule.name}' is on again."
        return f"'{rule.name}' is off: its customers fall through to the next matching rule."
    commands.delete_rule(db, rule_id, **acting)
    return f"Deleted '{rule.name}'. Campaigns already launched from it are kept."


RULE_ACTIONS = {ids.BOARD_RULE_UP: "up", ids.BOARD_RULE_DOWN: "down",
                ids.BOARD_RULE_TOGGLE: "toggle", ids.BOARD_DELETE_CONFIRM: "delete"}


def update_rule_list(trigger: Any, *args: Any) -> tuple:
    """Move, switch on/off or (after confirmation) delete the selected rule."""
    rule_id, version = common.parse_rule_id(args[-2]), args[-1]
    if rule_id is None:
        return components.message("Select a rule first."), no_update
    action = RULE_ACTIONS[trigger]
    try:
        text = change_rule(action, rule_id)
    except (commands.RuleError, *PROBLEMS) as error:
        reason = shown(error)
        return components.message(reason, color="danger"), no_update
    keep = None if action == "delete" else rule_id
    return components.message(text, color="info"), common.bump(version, rule_id=keep)


def register(app: dash.Dash) -> None:
    """Register the rules card's callbacks on ``app``."""
    app.callback(
        Output(ids.BOARD_RULES_GRID, "rowData"),
        Output(ids.BOARD_SUMMARY, "children"),
        Output(ids.BOARD_AUDIENCE_CHART, "figure"),
        Output(ids.BOARD_RULE_SELECT, "options"),
        Output(ids.BOARD_RULE_SELECT, "value"),
        Output(ids.BOARD_MESSAGE, "children"),
        Input(ids.BOARD_RULES_VERSION, "data"),
        State(ids.BOARD_RULE_SELECT, "value"),
    )(render_rules)
    app.callback(
        Output(ids.BOARD_RULE_TOGGLE, "children"),
        Input(ids.BOARD_RULE_SELECT, "value"),
        Input(ids.BOARD_RULES_VERSION, "data"),
    )(toggle_label)
    app.callback(
        Output(ids.BOARD_DELETE_CONFIRM, "displayed"),
        Output(ids.BOARD_DELETE_CONFIRM, "message"),
        Input(ids.BOARD_RULE_DELETE, "n_clicks"),
        State(ids.BOARD_RULE_SELECT, "value"),
        prevent_initial_call=True,
    )(requires(CAMPAIGN_OWNER, ask_before_delete))
    app.callback(
        Output(ids.BOARD_RULE_MESSAGE, "children", allow_duplicate=True),
        Output(ids.BOARD_RULES_VERSION, "data", allow_duplicate=True),
        Input(ids.BOARD_RULE_UP, "n_clicks"),
        Input(ids.BOARD_RULE_DOWN, "n_clicks"),
        Input(ids.BOARD_RULE_TOGGLE, "n_clicks"),
        Input(ids.BOARD_DELETE_CONFIRM, "submit_n_clicks"),
        State(ids.BOARD_RULE_SELECT, "value"),
        State(ids.BOARD_RULES_VERSION, "data"),
        prevent_initial_call=True,
    )(requires(CAMPAIGN_OWNER, with_trigger(update_rule_list)))
    app.callback(Output(ids.BOARD_RULE_SELECT, "value", allow_duplicate=True),
                 Input(ids.BOARD_RULES_GRID, "cellClicked"),
                 prevent_initial_call=True)(common.clicked_row_id)
