"""The Promote page's delivery card: a push campaign's outbox by state (queued and due, held by
quiet hours, sent, failed, skipped), refreshed after a launch or on demand. Sending itself is
the sender's job (``python app.py send``), which holds the provider's settings; the page shows
counts only, no customers."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html
from sqlalchemy.exc import SQLAlchemyError

from dashboard import components, store_access
from dashboard.callbacks import with_trigger
from dashboard.data import snapshot_reader
from dashboard.errors import shown
from dashboard.pages.promote import ids as page_ids
from warehouse.clock import utc_now
from warehouse.commands import LaunchedCampaign, outbox_status, push_campaign_ids

DELIVERY_CAMPAIGN = "promote-delivery-campaign"
DELIVERY_REFRESH = "promote-delivery-refresh"
DELIVERY_STATUS = "promote-delivery-status"
SEND_COMMAND = "python app.py send --campaign {campaign_id}"


def queued_text(launched: LaunchedCampaign) -> str:
    """What a push launch put in the outbox, for the launch's message."""
    if not launched.count_queued:
        return ""
    text = f"{launched.count_queued:,} messages queued in the outbox"
    if launched.not_before is not None and launched.not_before > utc_now():
        text += f", held by quiet hours until {launched.not_before:%Y-%m-%d %H:%M} UTC"
    return text + f"; they go out with `{SEND_COMMAND.format(campaign_id=launched.campaign_id)}`."


def card() -> dbc.Card:
    return dbc.Card([
        html.H4("Delivery", className="mb-2"),
        html.P("The outbox of a push campaign: messages queued, held by quiet hours, sent, "
               "refused by the provider or skipped. Only the treatment group has messages.",
               className="text-muted small"),
        dbc.Row([dbc.Col(dbc.Select(id=DELIVERY_CAMPAIGN, options=[]), lg=9),
                 dbc.Col(dbc.Button("Refresh", id=DELIVERY_REFRESH, color="secondary",
                                    outline=True), lg=3)], className="g-2"),
        html.Div(id=DELIVERY_STATUS, className="mt-2"),
    ], body=True, className="mb-3")


def campaign_choices(trigger: Any, _launched: Any, _clicks: Any, chosen: str | None
                     ) -> tuple[list[dict[str, str]], str | None]:
    """The campaigns with messages in the outbox, newest first; the newest chosen after a
    launch, the chosen one kept otherwise."""
    try:
        found = push_campaign_ids(snapshot_reader().db, ops_url=store_access.ops_url())
    except SQLAlchemyError:
        return [], None
    options = [{"label": f"{campaign_id} · {name}", "value": campaign_id}
               for campaign_id, name in found]
    values = [o["value"] for o in options]
    launched_now = trigger == page_ids.PROMOTE_LAUNCH_RESULT
    if values and (launched_now or chosen not in values):
        return options, values[0]
    return options, chosen


def update_status(campaign_id: str | None, _clicks: Any = None) -> Any:
    """The chosen campaign's outbox by state."""
    if not campaign_id:
        return html.P("No push campaign has messages in the outbox yet.", className="text-muted")
    try:
        status = outbox_status(snapshot_reader().db, campaign_id, utc_now(),
                               ops_url=store_access.ops_url())
    except (ValueError, SQLAlchemyError) as error:
        return components.message(shown(error))
    held = f"{status.held:,}"
    if status.held_until is not None:
        held += f" (until {status.held_until:%Y-%m-%d %H:%M} UTC)"
    rows = [("Queued, due", f"{status.due:,}"), ("Held by quiet hours", held),
            ("Sent", f"{status.sent:,}"), ("Failed", f"{status.failed:,}"),
            ("Skipped", f"{status.skipped:,}")]
    last = ("never" if status.last_attempt_at is None
            else f"{status.last_attempt_at:%Y-%m-%d %H:%M:%S} UTC")
    return html.Div([
        dbc.Table([html.Tbody([html.Tr([html.Th(label), html.Td(value)])
                               for label, value in rows])],
                  size="sm", className="mb-1", style={"maxWidth": "480px"}),
        html.Small(f"{status.total:,} messages; last attempt {last}. Queued messages go out "
                   f"with `{SEND_COMMAND.format(campaign_id=campaign_id)}`.",
                   className="text-muted"),
    ])


def register_callbacks(app: dash.Dash) -> None:
    """Register the delivery card's callbacks on ``app``."""
    app.callback(Output(DELIVERY_CAMPAIGN, "options"), Output(DELIVERY_CAMPAIGN, "value"),
                 Input(page_ids.PROMOTE_LAUNCH_RESULT, "children"),
                 Input(DELIVERY_REFRESH, "n_clicks"),
                 State(DELIVERY_CAMPAIGN, "value"))(with_trigger(campaign_choices))
    app.callback(Output(DELIVERY_STATUS, "children"), Input(DELIVERY_CAMPAIGN, "value"),
                 Input(DELIVERY_REFRESH, "n_clicks"))(update_status)
