"""The Action board's layout: the version stores and the five cards, top to bottom."""

from __future__ import annotations

from dash import dcc, html

from dashboard import components
from dashboard.access import CAMPAIGN_OWNER, visible_to
from dashboard.data import query
from dashboard.errors import shown
from dashboard.pages.board import audit, campaigns, common, design, editor, ids, rules
from warehouse.queries import board as queries


def layout(**_query: str) -> html.Div:
    header = components.page_header(
        "Action board",
        "Which customers get which action, and whether it works: rules, A/B design, campaigns.",
    )
    try:
        segments = sorted(query(queries.known_segments))
        catalogue = common.catalogue()
    except common.PROBLEMS as error:
        reason = shown(error)
        return html.Div([header, components.message(reason, component_id=ids.BOARD_MESSAGE)])
    return html.Div([
        header,
        dcc.Store(id=ids.BOARD_RULES_VERSION, data={"n": 0}),
        dcc.Store(id=ids.BOARD_CAMPAIGNS_VERSION, data={"n": 0}),
        dcc.Store(id=ids.BOARD_AUDIT_VERSION, data={"n": 0}),
        html.Div(id=ids.BOARD_MESSAGE),
        rules.card(),
        html.Div(editor.card([*segments, "rfm", "behavioural"], catalogue),
                 style=visible_to(CAMPAIGN_OWNER)),
        design.card(),
        campaigns.card(),
        audit.card(),
    ])
