"""The Decline risk page's layout: the published run, the model's test figures, the model
comparison and calibration, the global SHAP charts, the risk × profit map with the Action board's
rules for it, a customer's explanation (filled by ``callbacks.py``) and the feature checks."""

from __future__ import annotations

import math
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dashboard import components, formatting
from dashboard.data import DataUnavailableError, query, snapshot_reader
from dashboard.errors import hidden, shown
from dashboard.pages.decline import figures, ids
from warehouse.commands import list_rules
from warehouse.queries import decline as queries

DECLINE_FIELDS = ("decline_risk", "decline_top_reason", "decline_risk_band",
                  "decline_profit_band", "allows_notifications")
NO_RUN = (
    "No decline model has been published yet. Load customer activity data and run the model: "
    "python app.py ingest-market DIR (the One Click files) or python app.py ingest DIR (events), "
    "then python app.py decline."
)
SOURCE_WORDS = {
    "market": "the One Click customer-activity files",
    "events": "the event warehouse",
}
LEAKAGE_WORDS = {
    "market": (
        "The One Click files give the label with the features, as published; a feature that "
        "alone predicts the label almost perfectly (ROC-AUC ≥ 0.97) would be left out as a leak."
    ),
    "events": (
        "Out of time: the features end at the training cut-off and the label is measured in the "
        "period after it, so the revenue that defines the label is never a feature; the three "
        "months before the cut-off (the label's baseline) are, as they are known when scoring. "
        "A feature that alone predicts the label almost perfectly (ROC-AUC ≥ 0.97) would be left "
        "out as a leak."
    ),
}


def _value(metrics: dict[str, float], name: str) -> float:
    value = metrics.get(name)
    return float("nan") if value is None else float(value)


def _auc(value: float) -> str:
    return formatting.MISSING if math.isnan(value) else f"{value:.3f}"


def run_text(run: dict[str, Any]) -> list:
    """What was published: source, date, model version, chosen family, unit, notes."""
    source = SOURCE_WORDS.get(run["source"], run["source"])
    when = f"as of {pd.Timestamp(run['as_of']):%Y-%m-%d}"
    if run["source"] == "events" and pd.notna(run["train_cutoff_at"]):
        when += (f"; trained on customers labelled by the {int(run['period_days'])} days after "
                 f"{pd.Timestamp(run['train_cutoff_at']):%Y-%m-%d}")
    elif run["source"] == "market":
        when = f"scored on {pd.Timestamp(run['as_of']):%Y-%m-%d}"
    lines = [
        html.Span(f"Model v{run['version']} from {source}, {when}. Chosen: "),
        html.B(run["family_label"]), html.Span(f" ({run['params']}), explained by the "
                                               f"{run['explainer']} explainer in "
                                               f"{figures.unit_words(run['unit'])}."),
    ]
    notes = [note for note in str(run["notes"] or "").splitlines() if note]
    if notes:
        lines.append(html.Ul([html.Li(note) for note in notes], className="mb-0 mt-1 small"))
    return lines


def metric_cards(metrics: dict[str, float], scored: int, groups: pd.DataFrame) -> list[dbc.Col]:
    """Test ROC-AUC against the baseline and the published bar, CV, precision and recall at the
    threshold, and how many customers are at high risk."""
    high = groups[groups["risk_band"] == "high"]
    cards = [
        ("Test ROC-AUC", _auc(_value(metrics, "test_roc_auc")),
         f"{formatting.count(metrics.get('test_customers'))} held-out customers; revenue-trend "
         f"baseline {_auc(_value(metrics, 'baseline_test_roc_auc'))}; published notebooks "
         f"{figures.PUBLISHED_BAR} on the real files"),
        ("Cross-validated ROC-AUC",
         f"{_auc(_value(metrics, 'cv_mean'))} ± {_auc(_value(metrics, 'cv_sd'))}",
         f"stratified folds of {formatting.count(metrics.get('train_customers'))} training "
         f"customers; {formatting.count(metrics.get('candidates'))} candidates searched"),
        (f"At threshold {_value(metrics, 'threshold'):.2f}",
         f"{formatting.percent(metrics.get('test_precision'), 0)} · "
         f"{formatting.percent(metrics.get('test_recall'), 0)}",
         "precision · recall on the test split (threshold maximising F1 out of fold); above "
         f"0.7: {formatting.percent(metrics.get('test_precision_at_0.7'), 0)} · "
         f"{formatting.percent(metrics.get('test_recall_at_0.7'), 0)}"),
        ("High decline risk", formatting.count(high["customers"].sum()),
         f"of {formatting.count(scored)} scored customers; "
         f"{formatting.money(high['revenue_amount'].sum())} monthly revenue at stake"),
    ]
    return [dbc.Col(components.stat_card(title, value, note), xs=12, md=6, xl=3, className="mb-3")
            for title, value, note in cards]


def families_table(families: pd.DataFrame) -> dbc.Table:
    header = html.Thead(html.Tr([html.Th(h) for h in (
        "Family", "Candidates", "CV ROC-AUC", "Test ROC-AUC", "Exact explainer", "Best settings")]))
    body = html.Tbody([
        html.Tr([
            html.Td([row.label, " ✓" if row.is_chosen else ""],
                    className="fw-bold" if row.is_chosen else ""),
            html.Td(int(row.candidates)),
            html.Td(f"{row.cv_mean:.3f} ± {row.cv_sd:.3f}"),
            html.Td(_auc(row.test_roc_auc)),
            html.Td("yes" if row.explainable else "no"),
            html.Td(row.params, className="small text-muted"),
        ])
        for row in families.itertuples(index=False)  # five families
    ])
    return dbc.Table([header, body], size="sm", hover=True, responsive=True,
                     id=ids.DECLINE_FAMILIES_TABLE, className="mb-0")


def groups_table(groups: pd.DataFrame) -> dbc.Table:
    header = html.Thead(html.Tr([html.Th(h) for h in (
        "Risk", "Profit", "Customers", "Revenue at stake / month", "Weighted by risk",
        "Main reasons")]))
    body = html.Tbody([
        html.Tr([
            html.Td(row.risk_band), html.Td(row.profit_band),
            html.Td(f"{formatting.count(row.customers)} ({formatting.percent(row.share, 0)})"),
            html.Td(formatting.money(row.revenue_amount)),
            html.Td(formatting.money(row.revenue_at_risk_amount)),
            html.Td(row.main_reasons or formatting.MISSING, className="small"),
        ])
        for row in groups.itertuples(index=False)  # six groups
    ])
    return dbc.Table([header, body], size="sm", hover=True, responsive=True,
                     id=ids.DECLINE_GROUPS_TABLE, className="mb-0")


def condition_text(condition: dict[str, Any]) -> str:
    """A rule condition in words (any-groups flattened with "or")."""
    if "any" in condition:
        return "(" + " or ".join(condition_text(item) for item in condition["any"]) + ")"
    return f"{condition['field']} {condition['op']} {condition['value']}"


def consent_text(refused: int) -> str:
    """How many scored customers refused notifications, and what that means for offers."""
    if not refused:
        return "No scored customer is recorded as refusing notifications."
    return (f"{formatting.count(refused)} scored customers did not consent to notifications: "
            "push and email offers must leave them out.")


def decline_rules(rules: list, refused: int = 0) -> list:
    """The Action board's rules that use a decline field, with a link to the board."""
    mine = [rule for rule in rules
            if any(field in str(rule.conditions) for field in DECLINE_FIELDS)]
    link = dcc.Link("Open the Action board to edit, launch and measure them →", href="/board")
    if not mine:
        return [html.P("No rule on the Action board uses the decline fields yet; the decline job "
                       "adds one per group when an operational store gets its first decline "
                       "model.", className="text-muted"), link]
    header = html.Thead(html.Tr([html.Th(h) for h in (
        "Priority", "Rule", "When", "Action", "Channel", "Offer", "Enabled")]))
    body = html.Tbody([
        html.Tr([html.Td(rule.priority), html.Td(rule.name),
                 html.Td(" and ".join(condition_text(c) for c in rule.conditions),
                         className="small"),
                 html.Td(rule.action), html.Td(rule.channel), html.Td(rule.offer),
                 html.Td("yes" if rule.enabled else "no")])
        for rule in mine
    ])
    note = html.P(f"{consent_text(refused)} A customer gets the action of the highest-priority "
                  "rule that matches.", className="text-muted small mb-1")
    return [dbc.Table([header, body], size="sm", hover=True, responsive=True), note, link]


def checks_table(checks: pd.DataFrame) -> dbc.Table:
    header = html.Thead(html.Tr([html.Th(h) for h in (
        "Feature", "Kind", "ROC-AUC alone", "VIF", "Correlated (|r| ≥ 0.8) with", "Leak")]))
    body = html.Tbody([
        html.Tr([
            html.Td(row.label), html.Td(row.kind), html.Td(_auc(row.single_auc)),
            html.Td(formatting.MISSING if pd.isna(row.vif) else
                    ("∞" if math.isinf(row.vif) or row.vif > 1e6 else f"{row.vif:.1f}"),
                    className="text-danger" if pd.notna(row.vif) and row.vif > 5 else ""),
            html.Td(row.correlated_with or formatting.MISSING, className="small"),
            html.Td("left out" if row.is_leak else "no"),
        ])
        for row in checks.itertuples(index=False)  # one row per feature
    ])
    return dbc.Table([header, body], size="sm", hover=True, responsive=True,
                     id=ids.DECLINE_CHECKS, className="mb-0")


def _card(title: str, children: list, note: str | None = None) -> dbc.Card:
    head = [html.H4(title, className="mb-1")]
    if note:
        head.append(html.P(note, className="text-muted small"))
    return dbc.Card([*head, *children], body=True, className="mb-3")


def _explorer() -> dbc.Card:
    search = dbc.Row([
        dbc.Col([
            dbc.Label("Customer id starts with", html_for=ids.DECLINE_SEARCH),
            dbc.Input(id=ids.DECLINE_SEARCH, type="search", value="", debounce=True,
                      placeholder="e.g. 2153 (empty: the highest risks)", maxLength=64),
        ], md=5),
        dbc.Col([
            dbc.Label("Customer", html_for=ids.DECLINE_CUSTOMER),
            dbc.Select(id=ids.DECLINE_CUSTOMER, options=[]),
        ], md=7),
    ], className="mb-2")
    return _card("A customer's explanation", [
        search,
        html.Div(id=ids.DECLINE_SEARCH_MESSAGE),
        dbc.Row([
            dbc.Col([html.Div(id=ids.DECLINE_CUSTOMER_FACTS),
                     html.H6("Top five reasons", className="mt-2"),
                     html.Div(id=ids.DECLINE_REASONS)], lg=4),
            dbc.Col(components.graph(ids.DECLINE_WATERFALL, 460), lg=8),
        ]),
    ], "Search a scored customer: the waterfall goes from the average customer to this one, "
       "feature by feature; the reasons are stored for every scored customer.")


def _rules_part() -> list:
    try:
        refused = len(query(queries.refused_notifications))
    except DataUnavailableError as error:
        hidden(error, "the count of customers refusing notifications")
        refused = 0
    try:
        return decline_rules(list_rules(snapshot_reader().db), refused)
    except Exception as error:  # the store busy or unreadable: the rest of the page stands
        hidden(error, "the decline rules")
        return [components.message("The Action board's rules cannot be read right now.")]


def layout(**_query: str) -> html.Div:
    header = components.page_header(
        "Decline risk",
        "Which customers are buying less than before, why, and what each group is worth: a model "
        "searched, tested once and explained by python app.py decline.",
    )
    try:
        run = query(queries.decline_run)
        if run is None:
            return html.Div([header, components.message(NO_RUN, component_id=ids.DECLINE_MESSAGE)])
        metrics = query(queries.decline_metrics)
        families = query(queries.decline_families)
        calibration = query(queries.decline_calibration)
        importance = query(queries.decline_importance)
        points = query(queries.beeswarm_points)
        groups = query(queries.decline_groups)
        checks = query(queries.decline_checks)
    except DataUnavailableError as error:
        reason = shown(error)
        return html.Div([header, components.message(reason, component_id=ids.DECLINE_MESSAGE)])
    unit = run["unit"]
    scored = int(groups["customers"].sum())
    return html.Div([
        header,
        dbc.Alert(run_text(run), color="light", id=ids.DECLINE_RUN),
        dbc.Row(metric_cards(metrics, scored, groups), id=ids.DECLINE_METRICS),
        dbc.Row([
            dbc.Col(_card("Model comparison", [
                components.graph(ids.DECLINE_FAMILIES_CHART, 360,
                                 figures.families_figure(families)),
                families_table(families),
            ]), xl=8),
            dbc.Col(_card("Calibration", [
                components.graph(ids.DECLINE_CALIBRATION, 360,
                                 figures.calibration_figure(calibration)),
            ], "Does a predicted 70 % mean 70 %? Read against the bands below."), xl=4),
        ]),
        dbc.Row([
            dbc.Col(_card("Global importance", [
                components.graph(ids.DECLINE_IMPORTANCE, 480,
                                 figures.importance_figure(importance, unit)),
            ]), xl=5),
            dbc.Col(_card("Beeswarm", [
                components.graph(ids.DECLINE_BEESWARM, 480,
                                 figures.beeswarm_figure(points, importance, unit)),
            ]), xl=7),
        ]),
        dbc.Row([
            dbc.Col(_card("Risk × profit", [
                components.graph(ids.DECLINE_GROUPS, 380, figures.risk_profit_figure(
                    groups, float(run["medium_from"]), float(run["high_above"]))),
            ], f"Profit high from {formatting.money(run['profit_threshold'])} a month."), xl=5),
            dbc.Col(_card("The groups", [groups_table(groups)]), xl=7),
        ]),
        _card("Offers on the Action board", _rules_part()),
        _explorer(),
        _card("Feature checks: multicollinearity and leakage", [checks_table(checks)],
              "VIF above 5 (red): the feature is largely a combination of others, and "
              "explanations split the credit between them. "
              + LEAKAGE_WORDS.get(run["source"], "")),
    ])
