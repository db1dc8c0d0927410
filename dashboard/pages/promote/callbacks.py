"""The Promote-an-item page's callbacks: item search as the operator types, the audience of the
chosen item and size, the model's state, and the launch. Bodies are plain functions."""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html
from dash.exceptions import PreventUpdate
from sqlalchemy.exc import SQLAlchemyError

from dashboard import components, store_access
from dashboard.access import CAMPAIGN_OWNER, requires
from dashboard.data import DataUnavailableError, query, snapshot_reader
from dashboard.errors import shown
from dashboard.pages.promote import delivery, ids, report
from dashboard.pages.promote.delivery import queued_text
from warehouse.connections import WarehouseBusyError
from warehouse.promote import settings
from warehouse.promote.audience import AudiencePlan, launch_promotion, plan_audience, render_push
from warehouse.promote.message import length_warnings
from warehouse.promote.results import push_results
from warehouse.promote.scoring import NoPropensityModelError, latest_results
from warehouse.queries import promote as queries
from warehouse.snapshots import NoSnapshotError

log = logging.getLogger(__name__)
# What a card shows as a message: a mistake in what was typed, missing data or model, a busy
# warehouse, an operational store that cannot be reached.
PROBLEMS = (ValueError, DataUnavailableError, NoPropensityModelError, NoSnapshotError,
            WarehouseBusyError, SQLAlchemyError)


def item_options(search: str | None, chosen: str | None) -> tuple[list[dict[str, str]], Any]:
    """Items matching what the operator typed, best recent sellers first; the chosen item
    stays chosen while it matches, else the first match is."""
    if not search or not search.strip():
        raise PreventUpdate
    try:
        found = query(queries.search_items, search)
    except DataUnavailableError:
        return [], None
    options = [{"label": " · ".join(str(v) for v in (row.item_id, row.item_name, row.category)
                                    if isinstance(v, str) and v),
                "value": str(row.item_id)} for row in found.itertuples()]
    values = [o["value"] for o in options]
    return options, (chosen if chosen in values else (values[0] if values else None))


def model_state() -> Any:
    """Why no audience can be shown yet, or None when a model is trained."""
    db = snapshot_reader().db
    try:
        latest_results(db)
    except NoPropensityModelError as error:
        try:
            orders, large = query(queries.basket_counts, settings.DEFAULT_MIN_BASKET)
        except DataUnavailableError as unavailable:
            return components.message(shown(unavailable))
        log.info("promote page: %s", error)  # the expected state before a first training
        return components.message(
            f"{error}. The published data holds {orders:,} orders, {large:,} of them "
            f"with at least {settings.DEFAULT_MIN_BASKET} items (the baskets worth a push).")
    return None


def _size(choice: str | None, typed: Any) -> tuple[int | None, float]:
    if choice == "typed":
        try:
            size = int(typed)
        except (TypeError, ValueError):
            raise ValueError("Type the audience size: a whole number of customers.") from None
        if size < 1 or size != float(typed):
            raise ValueError(f"The audience size must be a whole number, at least 1; got {typed}.")
        return size, 0.7
    return None, float(choice or 0.7)


def _plan(item: str | None, choice: str | None, typed: Any) -> AudiencePlan:
    if not item:
        raise ValueError("Search and pick an item.")
    size, capture = _size(choice, typed)
    return plan_audience(snapshot_reader().db, item, size=size, capture=capture,
                         ops_url=store_access.ops_url())


def update_audience(item: str | None, choice: str | None, typed: Any) -> Any:
    """The audience of the chosen item and size, in figures."""
    missing = model_state()
    if missing is not None:
        return missing
    if not item:
        return html.P("Pick an item to see its audience.", className="text-muted")
    try:
        plan = _plan(item, choice, typed)
    except PROBLEMS as error:
        return components.message(shown(error))
    return html.Div([html.P(line, className="mb-1") for line in plan.describe().splitlines()])


def update_preview(item: str | None, choice: str | None, typed: Any, title: str | None,
                   body: str | None, link: str | None) -> Any:
    """The push as the audience's first customer would see it, and what platforms would cut."""
    if not item:
        raise PreventUpdate
    try:
        plan = _plan(item, choice, typed)
        if plan.audience.empty:
            raise ValueError("Nobody is left in the audience to preview for.")
        messages = render_push(plan, title or "", body or "", link or "")
    except PROBLEMS as error:
        return components.message(shown(error))
    titles = messages["title"]
    first_title, first_body, deep_link = messages.iloc[0][["title", "body", "deep_link"]]
    warnings = [components.message(w) for w in length_warnings(first_title, first_body)]
    return html.Div([
        dbc.Card([html.Strong(first_title), html.Div(first_body),
                  html.Small(deep_link, className="text-muted")], body=True,
                 className="mb-2", style={"maxWidth": "420px"}),
        html.Small(f"As customer {plan.audience['customer_id'].iloc[0]} sees it; "
                   f"{titles.nunique():,} distinct titles over the audience.",
                   className="text-muted"),
        *warnings,
    ])


def launch(_clicks: Any, item: str | None, choice: str | None, typed: Any,
           name: str | None, title: str | None, body: str | None, link: str | None) -> Any:
    """Launch the shown audience as a push campaign, audited with the signed-in user."""
    try:
        if not (name or "").strip():
            raise ValueError("Name the campaign.")
        plan = _plan(item, choice, typed)
        launched = launch_promotion(snapshot_reader().db, plan, user=store_access.acting_user(),
                                    name=name or "", title=title or "", body=body or "",
                                    deep_link=link or "", ops_url=store_access.ops_url())
    except PROBLEMS as error:
        return components.message(f"Not launched: {shown(error)}", color="danger")
    return dbc.Alert(
        f"Launched {launched.campaign_id} '{launched.name}': {launched.count_treatment:,} "
        f"customers to push, {launched.count_control:,} held out. "
        f"{launched.describe_clock()} {queued_text(launched)}", color="success")


def campaign_options(_pathname: Any = None) -> list[dict[str, str]]:
    """The published push campaigns, newest first."""
    try:
        found = query(queries.push_campaigns)
    except DataUnavailableError:
        return []
    return [{"label": f"{row.campaign_id} · {row.name} · {row.offer}",
             "value": str(row.campaign_id)} for row in found.itertuples()]


def update_results(campaign_id: str | None) -> Any:
    """The chosen push campaign's results against its hold-out, against the goals."""
    if not campaign_id:
        return html.P("No push campaign is published yet.", className="text-muted")
    try:
        results = push_results(snapshot_reader().db, campaign_id)
    except PROBLEMS as error:
        return components.message(shown(error))
    return html.Div([html.P(line, className="mb-1") for line in
                     results.describe().splitlines()])


def register_callbacks(app: dash.Dash) -> None:
    """Register the page's callbacks on ``app``."""
    app.callback(Output(ids.PROMOTE_ITEM, "options"), Output(ids.PROMOTE_ITEM, "value"),
                 Input(ids.PROMOTE_SEARCH, "value"), State(ids.PROMOTE_ITEM, "value"))(
        item_options)
    app.callback(Output(ids.PROMOTE_AUDIENCE, "children"), Input(ids.PROMOTE_ITEM, "value"),
                 Input(ids.PROMOTE_SIZE_CHOICE, "value"), Input(ids.PROMOTE_SIZE, "value"))(
        update_audience)
    app.callback(Output(ids.PROMOTE_LAUNCH_RESULT, "children"),
                 Input(ids.PROMOTE_LAUNCH, "n_clicks"), State(ids.PROMOTE_ITEM, "value"),
                 State(ids.PROMOTE_SIZE_CHOICE, "value"), State(ids.PROMOTE_SIZE, "value"),
                 State(ids.PROMOTE_NAME, "value"), State(ids.PROMOTE_TITLE, "value"),
                 State(ids.PROMOTE_BODY, "value"), State(ids.PROMOTE_LINK, "value"),
                 prevent_initial_call=True)(requires(CAMPAIGN_OWNER, launch))
    app.callback(Output(ids.PROMOTE_PREVIEW, "children"), Input(ids.PROMOTE_ITEM, "value"),
                 Input(ids.PROMOTE_SIZE_CHOICE, "value"), Input(ids.PROMOTE_SIZE, "value"),
                 Input(ids.PROMOTE_TITLE, "value"), Input(ids.PROMOTE_BODY, "value"),
                 Input(ids.PROMOTE_LINK, "value"))(update_preview)
    app.callback(Output(ids.PROMOTE_RESULTS_CAMPAIGN, "options"),
                 Input(ids.PROMOTE_RESULTS_CAMPAIGN, "id"))(campaign_options)
    app.callback(Output(ids.PROMOTE_RESULTS, "children"),
                 Input(ids.PROMOTE_RESULTS_CAMPAIGN, "value"))(update_results)
    delivery.register_callbacks(app)
    report.register_callbacks(app)
