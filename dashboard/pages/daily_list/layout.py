"""The Daily list page's layout: report type and date, the list or its check against what
happened, what the model learned, the launch as a campaign, the backtest and the history.
Reports are read from what the daily job stored (``warehouse.queries.daily_list``)."""

from __future__ import annotations

import functools
import logging
from datetime import date, timedelta
from pathlib import Path

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dashboard import components
from dashboard.access import ANALYST, CAMPAIGN_OWNER, may, visible_to
from dashboard.data import snapshot_reader
from dashboard.errors import shown
from dashboard.pages.daily_list import figures, ids
from warehouse.commands import CHANNELS, DEFAULT_LIST_CONTROL_SHARE
from warehouse.queries import daily_list as queries

log = logging.getLogger(__name__)

HIDDEN = {"display": "none"}
SHOWN: dict = {}
PERCENT = "d3.format('.1%')(params.value)"
LIST_COLUMNS = [
    {"field": "list_rank", "headerName": "Rank", "minWidth": 80},
    {"field": "customer_id", "headerName": "Customer"},
    {"field": "conversion_probability", "headerName": "Probability",
     "valueFormatter": {"function": PERCENT}},
    {"field": "segment", "headerName": "Segment", "minWidth": 150},
    {"field": "count_views_24h", "headerName": "Views 24 h"},
    {"field": "count_cart_adds_24h", "headerName": "Cart adds 24 h"},
    {"field": "count_sessions_24h", "headerName": "Visits 24 h"},
    {"field": "session_minutes_24h", "headerName": "Minutes 24 h",
     "valueFormatter": components.number_formatter(",.1f")},
    {"field": "hours_since_last_activity", "headerName": "Hours since last visit",
     "valueFormatter": components.number_formatter(",.1f")},
    {"field": "is_repeat_visitor", "headerName": "Came before"},
    {"field": "count_orders", "headerName": "Past orders"},
    {"field": "gmv_amount", "headerName": "Spent so far",
     "valueFormatter": components.number_formatter(",.0f")},
]
PVA_COLUMNS = [
    {"field": "list_rank", "headerName": "Rank", "minWidth": 80},
    {"field": "customer_id", "headerName": "Customer"},
    {"field": "conversion_probability", "headerName": "Predicted",
     "valueFormatter": {"function": PERCENT}},
    {"field": "is_converted", "headerName": "Bought"},
    {"field": "count_window_orders", "headerName": "Orders"},
    {"field": "window_amount", "headerName": "Amount",
     "valueFormatter": components.number_formatter(",.0f")},
    {"field": "segment", "headerName": "Segment", "minWidth": 150},
]
BACKTEST_COLUMNS = [
    {"field": "strategy", "headerName": "Strategy"},
    {"field": "report_date", "headerName": "Report date", "cellDataType": "text"},
    {"field": "candidates", "headerName": "Candidates",
     "valueFormatter": components.number_formatter(",")},
    {"field": "buyers", "headerName": "Buyers", "valueFormatter": components.number_formatter(",")},
    {"field": "model_conversions", "headerName": "Model list",
     "valueFormatter": components.number_formatter(",.0f")},
    {"field": "baseline_conversions", "headerName": "Formula list",
     "valueFormatter": components.number_formatter(",.1f")},
    {"field": "increase", "headerName": "Increase (95% CI)"},
    {"field": "model_precision", "headerName": "Precision",
     "valueFormatter": components.number_formatter(".3f")},
    {"field": "roc_auc", "headerName": "ROC-AUC",
     "valueFormatter": components.number_formatter(".3f")},
    {"field": "pr_auc", "headerName": "PR-AUC",
     "valueFormatter": components.number_formatter(".3f")},
    {"field": "brier", "headerName": "Brier",
     "valueFormatter": components.number_formatter(".5f")},
]


def database() -> Path:
    """The warehouse the serving app reads (the daily list's files lie beside it)."""
    return snapshot_reader().db


def picker_props(dates: list[date], keep: str | None = None) -> tuple:
    """Date picker settings for the allowed ``dates``: first, last, the days between them that
    are not allowed, the chosen date (``keep`` when allowed, else the latest) and the month to
    show. Without any date, the picker is empty."""
    if not dates:
        return None, None, [], None, None
    allowed = set(dates)
    first, last = dates[0], dates[-1]
    span = (last - first).days
    disabled = [(first + timedelta(days=i)).isoformat() for i in range(span + 1)
                if first + timedelta(days=i) not in allowed]
    chosen = keep if keep and date.fromisoformat(keep[:10]) in allowed else last.isoformat()
    return first.isoformat(), last.isoformat(), disabled, chosen, chosen


def increase_text(row: pd.Series) -> str:
    """The relative increase with its interval, e.g. ``+113% (+72% to +171%)``."""
    if pd.isna(row["relative_increase"]):
        return "— (formula list found no buyer)"
    high = "+∞" if not pd.notna(row["ci_high"]) or row["ci_high"] == float("inf") else \
        f"{row['ci_high']:+.0%}"
    return f"{row['relative_increase']:+.0%} ({row['ci_low']:+.0%} to {high})"


def backtest_rows(days: pd.DataFrame) -> list[dict]:
    shown_days = days.assign(increase=days.apply(increase_text, axis=1))
    return components.grid_rows(shown_days, [c["field"] for c in BACKTEST_COLUMNS])


def _grid(component_id: str, columns: list[dict], height: int) -> dag.AgGrid:
    # Flexible widths with a floor: a grid drawn while hidden (the other report type) still
    # gets readable columns when it is shown.
    return dag.AgGrid(
        id=component_id, rowData=[], columnDefs=columns,
        defaultColDef={"sortable": True, "resizable": True, "flex": 1, "minWidth": 110},
        dashGridOptions={"pagination": True, "paginationPageSize": 20},
        style={"height": f"{height}px"},
    )


def _controls(dates: list[date]) -> dbc.Card:
    low, high, disabled, chosen, month = picker_props(dates)
    return dbc.Card(dbc.Row([
        dbc.Col([
            dbc.Label("Report", html_for=ids.DAILY_TYPE),
            dbc.RadioItems(id=ids.DAILY_TYPE, value=queries.PREDICTION, inline=True,
                           options=[{"label": label, "value": value}
                                    for value, label in queries.REPORT_TYPES.items()]),
        ], lg=5),
        dbc.Col([
            dbc.Label("Report date", html_for=ids.DAILY_DATE, className="d-block"),
            dcc.DatePickerSingle(id=ids.DAILY_DATE, min_date_allowed=low, max_date_allowed=high,
                                 disabled_days=disabled, date=chosen,
                                 initial_visible_month=month, display_format="YYYY-MM-DD",
                                 first_day_of_week=1),
        ], lg=3),
        dbc.Col([
            dbc.Button("Download the CSV", id=ids.DAILY_DOWNLOAD_BUTTON, color="primary",
                       className="mt-4", disabled=True,
                       external_link=True),  # a download, served by the Flask route
            html.Div("Downloads are recorded in the audit log." if may(ANALYST) else "",
                     id=ids.DAILY_DOWNLOAD_MESSAGE, className="small text-muted mt-1"),
        ], lg=4, style=visible_to(ANALYST)),  # lists are for analysts and up
    ], className="g-3 ab-controls"), body=True, className="mb-3")


def _report_cards() -> html.Div:
    list_section = html.Div([
        html.H4("The list", className="mb-2"),
        _grid(ids.DAILY_LIST_GRID, LIST_COLUMNS, 620),
    ], id=ids.DAILY_LIST_SECTION)
    pva_section = html.Div([
        html.H4("Predicted vs actual", className="mb-2"),
        dbc.Row(id=ids.DAILY_PVA_CARDS, className="g-3 mb-3"),
        components.graph(ids.DAILY_PVA_CHART, 360),
        _grid(ids.DAILY_PVA_GRID, PVA_COLUMNS, 520),
    ], id=ids.DAILY_PVA_SECTION, style=HIDDEN)
    return html.Div([
        html.Div(id=ids.DAILY_SUMMARY, className="mb-2"),
        dbc.Card([list_section, pva_section], body=True, className="mb-3"),
    ])


def _side_cards() -> html.Div:
    learned = dbc.Card([
        html.H4("What the model learned", className="mb-2"),
        html.P("Two visitors alike in everything else, compared on one signal "
               "(docs/METHODS.md, the daily contact list).", className="text-muted small"),
        html.Div(id=ids.DAILY_LEARNED),
    ], body=True, className="mb-3")
    launch = dbc.Card([
        html.H4("Launch the list as a campaign", className="mb-2"),
        html.P("Contact the list and hold out a random share that is not contacted, so the "
               "campaign measures what contacting adds.", className="text-muted small"),
        dbc.Label("Campaign name", html_for=ids.DAILY_LAUNCH_NAME),
        dbc.Input(id=ids.DAILY_LAUNCH_NAME, placeholder="Daily list <date>", maxLength=120),
        dbc.Label("Hold-out (control) share, %", html_for=ids.DAILY_LAUNCH_SHARE,
                  className="mt-2"),
        dbc.Input(id=ids.DAILY_LAUNCH_SHARE, type="number", min=1, max=50, step=1,
                  value=round(DEFAULT_LIST_CONTROL_SHARE * 100)),
        dbc.Label("Channel", html_for=ids.DAILY_LAUNCH_CHANNEL, className="mt-2"),
        dbc.Select(id=ids.DAILY_LAUNCH_CHANNEL, value=CHANNELS[0],
                   options=[{"label": c, "value": c} for c in CHANNELS]),
        dbc.Button("Launch", id=ids.DAILY_LAUNCH_BUTTON, color="success", className="mt-3"),
        html.Div(id=ids.DAILY_LAUNCH_RESULT, className="mt-2"),
    ], body=True, className="mb-3", id=ids.DAILY_LAUNCH_SECTION)
    # The page shows or hides the section with its report; launching is for campaign owners.
    return html.Div([learned, html.Div(launch, style=visible_to(CAMPAIGN_OWNER))])


@functools.lru_cache(maxsize=8)
def _backtest_card(db: Path, _stamp: tuple[int, ...]) -> dbc.Card:
    """Drawn once per version of the stored backtest."""
    found = queries.backtest(db)
    title = html.H4("Backtest: the model against the static formula", className="mb-2")
    if found is None:
        return dbc.Card([title, components.message(
            f"No backtest yet. Run `python app.py backtest --days 7 --db {db}`.",
            color="info")], body=True, className="mb-3")
    days, reliability, info = found
    total = days[(days["strategy"] == info["strategy"]) & (days["report_date"] == "total")].iloc[0]
    text = (f"Over {total['candidates']:,.0f} candidates on the report dates "
            f"{info['first_date']:%Y-%m-%d} to {info['last_date']:%Y-%m-%d}, the model's lists "
            f"of {info['list_size']} found {total['model_conversions']:,.0f} buyers and the "
            f"formula's {total['baseline_conversions']:,.1f}: {increase_text(total)}. "
            f"The goal is +50 %.")
    return dbc.Card([
        title,
        html.P(text, id=ids.DAILY_BACKTEST_TEXT),
        dbc.Row([
            dbc.Col(components.graph(ids.DAILY_BACKTEST_CHART, 380, figures.backtest_figure(
                days, info["strategy"], int(info["list_size"]))), lg=7),
            dbc.Col(components.graph(ids.DAILY_RELIABILITY_CHART, 380,
                                     figures.reliability_figure(reliability,
                                                                info["strategy"])), lg=5),
        ]),
        dag.AgGrid(id=ids.DAILY_BACKTEST_GRID, rowData=backtest_rows(days),
                   columnDefs=BACKTEST_COLUMNS, columnSize="autoSize",
                   defaultColDef={"sortable": True, "resizable": True},
                   style={"height": "420px"}),
    ], body=True, className="mb-3")


@functools.lru_cache(maxsize=8)
def _history_card(db: Path, horizon_days: int, _stamp: tuple[int, ...]) -> dbc.Card:
    """Drawn once per version of the stored history."""
    return dbc.Card(components.graph(
        ids.DAILY_HISTORY_CHART, 460,
        figures.history_figure(queries.history(db), horizon_days)), body=True, className="mb-3")


def layout(**_query: str) -> html.Div:
    header = components.page_header(
        "Daily list",
        "The visitors of the last 24 hours most likely to buy within the next days, how earlier "
        "lists turned out, and whether the model beats the static formula.")
    db = database()
    try:
        status = queries.status(db)
        dates = queries.allowed_dates(db, queries.PREDICTION)
    except queries.NoDailyListError as error:  # the page's empty state, not a fault
        log.info("daily list page: %s", error)
        return html.Div([header, components.message(str(error), component_id=ids.DAILY_MESSAGE)])
    except (LookupError, OSError, ValueError) as error:
        return html.Div([header, components.message(shown(error),
                                                    component_id=ids.DAILY_MESSAGE)])
    today = date.fromisoformat(status["today"])
    note = html.P(
        f"Data up to {today - timedelta(days=1)}: today is {today}. A list holds the "
        f"{status['list_size']} visitors active in the 24 hours before its date most likely "
        f"to buy within {status['horizon_days']} days; its check against what happened is "
        f"ready {status['horizon_days']} days later.",
        className="text-muted", id=ids.DAILY_MESSAGE)
    try:
        stamp = queries.page_stamp(db)
        stored = [_backtest_card(db, stamp), _history_card(db, int(status["horizon_days"]), stamp)]
    except (LookupError, OSError, ValueError) as error:
        stored = [components.message(shown(error))]
    return html.Div([
        header, note, _controls(dates),
        dbc.Row([dbc.Col(_report_cards(), lg=8), dbc.Col(_side_cards(), lg=4)]),
        *stored,
    ])
