"""The Action board's design card: the selected rule's audience, its baseline without action, what
an experiment on it can detect, and launching it as a campaign."""

from __future__ import annotations

import math
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html, no_update

from analytics.experiments.design import split_audience
from dashboard import components, formatting
from dashboard.access import CAMPAIGN_OWNER, requires, visible_to
from dashboard.callbacks import with_trigger
from dashboard.data import query
from dashboard.errors import shown
from dashboard.pages.board import common, design_inputs, ids, tables
from dashboard.pages.board.common import (
    PROBLEMS,
    labelled,
    number_input,
)
from warehouse import commands
from warehouse.queries import board as queries
from warehouse.snapshots import NoSnapshotError

DEFAULT_CONTROL_PCT = 20
DEFAULT_ALPHA_PCT = 5
DEFAULT_POWER_PCT = 80
# +2 percentage points of conversion: a plausible lift from one contact for visitors near
# buying (a saved cart) and for buyers alike; 10 % relative of a 0.4 % baseline (0.04 pp) is
# below what any shop's audience can test.
DEFAULT_EFFECT_PP = 2
DEFAULT_REVENUE_EFFECT_PCT = 10
MAX_DURATION_DAYS = 365


def card() -> dbc.Card:
    """Design inputs, the selected rule's baseline and plan, and the launch controls."""
    inputs = dbc.Row([
        labelled("Control share (%)",
                 number_input(ids.BOARD_DESIGN_SHARE, DEFAULT_CONTROL_PCT, 1, 50),
                 2, "held out, gets no action"),
        labelled("Significance (%)",
                 number_input(ids.BOARD_DESIGN_ALPHA, DEFAULT_ALPHA_PCT, 0.1, 49, 0.1),
                 2, "false alarm rate"),
        labelled("Power (%)",
                 number_input(ids.BOARD_DESIGN_POWER, DEFAULT_POWER_PCT, 1, 99.9, 0.1),
                 2, "chance to detect the effect"),
        labelled("Conversion effect to detect", dbc.InputGroup([
            number_input(ids.BOARD_DESIGN_EFFECT, DEFAULT_EFFECT_PP, 0.01, 1000, 0.01),
            dbc.Select(id=ids.BOARD_DESIGN_EFFECT_UNIT, value=design_inputs.PP, options=[
                {"label": "% relative", "value": design_inputs.RELATIVE},
                {"label": "percentage points", "value": design_inputs.PP}]),
        ]), 4),
        labelled("Revenue effect (% relative)",
                 number_input(ids.BOARD_DESIGN_REVENUE_EFFECT, DEFAULT_REVENUE_EFFECT_PCT, 0.01,
                              1000, 0.01),
                 2, "per customer"),
    ], className="g-2 mb-2")
    launch = dbc.Row([
        labelled("Campaign name (optional)",
                 dbc.Input(id=ids.BOARD_LAUNCH_NAME, value="", type="text"), 4),
        labelled("Duration (days)",
                 number_input(ids.BOARD_LAUNCH_DAYS, commands.DEFAULT_DURATION_DAYS, 1,
                              MAX_DURATION_DAYS), 2),
        dbc.Col(dbc.Button("Launch campaign…", id=ids.BOARD_LAUNCH_BUTTON, color="success"),
                md="auto", className="pt-4"),
    ], className="g-2 mb-2", style=visible_to(CAMPAIGN_OWNER))
    confirm = dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle("Launch this campaign?")),
        dbc.ModalBody([
            html.Div(id=ids.BOARD_LAUNCH_CONFIRM_BODY),
            dbc.Switch(id=ids.BOARD_LAUNCH_EXCLUDE_RUNNING, value=True, className="mt-2",
                       label="Leave out customers already in a running campaign (recommended: "
                             "one customer in two experiments at once spoils both)"),
        ]),
        dbc.ModalFooter([
            dbc.Button("Cancel", id=ids.BOARD_LAUNCH_CANCEL, color="secondary", outline=True),
            dbc.Button("Launch", id=ids.BOARD_LAUNCH_GO, color="success"),
        ]),
    ], id=ids.BOARD_LAUNCH_CONFIRM, is_open=False, size="lg")
    return dbc.Card(dbc.CardBody([
        html.H4("Experiment design and launch, for the selected rule", className="mb-1"),
        html.P("Launching freezes the customers the rule reaches now and splits them into "
               "treatment and control by a salted hash, stratified by segment.",
               className="text-muted small"),
        inputs,
        html.Div(id=ids.BOARD_DESIGN_BASELINE, className="mb-2"),
        dcc.Loading(html.Div(id=ids.BOARD_DESIGN_TABLE)),
        launch,
        confirm,
        html.Div(id=ids.BOARD_LAUNCH_RESULT),
    ]), className="mb-3")


class _NoPlan(Exception):
    """Why the selected rule has no plan: the message the design card shows instead."""

    def __init__(self, shown_instead: Any) -> None:
        super().__init__()
        self.shown_instead = shown_instead


def _plan(identifier: int, inputs: design_inputs.DesignInputs
          ) -> tuple[commands.Rule, dict[str, Any], pd.DataFrame]:
    """The selected rule, its audience's baseline and the plan with the panel's inputs;
    _NoPlan with what to show instead when there is none."""
    try:
        rules = commands.list_rules(common.db(), ops_url=common.ops_url())
        baseline = query(queries.audience_baseline, rules, identifier)
    except PROBLEMS as error:
        raise _NoPlan(components.message(shown(error))) from None
    rule = next((r for r in rules if r.rule_id == identifier), None)
    if rule is None or baseline["audience_size"] == 0:
        reason = ("is off: turn it on to plan and launch it" if rule is not None
                  and not rule.enabled else "reaches no customer now")
        raise _NoPlan(components.message(f"This rule {reason}."))
    return rule, baseline, design_inputs.design_frame(baseline, inputs)


def update_design(rule_id: str | None, share: Any, alpha: Any, power: Any, effect: Any,
                  unit: str | None, revenue_effect: Any, _version: dict | None) -> tuple:
    """Baseline of the selected rule's audience and what an experiment on it can detect."""
    identifier = common.parse_rule_id(rule_id)
    if identifier is None:
        return "Select a rule to plan its experiment.", None
    try:
        inputs = design_inputs.read_design_inputs(share, alpha, power, effect, unit,
                                                 revenue_effect)
    except ValueError as error:
        reason = shown(error)
        return no_update, components.message(reason, color="danger")
    try:
        _rule, baseline, plan = _plan(identifier, inputs)
    except _NoPlan as missing:
        return missing.shown_instead, None
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
    return html.P(text, className="mb-1"), tables.design_table(plan, baseline["eligible_per_day"])


def confirm_launch(trigger: Any, _launch: Any, _cancel: Any, rule_id: str | None, share: Any,
                   alpha: Any, power: Any, effect: Any, unit: str | None, revenue_effect: Any,
                   days: Any) -> tuple:
    """"Launch campaign…" asks first, showing the design's power for the panel's inputs (a
    stronger warning when it is low); "Cancel" closes the question."""
    if trigger == ids.BOARD_LAUNCH_CANCEL:
        return False, no_update, no_update
    identifier = common.parse_rule_id(rule_id)
    try:
        if identifier is None:
            raise ValueError("Select a rule to launch.")
        inputs = design_inputs.read_design_inputs(share, alpha, power, effect, unit,
                                                 revenue_effect)
        duration = _duration(days)
        rule, baseline, plan = _plan(identifier, inputs)
        preview = commands.preview_launch(common.db(), identifier, ops_url=common.ops_url())
    except (ValueError, NoSnapshotError, *PROBLEMS) as error:
        return True, components.message(f"Cannot launch: {shown(error)}", color="danger"), True
    except _NoPlan as missing:
        return True, missing.shown_instead, True
    return (True, tables.launch_confirmation(rule, baseline, plan, inputs, duration, preview),
            False)


def _duration(value: Any) -> int:
    try:
        days = float(value)
    except (TypeError, ValueError):
        days = math.nan
    if not (1 <= days <= MAX_DURATION_DAYS and days.is_integer()):
        allowed = f"Duration must be a whole number of days from 1 to {MAX_DURATION_DAYS}"
        if value is None or value == "":
            raise ValueError(f"{allowed}; the box is empty or outside that range.")
        raise ValueError(f"{allowed}; got {value}.")
    return int(days)


def launch(_clicks: Any, rule_id: str | None, share: Any, name: str | None, days: Any,
           exclude_running: bool | None, version: dict | None) -> tuple:
    """Freeze the selected rule's audience as a campaign with treatment and control groups,
    leaving out customers of running campaigns unless the marketer chose otherwise."""
    identifier = common.parse_rule_id(rule_id)
    exclude = exclude_running is not False
    try:
        if identifier is None:
            raise ValueError("Select a rule to launch.")
        control_share = design_inputs.percent_input(share, "Control share", 0, 50,
                                                   allow_high=True)
        launched = commands.launch_campaign(
            common.db(), identifier, name=(name or "").strip() or None, control_share=control_share,
            duration_days=_duration(days), exclude_running=exclude, user=common.user(),
            ops_url=common.ops_url())
        overview = query(queries.campaign_overview, common.db(), common.ops_url(), cache=False)
        text = tables.launch_text(launched, overview, exclude_running=exclude)
    except (ValueError, NoSnapshotError, *PROBLEMS) as error:
        reason = shown(error)
        return (components.message(f"Not launched: {reason}", color="danger"), no_update,
                False)
    return (dbc.Alert(text, color="success", className="mb-2"),
            common.bump(version, campaign_id=launched.campaign_id), False)


def register(app: dash.Dash) -> None:
    """Register the design card's callbacks on ``app``."""
    app.callback(
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
    )(update_design)
    app.callback(
        Output(ids.BOARD_LAUNCH_CONFIRM, "is_open"),
        Output(ids.BOARD_LAUNCH_CONFIRM_BODY, "children"),
        Output(ids.BOARD_LAUNCH_GO, "disabled"),
        Input(ids.BOARD_LAUNCH_BUTTON, "n_clicks"),
        Input(ids.BOARD_LAUNCH_CANCEL, "n_clicks"),
        State(ids.BOARD_RULE_SELECT, "value"),
        State(ids.BOARD_DESIGN_SHARE, "value"),
        State(ids.BOARD_DESIGN_ALPHA, "value"),
        State(ids.BOARD_DESIGN_POWER, "value"),
        State(ids.BOARD_DESIGN_EFFECT, "value"),
        State(ids.BOARD_DESIGN_EFFECT_UNIT, "value"),
        State(ids.BOARD_DESIGN_REVENUE_EFFECT, "value"),
        State(ids.BOARD_LAUNCH_DAYS, "value"),
        prevent_initial_call=True,
    )(requires(CAMPAIGN_OWNER, with_trigger(confirm_launch)))
    app.callback(
        Output(ids.BOARD_LAUNCH_RESULT, "children"),
        Output(ids.BOARD_CAMPAIGNS_VERSION, "data", allow_duplicate=True),
        Output(ids.BOARD_LAUNCH_CONFIRM, "is_open", allow_duplicate=True),
        Input(ids.BOARD_LAUNCH_GO, "n_clicks"),
        State(ids.BOARD_RULE_SELECT, "value"),
        State(ids.BOARD_DESIGN_SHARE, "value"),
        State(ids.BOARD_LAUNCH_NAME, "value"),
        State(ids.BOARD_LAUNCH_DAYS, "value"),
        State(ids.BOARD_LAUNCH_EXCLUDE_RUNNING, "value"),
        State(ids.BOARD_CAMPAIGNS_VERSION, "data"),
        prevent_initial_call=True,
    )(requires(CAMPAIGN_OWNER, launch))
