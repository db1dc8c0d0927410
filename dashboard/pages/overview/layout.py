"""The Overview's layout: date range and granularity controls, KPI cards, KPI tree, funnel, GMV
over time and product trends (filled by ``callbacks.py``).

The range and granularity come from the URL (``/?start=2015-08-01&end=2015-08-31&granularity=week``,
so a view can be shared) and are written back to it as they change; when the page is opened
without them (from the navigation bar), the last ones of the browser session are restored.
"""

from __future__ import annotations

from datetime import date

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


def initial_state(
    bounds: dict[str, str], start: str | None, end: str | None, granularity: str | None
) -> tuple[str, str, str, str | None]:
    """(start, end, granularity, note) the page opens with: the URL's where they are dates and a
    known granularity, else the last 28 days by day, with a note saying what was ignored. Dates
    outside the data are kept: the page then says so in one message."""
    default_start, default_end = (d.isoformat() for d in quick_range(bounds, DEFAULT_DAYS))
    note = None
    if start or end:
        try:
            start, end = date.fromisoformat(start or "").isoformat(), date.fromisoformat(
                end or "").isoformat()
        except ValueError:
            note = (f"The link's dates ({start or 'none'} to {end or 'none'}) are not dates "
                    "written YYYY-MM-DD; showing the last 28 days instead.")
            start, end = default_start, default_end
    else:
        start, end = default_start, default_end
    if granularity not in queries.GRANULARITIES:
        if granularity:
            note = (note or "") + (f" The link's granularity {granularity!r} is not one of "
                                   f"{', '.join(queries.GRANULARITIES)}; showing days.")
        granularity = "day"
    return start, end, granularity, note.strip() if note else None


def _controls(bounds: dict[str, str], start: str, end: str, granularity: str) -> dbc.Row:
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
                        start_date=start,
                        end_date=end,
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
                        value=granularity,
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
    card = dbc.Card(components.graph(component_id, 380), body=True, className="h-100")
    return dbc.Col(card, xl=width, className="mb-3")


def layout(
    start: str | None = None,
    end: str | None = None,
    granularity: str | None = None,
    **_query: str,
) -> html.Div:
    """The page; ``start``, ``end`` (YYYY-MM-DD) and ``granularity`` come from the URL."""
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
    start, end, granularity, note = initial_state(bounds, start, end, granularity)
    return html.Div(
        [
            header,
            dcc.Store(id=ids.OVERVIEW_BOUNDS_STORE, data=bounds),
            dcc.Store(id=ids.OVERVIEW_STATE_STORE, storage_type="session"),
            _controls(bounds, start, end, granularity),
            html.Div(components.message(note, color="info") if note else None,
                     id=ids.OVERVIEW_LINK_MESSAGE),
            html.Div(id=ids.OVERVIEW_MESSAGE),
            html.Div(
                [
                    dbc.Row(id=ids.OVERVIEW_KPI_CARDS),
                    dbc.Row(
                        [
                            _card_col(ids.OVERVIEW_KPI_TREE, 7),
                            _card_col(ids.OVERVIEW_FUNNEL_CHART, 5),
                        ]
                    ),
                    dbc.Card(components.graph(ids.OVERVIEW_GMV_CHART, 400), body=True,
                             className="mb-3"),
                    dbc.Card(
                        [_trend_controls(), components.graph(ids.OVERVIEW_TRENDS_CHART, 440)],
                        body=True,
                        className="mb-3",
                    ),
                ],
                id=ids.OVERVIEW_CONTENT,
            ),
        ]
    )
