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
from dashboard.errors import hidden, shown
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
                  op: str | None = None, value: str = "", join: str = forms.AND) -> dbc.Row:
    """One editable condition: how it joins the row above ("and", or "or" to share its OR
    group; the first row has nothing above it), field, operator, value and a remove button."""
    ops = forms.op_options(field, catalogue)
    first = {"visibility": "hidden"} if index == 0 else None
    return dbc.Row(
        [
            dbc.Col(html.Div(dbc.Select(id={"type": ids.BOARD_COND_JOIN, "index": index},
                                        options=forms.JOIN_OPTIONS, value=join or forms.AND,
                                        style=first),
                             title="and: also required; or: either this or the row above"),
                    md=1),
            dbc.Col(dbc.Select(id={"type": ids.BOARD_COND_FIELD, "index": index},
                               options=forms.field_options(catalogue), value=field,
                               placeholder="Choose a field"), md=4),
            dbc.Col(dbc.Select(id={"type": ids.BOARD_COND_OP, "index": index}, options=ops,
                               value=op if op else (ops[0]["value"] if ops else None)), md=2),
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
        labelled("Rule name", dbc.Input(id=ids.BOARD_RULE_NAME, value="", type="text",
                                        required=True), required=True),
        labelled("Action", dbc.Input(id=ids.BOARD_RULE_ACTION, value="", type="text",
                                     required=True, placeholder="e.g. Win-back voucher"),
                 required=True),
        labelled("Channel", dbc.Select(id=ids.BOARD_RULE_CHANNEL, value="email",
                                       options=[{"label": c, "value": c}
                                                for c in commands.CHANNELS]), 2, required=True),
        labelled("Offer", dbc.Input(id=ids.BOARD_RULE_OFFER, value="", type="text",
                                    required=True, placeholder="e.g. 25% voucher"),
                 required=True),
        labelled("KPI", dbc.Input(id=ids.BOARD_RULE_KPI, value="", type="text", required=True,
                                  list=ids.BOARD_RULE_KPI_LIST, placeholder="e.g. retention"),
                 2, required=True),
        labelled("Priority", dbc.Input(id=ids.BOARD_RULE_PRIORITY, value="", type="text",
                                       inputmode="numeric", placeholder="last"), 2,
                 "1 = first; empty: last (new) or unchanged"),
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
        html.P([html.Span(common.REQUIRED_MARK, className="text-danger"), " required"],
               className="small text-muted mb-1"),
        dbc.Row(first, className="g-2 mb-3"),
        html.H6(["Conditions", html.Span(f" {common.REQUIRED_MARK}", className="text-danger",
                                         title="required"),
                 html.Span(" — rows joined by 'and' must all hold; 'or' joins a row to the one "
                           "above as alternatives", className="small text-muted fw-normal")]),
        dbc.RadioItems(id=ids.BOARD_CONDITION_MODE, value=ROWS, inline=True, className="mb-2",
                       options=[{"label": "Build with rows", "value": ROWS},
                                {"label": "Write JSON", "value": JSON_MODE}]),
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


NEW_RULE_TITLE = "New rule"


def _blank_form(catalogue: FieldCatalogue) -> tuple:
    return ([condition_row(0, catalogue)], None, NEW_RULE_TITLE, "", "", "email", "", "", True,
            "", ROWS, "")


def _rule_form(rule: commands.Rule, catalogue: FieldCatalogue) -> tuple:
    rows = forms.conditions_to_rows(rule.conditions)
    mode = JSON_MODE if rows is None else ROWS
    components_rows = [condition_row(i, catalogue, *row) for i, row in enumerate(rows or [])]
    return (components_rows or [condition_row(0, catalogue)], rule.rule_id,
            f"Editing rule '{rule.name}'",
            rule.name, rule.action, rule.channel, rule.offer, rule.kpi, rule.enabled,
            json.dumps(rule.conditions, indent=1), mode, str(rule.priority))


def edit_form(trigger: Any, _new: Any, _edit: Any, _add: Any, removes: list, rule_id: str | None,
              joins: list, fields: list, ops: list, values: list) -> tuple:
    """Start a new rule, load the selected one, or add / remove a condition row."""
    keep = (no_update,) * 11
    rows = list(zip(fields, ops, [v or "" for v in values], joins, strict=True))
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
        rows.append((None, None, "", forms.AND))
    elif isinstance(trigger, dict):
        position = next((i for i, clicks in enumerate(removes)
                         if clicks and i == trigger["index"]), None)
        if position is None:  # a row was (re)rendered, not clicked
            raise PreventUpdate
        del rows[position]
    else:
        raise PreventUpdate
    return ([condition_row(i, catalogue, *row)
             for i, row in enumerate(rows or [(None, None, "", forms.AND)])],
            *keep)


def forget_deleted_rule(_version: dict | None, edit_id: int | None) -> tuple:
    """When the rule in the editor was deleted, the editor no longer claims to edit it: what it
    holds would be saved as a new rule."""
    if edit_id is None:
        raise PreventUpdate
    try:
        commands.get_rule(common.db(), int(edit_id), ops_url=common.ops_url())
    except commands.RuleError:
        return None, f"{NEW_RULE_TITLE} (the rule being edited was deleted)"
    except PROBLEMS as error:
        hidden(error, "the editor's title")
    raise PreventUpdate


def read_priority(value: Any, count_rules: int) -> int | None:
    """The priority typed in the editor: a whole number from 1 to ``count_rules`` + 1, None when
    empty; ValueError saying the allowed range otherwise."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    allowed = (f"Priority must be a whole number from 1 (first) to {count_rules + 1} (last), "
               "or empty")
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{allowed}; '{text}' is not a number.") from None
    if not (number.is_integer() and 1 <= number <= count_rules + 1):
        raise ValueError(f"{allowed}; got {text}.")
    return int(number)


def read_conditions(mode: str, fields: list, ops: list, values: list,
                    json_text: str | None, joins: list | None = None) -> list[dict[str, Any]]:
    """The conditions the editor holds, in the active mode (RuleError if the JSON is invalid)."""
    if mode == JSON_MODE:
        return commands.parse_conditions((json_text or "").strip() or "[]")
    return forms.rows_to_conditions(fields, ops, values, common.catalogue(), joins)


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
              version: dict | None, priority: Any = None, joins: list | None = None) -> tuple:
    """Validate and store the rule in the editor (new or edited) at the priority typed (empty:
    last for a new rule, unchanged for an edited one); nothing is saved if invalid."""
    db = common.db()
    try:
        conditions = read_conditions(mode, fields, ops, values, json_text, joins)
        count_rules = len(commands.list_rules(db, ops_url=common.ops_url()))
        place = read_priority(priority, count_rules - (edit_id is not None))
        rule = commands.Rule((name or "").strip(), conditions, (action or "").strip(),
                               channel or "", (offer or "").strip(), (kpi or "").strip(),
                               bool(enabled), place, edit_id)
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
                no_update, no_update)
    return (components.message(text, color="success"), common.bump(version, rule_id=saved.rule_id),
            saved.rule_id, f"Editing rule '{saved.name}'", str(saved.priority))


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
        Output(ids.BOARD_RULE_PRIORITY, "value"),
        Input(ids.BOARD_NEW_RULE, "n_clicks"),
        Input(ids.BOARD_RULE_EDIT, "n_clicks"),
        Input(ids.BOARD_CONDITION_ADD, "n_clicks"),
        Input({"type": ids.BOARD_COND_REMOVE, "index": ALL}, "n_clicks"),
        State(ids.BOARD_RULE_SELECT, "value"),
        State({"type": ids.BOARD_COND_JOIN, "index": ALL}, "value"),
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
        Output(ids.BOARD_RULE_PRIORITY, "value", allow_duplicate=True),
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
        State(ids.BOARD_RULE_PRIORITY, "value"),
        State({"type": ids.BOARD_COND_JOIN, "index": ALL}, "value"),
        prevent_initial_call=True,
    )(requires(CAMPAIGN_OWNER, save_rule))
    app.callback(
        Output(ids.BOARD_EDIT_RULE_ID, "data", allow_duplicate=True),
        Output(ids.BOARD_EDITOR_TITLE, "children", allow_duplicate=True),
        Input(ids.BOARD_RULES_VERSION, "data"),
        State(ids.BOARD_EDIT_RULE_ID, "data"),
        prevent_initial_call=True,
    )(forget_deleted_rule)
