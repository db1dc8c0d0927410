"""The Overview's layout: date range and granularity controls, KPI cards, KPI tree, funnel, GMV
over time and product trends (filled by ``callbacks.py``)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import components
from dashboard.data import DataUnavailableError, query
from dashboard.errors import shown
from dashboard.pages.overview import ids
from dashboard.pages.overview.periods import DEFAULT_DAYS, bounds_from_frame, quick_range
from warehouse.queries import overview as queries

QUICK_RANGES = {  # button id → days (None = all data)
    ids.OVERVIEW_QUICK_7: 7,
    ids.OVERVIEW_QUICK_28: 28,
    ids.OVERVIEW_QUICK_90: 90,
    ids.OVERVIEW_QUICK_ALL: None,
}


def _controls(bounds: dict[str, str]) -> dbc.Row:
    start, end = quick_range(bounds, DEFAULT_DAYS)
    quick = dbc.ButtonGroup(
        [
            dbc.Button(label, id=button_id, color="secondary", outline=True, size="sm")
            for button_id, label in zip(
                QUICK_RANGES, ["Last 7 days", "Last 28 days", "Last 90 days", "All"], strict=True
            )
        ]
    )
    return dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("Date range", html_for=ids.OVERVIEW_DATE_RANGE),
                    dcc.DatePickerRange(
                        id=ids.OVERVIEW_DATE_RANGE,
                        start_date=start.isoformat(),
                        end_date=end.isoformat(),
                        min_date_allowed=bounds["first"],
                        max_date_allowed=bounds["last"],
                        start_date_id=ids.OVERVIEW_DATE_START_INPUT,
                        end_date_id=ids.OVERVIEW_DATE_END_INPUT,
                        display_format="YYYY-MM-DD",
                        first_day_of_week=1,
                    ),
                    html.Div(quick, className="mt-2"),
                ],
                md=6,
            ),
            dbc.Col(
                [
                    dbc.Label("Show charts by"),
                    dbc.RadioItems(
                        id=ids.OVERVIEW_GRANULARITY,
                        value="day",
                        inline=True,
                        options=[
                            {"label": g.capitalize(), "value": g} for g in queries.GRANULARITIES
                        ],
                    ),
                ],
                md=3,
            ),
            dbc.Col(html.Div(id=ids.OVERVIEW_PERIOD_LABEL, className="text-muted small"), md=3),
        ],
        className="ab-controls mb-3 g-3",
    )


def _trend_controls() -> dbc.Row:
    return dbc.Row(
        [
            dbc.Col(
                dbc.RadioItems(
                    id=ids.OVERVIEW_TRENDS_DIMENSION,
                    value="category",
                    inline=True,
                    options=[
                        {"label": "Root categories", "value": "category"},
                        {"label": "Items", "value": "item"},
                    ],
                ),
                width="auto",
            ),
            dbc.Col(
                dbc.InputGroup(
                    [
                        dbc.InputGroupText("Top"),
                        dbc.Select(
                            id=ids.OVERVIEW_TRENDS_TOP_N,
                            value="5",
                            options=[
                                {"label": str(n), "value": str(n)} for n in (3, 5, 10, 15, 20)
                            ],
                        ),
                    ],
                    size="sm",
                ),
                width="auto",
            ),
        ],
        className="g-3 mb-2 align-items-center",
    )


def _card_col(component_id: str, width: int) -> dbc.Col:
    card = dbc.Card(components.graph(component_id, 360), body=True)
    return dbc.Col(card, lg=width, className="mb-3")


def layout(**_query: str) -> html.Div:
    header = components.page_header(
        "Overview", "How the shop is doing: GMV and its drivers against the previous period."
    )
    try:
        bounds = bounds_from_frame(query(queries.data_bounds))
    except DataUnavailableError as error:
        reason = shown(error)
        return html.Div([header, components.message(reason, component_id=ids.OVERVIEW_MESSAGE)])
    if bounds is None:
        text = "The published data has no days with activity yet. Load events and run refresh."
        return html.Div([header, components.message(text, component_id=ids.OVERVIEW_MESSAGE)])
    return html.Div(
        [
            header,
            dcc.Store(id=ids.OVERVIEW_BOUNDS_STORE, data=bounds),
            _controls(bounds),
            html.Div(id=ids.OVERVIEW_MESSAGE),
            dbc.Row(id=ids.OVERVIEW_KPI_CARDS),
            dbc.Row(
                [
                    _card_col(ids.OVERVIEW_KPI_TREE, 7),
                    _card_col(ids.OVERVIEW_FUNNEL_CHART, 5),
                ]
            ),
            dbc.Card(components.graph(ids.OVERVIEW_GMV_CHART), body=True, className="mb-3"),
            dbc.Card(
                [_trend_controls(), components.graph(ids.OVERVIEW_TRENDS_CHART, 420)],
                body=True,
                className="mb-3",
            ),
        ]
    )
