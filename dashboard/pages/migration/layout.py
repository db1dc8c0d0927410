"""The Migration page's layout: segment sizes over time, and the two snapshots to compare with
their Sankey and transition matrix (filled by ``callbacks.py``)."""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import html

from dashboard import components
from dashboard.data import DataUnavailableError, query
from dashboard.errors import shown
from dashboard.pages.migration import ids
from dashboard.pages.migration.flows import SCOPES, FlowFilter
from warehouse.queries import migration as queries

NEW_EXPLAINED = (
    f"{queries.NEW} = customers with no activity yet at the earlier date; {queries.GONE} = "
    "customers in the earlier snapshot but not in the later one. Buyers only keeps customers in a "
    "buyer segment at either date, so a browser who became a New Customer is shown."
)
DEFAULT_FILTER = FlowFilter()


def date_options(dates: list[date]) -> list[dict[str, str]]:
    """Select options for the snapshot dates, oldest first; the last one is the as-of date."""
    return [
        {"label": d.isoformat() + (" (as-of date)" if i == len(dates) - 1 else ""),
         "value": d.isoformat()}
        for i, d in enumerate(dates)
    ]


def _select(component_id: str, label: str, options: list[dict], value: str) -> dbc.Col:
    return dbc.Col(
        [
            dbc.Label(label, html_for=component_id),
            dbc.Select(id=component_id, options=options, value=value),
        ],
        xs=12,
        sm=6,
        lg=3,
    )


def _scope_card() -> dbc.Card:
    scope = dbc.RadioItems(
        id=ids.MIGRATION_SCOPE,
        value=DEFAULT_FILTER.scope,
        inline=True,
        options=[{"label": label, "value": value} for value, label in SCOPES.items()],
    )
    return dbc.Card(
        dbc.Row([dbc.Col(html.B("Customers shown on every chart:"), width="auto"),
                 dbc.Col(scope, width="auto")], className="g-3 align-items-center"),
        body=True, className="mb-3",
    )


def _sizes_card() -> dbc.Card:
    return dbc.Card(components.graph(ids.MIGRATION_SIZES_CHART, 440), body=True,
                    className="mb-3")


def _transitions_card(dates: list[date]) -> dbc.Card:
    options = date_options(dates)
    first, last = options[0]["value"], options[-1]["value"]
    controls = dbc.Row(
        [
            _select(ids.MIGRATION_FROM, "From snapshot", options, first),
            _select(ids.MIGRATION_TO, "To snapshot", options, last),
            dbc.Col(
                [
                    dbc.Switch(
                        id=ids.MIGRATION_MOVERS_ONLY,
                        label="Only customers who changed segment",
                        value=DEFAULT_FILTER.movers_only,
                    ),
                    dbc.Switch(
                        id=ids.MIGRATION_ARRIVALS,
                        label=f"Include new and departed customers {queries.NEW} / "
                              f"{queries.GONE}",
                        value=DEFAULT_FILTER.arrivals,
                    ),
                ],
                lg=6,
                className="d-flex flex-column justify-content-end",
            ),
        ],
        className="g-3 mb-2",
    )
    return dbc.Card(
        [
            html.H4("Where customers moved", className="mb-2"),
            controls,
            html.P(NEW_EXPLAINED, className="text-muted small mb-2"),
            html.Div(id=ids.MIGRATION_PAIR_MESSAGE),
            components.graph(ids.MIGRATION_SANKEY, 600),
            components.graph(ids.MIGRATION_MATRIX, 660),
        ],
        body=True,
        className="mb-3",
    )


def layout(**_query: str) -> html.Div:
    header = components.page_header(
        "Migration",
        "How many customers sit in each segment over time, and where they moved between two "
        "period ends.",
    )
    try:
        dates = query(queries.snapshot_dates)
    except DataUnavailableError as error:
        dates, text = [], shown(error)
    else:
        text = "The published data has no segment snapshots yet. Load data and run refresh."
    if not dates:
        return html.Div([header, components.message(text, component_id=ids.MIGRATION_MESSAGE)])
    return html.Div(
        [header, html.Div(id=ids.MIGRATION_MESSAGE), _scope_card(), _sizes_card(),
         _transitions_card(dates)]
    )
