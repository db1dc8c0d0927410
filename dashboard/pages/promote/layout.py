"""The Promote-an-item page's layout: the item search, the audience size, the audience in
figures, and the launch (filled by ``callbacks.py``)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard import components
from dashboard.access import CAMPAIGN_OWNER, visible_to
from dashboard.pages.promote import delivery, ids, report
from warehouse.promote import settings
from warehouse.promote.message import DEFAULT_BODY, DEFAULT_LINK, DEFAULT_TITLE

SIZE_CHOICES = {"0.5": "50% of expected buyers", "0.7": "70%", "0.9": "90%",
                "typed": "A size I type"}


def layout(**_query: str) -> html.Div:
    header = components.page_header(
        "Promote an item",
        f"Who is likely to buy an item in an order of at least {settings.DEFAULT_MIN_BASKET} "
        f"items within {settings.DEFAULT_HORIZON_DAYS} days, and a push to them with a "
        f"{settings.HOLDOUT_SHARE:.0%} random hold-out. Only customers with push consent are "
        f"pushed; at most {settings.FREQUENCY_CAP} pushes per customer in "
        f"{settings.FREQUENCY_CAP_DAYS} days.")
    search = dbc.Row([
        dbc.Col(dbc.Input(id=ids.PROMOTE_SEARCH, type="search", debounce=False,
                          placeholder="Search items by id, name or category"), lg=5),
        dbc.Col(dbc.Select(id=ids.PROMOTE_ITEM, options=[]), lg=7),
    ], className="g-2")
    size = dbc.Row([
        dbc.Col(dbc.RadioItems(id=ids.PROMOTE_SIZE_CHOICE, value="0.7", inline=True,
                               options=[{"label": label, "value": value}
                                        for value, label in SIZE_CHOICES.items()]), lg=8),
        dbc.Col(dbc.Input(id=ids.PROMOTE_SIZE, type="number", min=1, step=1,
                          placeholder="customers"), lg=4),
    ], className="g-2 my-2")
    compose = dbc.Card([
        html.H4("Push message", className="mb-2"),
        html.P("Placeholders: {item_name}, {category}, {price}, {item_id} and customer "
               "attributes such as {segment}; write {name|default} for a default where a value "
               "is missing.", className="text-muted small mb-2"),
        dbc.Label("Title", html_for=ids.PROMOTE_TITLE),
        dbc.Input(id=ids.PROMOTE_TITLE, value=DEFAULT_TITLE, debounce=True),
        dbc.Label("Body", html_for=ids.PROMOTE_BODY, className="mt-2"),
        dbc.Textarea(id=ids.PROMOTE_BODY, value=DEFAULT_BODY, debounce=True),
        dbc.Label("Deep link", html_for=ids.PROMOTE_LINK, className="mt-2"),
        dbc.Input(id=ids.PROMOTE_LINK, value=DEFAULT_LINK, debounce=True),
        html.Div(id=ids.PROMOTE_PREVIEW, className="mt-3"),
    ], body=True, className="mb-3")
    launch = dbc.Row([
        dbc.Col(dbc.Input(id=ids.PROMOTE_NAME, placeholder="Campaign name"), lg=6),
        dbc.Col(dbc.Button("Send push (launch)", id=ids.PROMOTE_LAUNCH, color="primary"), lg=3),
    ], className="g-2 my-2")
    return html.Div([
        header,
        html.Div(id=ids.PROMOTE_MESSAGE),
        dbc.Card([html.H4("Item", className="mb-2"), search, size,
                  html.Div(id=ids.PROMOTE_AUDIENCE)], body=True, className="mb-3"),
        compose,
        dbc.Card([html.H4("Launch", className="mb-2"), launch,
                  html.Div(id=ids.PROMOTE_LAUNCH_RESULT)], body=True, className="mb-3",
                 style=visible_to(CAMPAIGN_OWNER)),
        delivery.card(),
        dbc.Card([html.H4("Results against the hold-out", className="mb-2"),
                  html.P("A campaign appears here once a refresh after its launch has "
                         "published it; its figures grow as data after the launch arrives.",
                         className="text-muted small"),
                  dbc.Select(id=ids.PROMOTE_RESULTS_CAMPAIGN, options=[]),
                  html.Div(id=ids.PROMOTE_RESULTS, className="mt-2")],
                 body=True, className="mb-3"),
        report.report_card(),
    ])
