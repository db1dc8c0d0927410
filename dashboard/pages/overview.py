"""Executive overview: headline KPIs, what drove the GMV change, GMV over time, the funnel and
product trends, for a chosen date range against the previous period of the same length."""

from __future__ import annotations

from datetime import date, timedelta

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html

from analytics.kpi_tree import DRIVERS, decompose_gmv_change, period_drivers
from dashboard import components, formatting, ids
from dashboard.data import DataUnavailableError, query
from dashboard.figures import overview as figures
from warehouse.queries import overview as queries

dash.register_page(__name__, path="/", name="Overview", order=0, title="Overview · Actionboard")

DEFAULT_DAYS = 28
QUICK_RANGES = {  # button id → days (None = all data)
    ids.OVERVIEW_QUICK_7: 7,
    ids.OVERVIEW_QUICK_28: 28,
    ids.OVERVIEW_QUICK_90: 90,
    ids.OVERVIEW_QUICK_ALL: None,
}
KPI_CARDS = {  # column → (title, formatter, footnote)
    "gmv_amount": ("GMV", formatting.money, "sum of order line amounts"),
    "traffic": ("Traffic (visits)", formatting.count, "a visitor active on a day = 1 visit"),
    "conversion_rate": ("Conversion rate", lambda v: formatting.percent(v, 2), "orders ÷ visits"),
    "avg_ticket_amount": ("Average ticket size", formatting.money, "GMV ÷ orders"),
}


# --- pure helpers (no Dash state) --------------------------------------------------------------


def bounds_from_frame(frame: pd.DataFrame) -> dict[str, str] | None:
    """``data_bounds`` as ISO strings (a dcc.Store holds JSON), or None when there are no days."""
    row = frame.iloc[0]
    if pd.isna(row["first_date"]):
        return None
    first, last = row["first_date"].date(), row["last_date"].date()
    as_of = row["as_of_date"].date() if pd.notna(row["as_of_date"]) else last
    return {
        "first": first.isoformat(),
        "last": last.isoformat(),
        "as_of": min(as_of, last).isoformat(),
    }


def quick_range(bounds: dict[str, str], days: int | None) -> tuple[date, date]:
    """The last ``days`` days up to the as-of date (all data for None), clipped to the data."""
    first, end = date.fromisoformat(bounds["first"]), date.fromisoformat(bounds["as_of"])
    if days is None:
        return first, end
    return max(first, end - timedelta(days=days - 1)), end


def resolve_range(start: str | None, end: str | None, bounds: dict[str, str]) -> tuple[date, date]:
    """Parse and check the picker's dates; ValueError with a message for the page otherwise."""
    first, last = date.fromisoformat(bounds["first"]), date.fromisoformat(bounds["last"])
    if not start or not end:
        raise ValueError("Pick both a start and an end date.")
    try:
        start_day, end_day = date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
    except ValueError:
        raise ValueError(f"Dates must be written YYYY-MM-DD, got {start!r} and {end!r}.") from None
    if start_day > end_day:
        raise ValueError(f"The start date {start_day} is after the end date {end_day}.")
    if end_day < first or start_day > last:
        raise ValueError(
            f"{start_day} to {end_day} is outside the data, which covers {first} to {last}."
        )
    if start_day < first or end_day > last:
        raise ValueError(f"Pick dates between {first} and {last} (the data's first and last day).")
    return start_day, end_day


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before ``start``..``end``."""
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def _drivers(kpis: pd.DataFrame) -> dict[str, float]:
    row = kpis.iloc[0]
    return period_drivers(
        float(row["traffic"]), float(row["count_orders"]), float(row["gmv_amount"])
    )


def kpi_tree_frame(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Rows gmv_amount + drivers with ``current``, ``previous``, ``contribution_amount`` and
    the decomposition ``method`` (see ``analytics.kpi_tree``)."""
    now = _drivers(current)
    gmv_now = float(current.iloc[0]["gmv_amount"])
    if previous is None:
        values = {"gmv_amount": gmv_now, **now}
        return pd.DataFrame(
            {"current": values, "previous": float("nan"), "contribution_amount": float("nan")}
        )
    before = _drivers(previous)
    split = decompose_gmv_change(before, now).set_index("driver")
    gmv_before = float(previous.iloc[0]["gmv_amount"])
    top = pd.DataFrame(
        {"current": gmv_now, "previous": gmv_before, "contribution_amount": gmv_now - gmv_before},
        index=["gmv_amount"],
    )
    drivers = split.loc[list(DRIVERS), ["current", "previous", "contribution_amount", "method"]]
    return pd.concat([top, drivers])


def _change_text(key: str, now: float, before: float | None) -> tuple[str, int | None]:
    if before is None or pd.isna(before) or pd.isna(now):
        return "no previous period to compare", None
    delta = now - before
    direction = int(delta > 0) - int(delta < 0)
    if key == "conversion_rate":
        absolute = formatting.signed(f"{abs(delta) * 100:.2f} pp", delta)
    else:
        fmt = KPI_CARDS[key][1]
        absolute = formatting.signed(fmt(abs(delta)), delta)
    relative = formatting.relative_change(now, before)
    if relative is not None:
        absolute += f" ({formatting.signed(formatting.percent(abs(relative)), relative)})"
    return f"{absolute} vs previous period", direction


def kpi_cards(current: pd.DataFrame, previous: pd.DataFrame | None) -> list[dbc.Col]:
    """One card per KPI: value for the period, change against the previous period."""
    cards = []
    for key, (title, fmt, footnote) in KPI_CARDS.items():
        now = float(current.iloc[0][key])
        before = None if previous is None else float(previous.iloc[0][key])
        change_text, direction = _change_text(key, now, before)
        previous_text = "" if before is None else f"previous: {fmt(before)} · "
        cards.append(
            dbc.Col(
                components.kpi_card(
                    title,
                    fmt(now),
                    value_id=ids.OVERVIEW_KPI_VALUE[key],
                    change_id=ids.OVERVIEW_KPI_CHANGE[key],
                    change_text=change_text,
                    direction=direction,
                    footnote=previous_text + footnote,
                ),
                xs=12,
                sm=6,
                lg=3,
                className="mb-3",
            )
        )
    return cards


# --- layout ------------------------------------------------------------------------------------


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
        return html.Div([header, components.message(str(error), component_id=ids.OVERVIEW_MESSAGE)])
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


# --- callbacks ---------------------------------------------------------------------------------


@callback(
    Output(ids.OVERVIEW_DATE_RANGE, "start_date"),
    Output(ids.OVERVIEW_DATE_RANGE, "end_date"),
    *(Input(button_id, "n_clicks") for button_id in QUICK_RANGES),
    State(ids.OVERVIEW_BOUNDS_STORE, "data"),
    prevent_initial_call=True,
)
def apply_quick_range(*args: object) -> tuple[str, str]:
    """Quick-range buttons set the date picker; the picker then drives every chart."""
    bounds = args[-1]
    start, end = quick_range(bounds, QUICK_RANGES[ctx.triggered_id])
    return start.isoformat(), end.isoformat()


@callback(
    Output(ids.OVERVIEW_MESSAGE, "children"),
    Output(ids.OVERVIEW_PERIOD_LABEL, "children"),
    Output(ids.OVERVIEW_KPI_CARDS, "children"),
    Output(ids.OVERVIEW_KPI_TREE, "figure"),
    Output(ids.OVERVIEW_GMV_CHART, "figure"),
    Output(ids.OVERVIEW_FUNNEL_CHART, "figure"),
    Input(ids.OVERVIEW_DATE_RANGE, "start_date"),
    Input(ids.OVERVIEW_DATE_RANGE, "end_date"),
    Input(ids.OVERVIEW_GRANULARITY, "value"),
    State(ids.OVERVIEW_BOUNDS_STORE, "data"),
)
def update_overview(
    start: str | None, end: str | None, granularity: str, bounds: dict[str, str]
) -> tuple:
    """KPI cards, KPI tree, GMV series and funnel for the chosen range."""
    try:
        start_day, end_day = resolve_range(start, end, bounds)
        current = query(queries.period_kpis, start_day, end_day)
        prev_start, prev_end = previous_period(start_day, end_day)
        has_previous = prev_start >= date.fromisoformat(bounds["first"])
        previous = query(queries.period_kpis, prev_start, prev_end) if has_previous else None
        series = query(queries.gmv_series, start_day, end_day, granularity)
        steps = query(queries.funnel, start_day, end_day)
    except (ValueError, DataUnavailableError) as error:
        blank = figures.empty_figure("", str(error))
        return components.message(str(error)), "", [], blank, blank, blank
    days = (end_day - start_day).days + 1
    label = f"{start_day} to {end_day} ({days} days) vs " + (
        f"{prev_start} to {prev_end}"
        if has_previous
        else "no previous period: the data starts " + bounds["first"]
    )
    return (
        None,
        label,
        kpi_cards(current, previous),
        figures.kpi_tree_figure(kpi_tree_frame(current, previous)),
        figures.gmv_figure(series, granularity),
        figures.funnel_figure(steps),
    )


@callback(
    Output(ids.OVERVIEW_TRENDS_CHART, "figure"),
    Input(ids.OVERVIEW_DATE_RANGE, "start_date"),
    Input(ids.OVERVIEW_DATE_RANGE, "end_date"),
    Input(ids.OVERVIEW_GRANULARITY, "value"),
    Input(ids.OVERVIEW_TRENDS_DIMENSION, "value"),
    Input(ids.OVERVIEW_TRENDS_TOP_N, "value"),
    State(ids.OVERVIEW_BOUNDS_STORE, "data"),
)
def update_trends(
    start: str | None,
    end: str | None,
    granularity: str,
    dimension: str,
    top_n: str,
    bounds: dict[str, str],
):
    """Top-N root categories or items by GMV over time."""
    try:
        start_day, end_day = resolve_range(start, end, bounds)
        series = query(queries.top_series, start_day, end_day, granularity, dimension, int(top_n))
    except (ValueError, DataUnavailableError) as error:
        return figures.empty_figure("Product trends", str(error))
    return figures.trends_figure(series, dimension, granularity)
