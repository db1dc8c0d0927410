"""The Uplift page's callbacks: the chosen campaign's or pool's evidence (stored by the refresh),
the economic table for the user's inputs, and the targeted launch through the command side (not
while a pool is chosen: a pool scores no customers)."""

from __future__ import annotations

import base64
import binascii
import math
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, html
from sqlalchemy.exc import SQLAlchemyError

from dashboard import components, formatting, store_access
from dashboard.access import CAMPAIGN_OWNER, requires
from dashboard.callbacks import with_trigger
from dashboard.data import DataUnavailableError, query, snapshot_reader
from dashboard.errors import shown
from dashboard.figures import empty_figure
from dashboard.pages.uplift import figures, ids
from warehouse import commands
from warehouse.connections import WarehouseBusyError
from warehouse.queries import uplift as queries

PROBLEMS = (DataUnavailableError, WarehouseBusyError, SQLAlchemyError)
POOL_TARGETING = ("A pool scores no customers, so it cannot be targeted: choose a campaign (the "
                  "published scores are the latest campaign's model's).")
TYPE_LABELS = {"persuadable": "Persuadables", "sure_thing": "Sure things",
               "lost_cause": "Lost causes", "do_not_disturb": "Do-not-disturb"}


def _table(frame: pd.DataFrame) -> dbc.Table:
    return dbc.Table.from_dataframe(frame, striped=True, bordered=False, hover=True, size="sm")


def _interval(value: float, low: float, high: float, fmt: Any = formatting.count) -> str:
    return f"{fmt(value)} [{fmt(low)}, {fmt(high)}]"


def _summary(row: dict) -> html.P:
    qini = _interval(row["qini_coefficient"], row["qini_low"], row["qini_high"],
                     lambda v: f"{v:.3f}")
    if queries.is_pool(row["campaign_id"]):
        published = ("A pooled model is evidence to compare with the campaigns' own models; it "
                     "scores no customers.")
    elif row["is_published"]:
        published = "Its scores are the rule fields uplift_score and response_type."
    else:
        published = "A later campaign's model publishes the scores."
    return html.P(
        f"{row['name']}: {formatting.count(row['count_treatment'])} treated, "
        f"{formatting.count(row['count_control'])} control; conversion "
        f"{formatting.percent(row['conversion_treatment'])} vs "
        f"{formatting.percent(row['conversion_control'])}. Chosen learner: {row['learner']} "
        f"(model version {row['model_version']}), held-out Qini coefficient {qini} on "
        f"{formatting.count(row['count_holdout'])} customers. {published}")


def update_campaign(campaign_id: str | None) -> tuple[Any, Any, go.Figure, go.Figure, Any]:
    """Summary, learner comparison, Qini curves, deciles and types of the chosen campaign."""
    try:
        models = query(queries.uplift_models).set_index("campaign_id", drop=False)
        if campaign_id not in models.index or not models.loc[campaign_id, "is_trained"]:
            raise ValueError("Choose a campaign with an uplift model.")
        row = models.loc[campaign_id].to_dict()
        learners = query(queries.evidence, "uplift_learners", campaign_id)
        curves = query(queries.evidence, "uplift_curves", campaign_id)
        deciles = query(queries.evidence, "uplift_deciles", campaign_id)
        types = query(queries.evidence, "uplift_types", campaign_id)
    except (ValueError, *PROBLEMS) as error:
        reason = shown(error)
        blank = empty_figure("", reason)
        return components.message(reason), None, blank, blank, None
    comparison = pd.DataFrame({
        "Learner": learners["label"] + learners["is_chosen"].map({True: " (chosen)",
                                                                  False: ""}),
        "Qini coefficient [95 %]": [
            _interval(r.qini_coefficient, r.qini_low, r.qini_high, lambda v: f"{v:.3f}")
            for r in learners.itertuples()],
        "AUUC": learners["auuc"].map(lambda v: f"{v:.3f}"),
        f"Uplift at {learners['k'].iloc[0]:.0%}": learners["uplift_at_k"].map(
            lambda v: formatting.percent(v)),
    })
    shown_types = pd.DataFrame({
        "Among": types["scope"].map({"audience": "the campaign's customers",
                                     "all": "every customer"}),
        "Type": types["response_type"].map(TYPE_LABELS),
        "Customers": types["customers"].map(formatting.count),
        "Share": types["share"].map(formatting.percent),
        "Mean predicted uplift": types["avg_uplift"].map(formatting.percent),
    })
    types_shown: Any = _table(shown_types) if not types.empty else html.P(
        "Customers are typed by the published model only (the latest campaign's"
        + ("; a pool scores no customers)." if queries.is_pool(campaign_id) else ")."),
        className="text-muted")
    return (_summary(row), _table(comparison), figures.qini_figure(curves, row["learner"]),
            figures.deciles_figure(deciles), types_shown)


def _number(value: Any, label: str, *, default: float | None = None) -> float | None:
    if value is None or value == "":
        if default is None:
            return None
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{label} must be a number") from None
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{label} must be a number of at least 0")
    return number


def parse_share(value: Any) -> float:
    """The top share from the percent input; ValueError saying what is wrong."""
    wrong = "The share to contact must be a percentage above 0 and at most 100."
    try:
        share = _number(value, "The share to contact")
    except ValueError:
        raise ValueError(wrong) from None
    if share is None or not 0 < share <= 100:
        raise ValueError(wrong)
    return share / 100


def update_economics(campaign_id: str | None, top: Any, cost: Any, margin: Any) -> Any:
    """The economic table for the user's share, cost and margin."""
    try:
        share = parse_share(top)
        money = query(queries.campaign_economics, campaign_id, share=share,
                      cost_per_contact=_number(cost, "The cost per contact", default=0.0),
                      margin_per_conversion=_number(margin, "The margin per conversion"))
    except (ValueError, *PROBLEMS) as error:
        return components.message(shown(error))

    def interval(column: str, fmt: Any) -> list[str]:
        return [_interval(r[column], r[f"{column}_low"], r[f"{column}_high"], fmt)
                if not math.isnan(r[column]) else formatting.MISSING
                for r in money.to_dict("records")]

    table = pd.DataFrame({
        "Policy": money["policy"], "Contacts": money["contacts"].map(formatting.count),
        "Incremental conversions [95 %]": interval("incremental_conversions", formatting.count),
        "Cost": money["cost"].map(formatting.money),
        "Incremental revenue [95 %]": interval("incremental_revenue", formatting.money),
        "Profit [95 %]": interval("profit", formatting.money),
    })
    note = html.P("Effects measured on the held-out customers in each top part (— : fewer than "
                  "20 of a group there), applied to an audience the size of the campaign's.",
                  className="text-muted small mb-0")
    return html.Div([_table(table), note])


def targeting(campaign_id: str | None) -> tuple[bool, bool, str]:
    """The launch and rule buttons disabled, with the reason, while a pool is chosen."""
    if queries.is_pool(campaign_id):
        return True, True, POOL_TARGETING
    return False, False, ""


def launch(trigger: Any, n_clicks: int | None, rule_clicks: int | None, top: Any,
           name: str | None, campaign_id: str | None = None) -> Any:
    """Launch the top share by predicted uplift (source 'uplift') or, when ``trigger`` is the
    rule button, create the rule; say what was stored. Refused while a pool is chosen."""
    if not (n_clicks or rule_clicks):
        raise dash.exceptions.PreventUpdate
    try:
        if queries.is_pool(campaign_id):
            raise ValueError(POOL_TARGETING)
        share = parse_share(top)
        if trigger == ids.UPLIFT_RULE:
            return _rule_created(share, name)
        launched = commands.launch_top_uplift(
            snapshot_reader().db, user=store_access.acting_user(), share=share,
            name=(name or "").strip() or None,
            ops_url=store_access.ops_url())
    except (ValueError, *PROBLEMS) as error:
        return components.message(shown(error))
    return components.message(
        f"Launched {launched.campaign_id} ({launched.name}): "
        f"{formatting.count(launched.count_treatment)} treatment, "
        f"{formatting.count(launched.count_control)} control, "
        f"{formatting.count(launched.count_excluded)} left out (in a running campaign). "
        f"{launched.describe_clock()} It is on the Action board.", color="success")


def _rule_created(share: float, name: str | None) -> Any:
    rule = commands.create_uplift_rule(
        snapshot_reader().db, user=store_access.acting_user(), share=share,
        name=(name or "").strip() or None, ops_url=store_access.ops_url())
    return components.message(
        f"Created rule {rule.rule_id} ({rule.name}) at priority {rule.priority} on the Action "
        "board: launch it there when ready.", color="success")


def _day(text: str | None, label: str) -> date | None:
    if not (text or "").strip():
        return None
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise ValueError(f"The {label} must be a date as YYYY-MM-DD, got {text!r}.") from None


def import_results(contents: str | None, file_name: str | None, name: str | None,
                   start: str | None, end: str | None) -> Any:
    """Load an uploaded results file through the command side and say what it stored."""
    if not contents:
        raise dash.exceptions.PreventUpdate
    try:
        if not (name or "").strip():
            raise ValueError("Give the campaign a name before loading its file.")
        launched_at, ends_at = _day(start, "first day"), _day(end, "last day")
        try:
            data = base64.b64decode(contents.split(",", 1)[1], validate=True)
        except (IndexError, binascii.Error):
            raise ValueError("The upload could not be read; choose the file again.") from None
        with tempfile.TemporaryDirectory(prefix="actionboard-upload-") as folder:
            path = Path(folder) / "results.csv"
            path.write_bytes(data)
            imported = commands.import_campaign_results(
                snapshot_reader().db, path, name=str(name).strip(),
                user=store_access.acting_user(), launched_at=launched_at, ends_at=ends_at,
                file_name=Path(file_name or "upload.csv").name, ops_url=store_access.ops_url())
    except (ValueError, *PROBLEMS) as error:  # a refused load is a ValueError
        return components.message(shown(error))
    lines = str(imported).splitlines()
    return components.message(
        [html.Div(line) for line in lines] + [html.Div("Refresh to measure it and learn "
                                                       "whom it persuaded.")], color="success")


def register_callbacks(app: dash.Dash) -> None:
    """Register the Uplift page's callbacks on ``app``."""
    app.callback(
        Output(ids.UPLIFT_SUMMARY, "children"), Output(ids.UPLIFT_LEARNERS, "children"),
        Output(ids.UPLIFT_QINI, "figure"), Output(ids.UPLIFT_DECILES, "figure"),
        Output(ids.UPLIFT_TYPES, "children"), Input(ids.UPLIFT_CAMPAIGN, "value"),
    )(update_campaign)
    app.callback(
        Output(ids.UPLIFT_ECONOMICS, "children"), Input(ids.UPLIFT_CAMPAIGN, "value"),
        Input(ids.UPLIFT_TOP, "value"), Input(ids.UPLIFT_COST, "value"),
        Input(ids.UPLIFT_MARGIN, "value"),
    )(update_economics)
    app.callback(
        Output(ids.UPLIFT_LAUNCHED, "children"), Input(ids.UPLIFT_LAUNCH, "n_clicks"),
        Input(ids.UPLIFT_RULE, "n_clicks"), State(ids.UPLIFT_TOP, "value"),
        State(ids.UPLIFT_NAME, "value"), State(ids.UPLIFT_CAMPAIGN, "value"),
        prevent_initial_call=True,
    )(requires(CAMPAIGN_OWNER, with_trigger(launch)))
    app.callback(
        Output(ids.UPLIFT_LAUNCH, "disabled"), Output(ids.UPLIFT_RULE, "disabled"),
        Output(ids.UPLIFT_TARGET_REASON, "children"), Input(ids.UPLIFT_CAMPAIGN, "value"),
    )(targeting)
    app.callback(
        Output(ids.UPLIFT_IMPORTED, "children"), Input(ids.UPLIFT_IMPORT_FILE, "contents"),
        State(ids.UPLIFT_IMPORT_FILE, "filename"), State(ids.UPLIFT_IMPORT_NAME, "value"),
        State(ids.UPLIFT_IMPORT_START, "value"), State(ids.UPLIFT_IMPORT_END, "value"),
        prevent_initial_call=True,
    )(requires(CAMPAIGN_OWNER, import_results))
