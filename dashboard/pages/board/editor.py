"""The Action board's rule editor card: a new rule or the selected one, its attributes and its
conditions as rows (field, operator, value) or as JSON for OR groups; saving validates it."""

from __future__ import annotations

import json
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, MATCH, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import components, formatting
from dashboard.access import CAMPAIGN_OWNER, requires
from dashboard.callbacks import with_trigger
from dashboard.data import query
from dashboard.errors import shown
from dashboard.pages.board import common, forms, ids
from dashboard.pages.board.common import (
    PROBLEMS,
    labelled,
)
from warehouse import commands
from warehouse.queries import board as queries
from warehouse.schema.fields import FieldCatalogue

ROWS, JSON_MODE = "rows", "json"


def condition_row(index: int, catalogue: FieldCatalogue, field: str | None = None,
                  op: str | None = None, value: str = "") -> dbc.Row:
    """One editable condition: field, operator, value and a remove button."""
    ops = forms.op_options(field, catalogue)
    return dbc.Row(
        [
            dbc.Col(dbc.Select(id={"type": ids.BOARD_COND_FIELD, "index": index},
                               options=forms.field_options(catalogue), value=field,
                               placeholder="Choose a field"), md=4),
            dbc.Col(dbc.Select(id={"type": ids.BOARD_COND_OP, "index": index}, options=ops,
                               value=op if op else (ops[0]["value"] if ops else None)), md=3),
            dbc.Col(dbc.Input(id={"type": ids.BOARD_COND_VALUE, "index": index}, value=value,
                              placeholder=forms.value_hint(field, op, catalogue),
                              type="text"), md=4),
            dbc.Col(dbc.Button("Remove", id={"type": ids.BOARD_COND_REMOVE, "index": index},
                               color="link", size="sm", title="Remove this condition"), md=1),
        ],
        className="g-2 mb-2 align-items-center",
    )


def card(suggestions: list[str], catalogue: FieldCatalogue) -> dbc.Card:
    """The editor: rule attributes, condition rows or JSON, and the save button."""
    first = [
        labelled("Rule name", dbc.Input(id=ids.BOARD_RULE_NAME, value="", type="text")),
        labelled("Action", dbc.Input(id=ids.BOARD_RULE_ACTION, value="", type="text",
                                     placeholder="e.g. Win-back voucher")),
        labelled("Channel", dbc.Select(id=ids.BOARD_RULE_CHANNEL, value="email",
                                       options=[{"label": c, "value": c}
                                                for c in commands.CHANNELS]), 2),
        labelled("Offer", dbc.Input(id=ids.BOARD_RULE_OFFER, value="", type="text",
                                    placeholder="e.g. 25% voucher")),
        labelled("KPI", dbc.Input(id=ids.BOARD_RULE_KPI, value="", type="text",
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
                     placeholder="Example:\n" + forms.JSON_EXAMPLE,
                     style={"display": "none", "fontFamily": "monospace"}),
        html.Div(dbc.Button("Save rule", id=ids.BOARD_SAVE_RULE, color="primary"),
                 className="mt-2"),
    ]), className="mb-3")


def show_condition_editor(mode: str) -> tuple[dict, dict, dict]:
    """Show either the rows or the JSON text area."""
    hidden, shown = {"display": "none"}, {"display": "block"}
    if mode == JSON_MODE:
        return {**shown, "fontFamily": "monospace"}, hidden, hidden
    return {"display": "none", "fontFamily": "monospace"}, shown, {"display": "inline-block"}


def operators_for_field(field: str | None, op: str | None) -> tuple[list, str | None]:
    """The operator list follows the field's type; a still-valid operator is kept."""
    options = forms.op_options(field, common.catalogue())
    allowed = [o["value"] for o in options]
    return options, op if op in allowed else (allowed[0] if allowed else None)


def value_hint(field: str | None, op: str | None) -> tuple[str, str | None]:
    """What to type, and name suggestions for text fields."""
    suggest = ids.BOARD_VALUE_LIST if field in ("segment", "segment_kind") else None
    return forms.value_hint(field, op, common.catalogue()), suggest


def _blank_form(catalogue: FieldCatalogue) -> tuple:
    return ([condition_row(0, catalogue)], None, "New rule", "", "", "email", "", "", True, "",
            ROWS)


def _rule_form(rule: commands.Rule, catalogue: FieldCatalogue) -> tuple:
    rows = forms.conditions_to_rows(rule.conditions)
    mode = JSON_MODE if rows is None else ROWS
    components_rows = [condition_row(i, catalogue, *row) for i, row in enumerate(rows or [])]
    return (components_rows or [condition_row(0, catalogue)], rule.rule_id,
            f"Editing rule '{rule.name}'",
            rule.name, rule.action, rule.channel, rule.offer, rule.kpi, rule.enabled,
            json.dumps(rule.conditions, indent=1), mode)


def edit_form(trigger: Any, _new: Any, _edit: Any, _add: Any, removes: list, rule_id: str | None,
              fields: list, ops: list, values: list) -> tuple:
    """Start a new rule, load the selected one, or add / remove a condition row."""
    trigger = trigger
    keep = (no_update,) * 10
    rows = list(zip(fields, ops, [v or "" for v in values], strict=True))
    catalogue = common.catalogue()
    if trigger == ids.BOARD_NEW_RULE:
        return _blank_form(catalogue)
    if trigger == ids.BOARD_RULE_EDIT:
        identifier = common.parse_rule_id(rule_id)
        if identifier is None:
            raise PreventUpdate
        try:
            rule = commands.get_rule(common.db(), identifier, ops_url=common.ops_url())
            return _rule_form(rule, catalogue)
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
    return forms.rows_to_conditions(fields, ops, values, common.catalogue())


def _saved_text(rule: commands.Rule, warnings: list[str]) -> list:
    stats = query(queries.rule_stats, commands.list_rules(common.db(), ops_url=common.ops_url()))
    row = stats.rules.set_index("rule_id").loc[rule.rule_id]
    text = (f"Saved '{rule.name}' (priority {rule.priority}): "
            f"{formatting.count(row.count_won)} customers get its action; "
            f"{formatting.count(row.count_matched)} match its conditions.")
    return [text, *[html.Div(f"Note: {w}") for w in warnings]]


def save_rule(_clicks: Any, edit_id: int | None, name: str | None, action: str | None,
              channel: str | None, offer: str | None, kpi: str | None, enabled: bool | None,
              mode: str, fields: list, ops: list, values: list, json_text: str | None,
              version: dict | None) -> tuple:
    """Validate and store the rule in the editor (new or edited); nothing is saved if invalid."""
    db = common.db()
    try:
        conditions = read_conditions(mode, fields, ops, values, json_text)
        rule = commands.Rule((name or "").strip(), conditions, (action or "").strip(),
                               channel or "", (offer or "").strip(), (kpi or "").strip(),
                               bool(enabled), None, edit_id)
        segments = query(queries.known_segments)
        catalogue = common.catalogue()
        warnings = commands.validate_rule(rule, catalogue, segments)
        save = commands.update_rule if edit_id is not None else commands.create_rule
        saved = save(db, rule, segments, fields=catalogue, user=common.user(),
                     ops_url=common.ops_url())
        text = _saved_text(saved, warnings)
    except (ValueError, *PROBLEMS) as error:
        reason = shown(error)
        return (components.message(f"Not saved: {reason}", color="danger"), no_update, no_update,
                no_update)
    return (components.message(text, color="success"), common.bump(version, rule_id=saved.rule_id),
            saved.rule_id, f"Editing rule '{saved.name}'")


def register(app: dash.Dash) -> None:
    """Register the editor card's callbacks on ``app``."""
    app.callback(
        Output(ids.BOARD_CONDITIONS_JSON, "style"),
        Output(ids.BOARD_CONDITION_ROWS, "style"),
        Output(ids.BOARD_CONDITION_ADD, "style"),
        Input(ids.BOARD_CONDITION_MODE, "value"),
    )(show_condition_editor)
    app.callback(
        Output({"type": ids.BOARD_COND_OP, "index": MATCH}, "options"),
        Output({"type": ids.BOARD_COND_OP, "index": MATCH}, "value"),
        Input({"type": ids.BOARD_COND_FIELD, "index": MATCH}, "value"),
        State({"type": ids.BOARD_COND_OP, "index": MATCH}, "value"),
    )(operators_for_field)
    app.callback(
        Output({"type": ids.BOARD_COND_VALUE, "index": MATCH}, "placeholder"),
        Output({"type": ids.BOARD_COND_VALUE, "index": MATCH}, "list"),
        Input({"type": ids.BOARD_COND_FIELD, "index": MATCH}, "value"),
        Input({"type": ids.BOARD_COND_OP, "index": MATCH}, "value"),
    )(value_hint)
    app.callback(
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
    )(with_trigger(edit_form))
    app.callback(
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
    )(requires(CAMPAIGN_OWNER, save_rule))
