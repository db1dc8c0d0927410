"""The Decline risk page's callbacks: find scored customers by id, and show one customer's
waterfall, reasons and facts. Bodies are plain functions, registered by ``register_callbacks``;
each reads stored rows only (one customer's at most a few dozen)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, html

from dashboard import components, formatting
from dashboard.data import DataUnavailableError, query
from dashboard.errors import shown
from dashboard.figures import empty_figure
from dashboard.pages.decline import figures, ids
from warehouse.queries import decline as queries

MAX_SEARCH = 64
WATERFALL_TITLE = "A customer's explanation"


def find_customers(prefix: str | None) -> tuple[list[dict], str | None, object]:
    """Customers whose id starts with ``prefix`` (the highest risks when empty): the picker's
    options, the first one chosen, and a message when none is found."""
    text = (prefix or "").strip()
    if len(text) > MAX_SEARCH:
        return [], None, components.message(f"A customer id has at most {MAX_SEARCH} characters.")
    try:
        found = query(queries.search_customers, text)
    except DataUnavailableError as error:
        return [], None, components.message(shown(error))
    if found.empty:
        return [], None, components.message(f"No scored customer's id starts with {text!r}.",
                                            color="info")
    options = [{"label": f"{row.customer_id} · risk {formatting.percent(row.decline_risk, 0)} · "
                         f"{row.decline_risk_band} risk, {row.decline_profit_band} profit",
                "value": row.customer_id}
               for row in found.itertuples(index=False)]
    note = "" if text else html.P("The 20 highest risks; type an id to find another customer.",
                                  className="text-muted small mb-1")
    return options, options[0]["value"], note


def _facts(customer: dict) -> dbc.ListGroup:
    rows = [
        ("Decline risk", f"{formatting.percent(customer['decline_risk'], 0)} "
                         f"({customer['decline_risk_band']})"),
        ("Top reason", customer["decline_top_reason"] or "nothing raises the risk"),
        ("Monthly profit", f"{formatting.money(customer['monthly_profit'])} "
                           f"({customer['decline_profit_band']})"),
        ("Monthly revenue", formatting.money(customer["monthly_revenue"])),
        ("Allows notifications", customer["allows_notifications"] or "not recorded"),
        ("Known label", customer["purchase_activity"] or "none (scored, not trained on)"),
    ]
    if customer["split"]:
        rows.append(("Used for", "training" if customer["split"] == "train" else "the test"))
    return dbc.ListGroup([dbc.ListGroupItem([html.Span(f"{name}: ", className="text-muted"),
                                             html.Span(value)]) for name, value in rows],
                         flush=True, className="small")


def show_customer(customer_id: str | None) -> tuple[object, object, object]:
    """One customer's facts, top five reasons (in words) and waterfall."""
    if not customer_id:
        return "", "", empty_figure(WATERFALL_TITLE, "Choose a customer")
    try:
        run = query(queries.decline_run)
        customer = query(queries.customer_decline, customer_id)
        contributions = query(queries.customer_contributions, customer_id)
    except DataUnavailableError as error:
        reason = shown(error)
        return components.message(reason), "", empty_figure(WATERFALL_TITLE, reason)
    if run is None or customer is None:
        text = f"Customer {customer_id!r} has no decline score in the published data."
        return components.message(text, color="info"), "", empty_figure(WATERFALL_TITLE, text)
    reasons = html.Ol([html.Li(reason, className="small")
                       for reason in contributions["reason"].head(5)], className="ps-3")
    figure = figures.waterfall_figure(contributions, float(run["base_value"]),
                                      float(customer["model_output"]), run["unit"], customer_id,
                                      float(customer["decline_risk"]))
    return _facts(customer), reasons, figure


def register_callbacks(app: dash.Dash) -> None:
    """Register the Decline risk page's callbacks on ``app``."""
    app.callback(
        Output(ids.DECLINE_CUSTOMER, "options"),
        Output(ids.DECLINE_CUSTOMER, "value"),
        Output(ids.DECLINE_SEARCH_MESSAGE, "children"),
        Input(ids.DECLINE_SEARCH, "value"),
    )(find_customers)
    app.callback(
        Output(ids.DECLINE_CUSTOMER_FACTS, "children"),
        Output(ids.DECLINE_REASONS, "children"),
        Output(ids.DECLINE_WATERFALL, "figure"),
        Input(ids.DECLINE_CUSTOMER, "value"),
    )(show_customer)
