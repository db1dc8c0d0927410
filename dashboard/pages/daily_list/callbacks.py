"""The Daily list page's callbacks: allowed dates per report type, the chosen report, the exact
file's download (a route for analysts and up) and the launch of a list as a campaign. Bodies are
plain functions, registered on the app by ``register_callbacks``; each reads a few small stored
files, nothing is computed on a click."""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, html, no_update
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from dashboard import components, formatting, store_access
from dashboard.access import ANALYST, CAMPAIGN_OWNER, requires
from dashboard.downloads import add_download, file_response, message
from dashboard.errors import hidden, shown
from dashboard.pages.daily_list import figures, ids
from dashboard.pages.daily_list.layout import (
    HIDDEN,
    LIST_COLUMNS,
    PVA_COLUMNS,
    SHOWN,
    database,
    picker_props,
)
from warehouse.commands import launch_daily_list, record_list_download
from warehouse.queries import daily_list as queries

READ_ERRORS = (LookupError, OSError, ValueError)
# A command can also fail because the operational store cannot be reached or refused the change.
COMMAND_ERRORS = (*READ_ERRORS, SQLAlchemyError)
# What the report area shows when there is no report: the list section, empty.
NOTHING = ([], SHOWN, [], HIDDEN, [], no_update, [], [], SHOWN, True)
PVA_FIGURE_COLUMNS = ["list_rank", "conversion_probability", "is_converted"]


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def update_picker(report_type: str, current: str | None) -> tuple:
    """The dates the chosen report type allows (others disabled); keeps the chosen date when
    the new type allows it."""
    try:
        dates = queries.allowed_dates(database(), report_type)
    except READ_ERRORS as error:
        hidden(error, "the daily list's date picker")
        return None, None, [], None, None
    return picker_props(dates, current)


def _stat(title: str, value: str, footnote: str) -> dbc.Col:
    return dbc.Col(components.stat_card(title, value, footnote), md=6, xl=3)


def _pva_cards(summary: list[dict]) -> list[dbc.Col]:
    measure = {row["measure"]: row for row in summary}
    size = int(measure["list size"]["actual"])
    hits = measure["conversions in the list"]
    precision = measure[f"precision@{size}"]
    base = measure["baseline list conversions"]["actual"]
    increase = measure["relative increase vs baseline"]["actual"]
    return [
        _stat("Bought from the list", formatting.count(hits["actual"]),
              f"expected {hits['predicted']:.1f} by the model"),
        _stat(f"Precision@{size}", formatting.percent(precision["actual"]),
              f"predicted {formatting.percent(precision['predicted'])}"),
        _stat("Static formula's list", f"{base:,.1f}",
              "buyers in the formula's top list (ties shared)"),
        _stat("Model vs formula", "—" if increase is None else f"{increase:+.0%}",
              "more buyers than the formula's list"),
    ]


def _learned(version: int, sentences: list[str]) -> list:
    if not sentences:
        return [components.message(f"No explanation is stored for model version {version}.",
                                   color="info")]
    return [html.P(f"Model version {version}, the one that made this list:", className="mb-1"),
            html.Ol([html.Li(sentence) for sentence in sentences], className="mb-0")]


def _grid(rows: list[dict], columns: list[dict]) -> list[dict]:
    """AG Grid rowData: the shown columns of the stored records."""
    fields = [column["field"] for column in columns]
    return [{field: row.get(field) for field in fields} for row in rows]


def show_report(report_type: str, value: str | None) -> tuple:
    """The chosen report: summary, list or predicted-vs-actual, what the model learned. Drawn
    from the one small file the job stored for it (``queries.view``), once per report and
    version of its files, then served from memory."""
    day = _day(value)
    if day is None:
        text = ("No report of this type is stored yet: run python app.py daily for more dates "
                "(a predicted-vs-actual report is ready three days after its list).")
        return (components.message(text, color="info"), *NOTHING[1:], None)
    db = database()
    try:
        stamp = queries.report_stamp(db, report_type, day)
    except OSError as error:
        return (components.message(shown(error)), *NOTHING[1:], None)
    shown_report = _report(db, report_type, day, stamp)
    no_download = shown_report[-1]
    return (*shown_report, None if no_download else download_href(report_type, day))


@functools.lru_cache(maxsize=128)
def _report(db: Path, report_type: str, day: date, _stamp: tuple[int, ...]) -> tuple:
    try:
        view = queries.view(db, report_type, day)
    except READ_ERRORS as error:
        return (components.message(shown(error)), *NOTHING[1:])
    rows = view["rows"]
    learned = _learned(view["model_version"], view["effects"])
    if report_type == queries.PVA:
        text = (f"The list of {day}: {len(rows):,} visitors, checked against what they bought "
                f"from {day} on.")
        chart = figures.pva_figure(pd.DataFrame(rows, columns=PVA_FIGURE_COLUMNS),
                                   day.isoformat())
        return (html.P(text), HIDDEN, [], SHOWN, _pva_cards(view["summary"]), chart,
                _grid(rows, PVA_COLUMNS), learned, HIDDEN, False)
    expected = sum(row["conversion_probability"] for row in rows)
    text = (f"The list of {day}: {len(rows):,} visitors, ranked by their probability of "
            f"buying; {expected:.1f} of them are expected to buy.")
    return (html.P(text), SHOWN, _grid(rows, LIST_COLUMNS), HIDDEN, [], no_update, [], learned,
            SHOWN, False)


DOWNLOAD_PATH = "/download/daily-list/<report_type>/<day>.csv"


def download_href(report_type: str, day: date) -> str:
    """Where the file of the ``report_type`` report of ``day`` is downloaded from."""
    return f"/download/daily-list/{report_type}/{day.isoformat()}.csv"


def download_report(report_type: str, day: str) -> Response:
    """The exact file the job wrote for the report named in the path, recorded in the audit log
    as taken before it is sent."""
    report_date = _day(day) if len(day) == 10 else None
    if report_type not in queries.REPORT_TYPES or report_date is None:
        return message("No such report: choose a report type and a date on the page.", 404)
    db = database()
    try:
        name, content = queries.report_file(db, report_type, report_date)
    except READ_ERRORS as error:
        return message(shown(error), 404)
    try:
        rows = max(content.count(b"\r\n") - 1, 0)
        record_list_download(db, report_date, name, rows, user=store_access.acting_user(),
                             ops_url=store_access.ops_url())
    except SQLAlchemyError as error:
        return message(shown(error), 503)
    return file_response(name, content)


def launch_list(_clicks: int | None, value: str | None, name: str | None,
                share_percent: float | None, channel: str | None) -> object:
    """Launch the chosen list as a campaign with a random hold-out."""
    day = _day(value)
    if not _clicks:
        return no_update
    if day is None:
        return components.message("Choose a list to launch.")
    if share_percent is None:
        return components.message("Enter a hold-out share from 1 to 50 %.")
    try:
        launched = launch_daily_list(database(), day, control_share=share_percent / 100,
                                     channel=channel or "email", name=name or None,
                                     user=store_access.acting_user(),
                                     ops_url=store_access.ops_url())
    except COMMAND_ERRORS as error:
        return components.message(shown(error))
    left_out = (f" {launched.count_excluded:,} left out: already in a running campaign."
                if launched.count_excluded else "")
    if launched.count_no_consent:
        left_out += f" {launched.count_no_consent:,} left out: they refused notifications."
    return components.message(
        f"Campaign {launched.campaign_id} launched: {launched.count_treatment:,} to contact, "
        f"{launched.count_control:,} held out.{left_out} {launched.describe_clock()} See it on "
        "the Action board.", color="success")


def register_callbacks(app: dash.Dash) -> None:
    """Register the Daily list page's callbacks on ``app``."""
    app.callback(
        Output(ids.DAILY_DATE, "min_date_allowed"),
        Output(ids.DAILY_DATE, "max_date_allowed"),
        Output(ids.DAILY_DATE, "disabled_days"),
        Output(ids.DAILY_DATE, "date"),
        Output(ids.DAILY_DATE, "initial_visible_month"),
        Input(ids.DAILY_TYPE, "value"),
        State(ids.DAILY_DATE, "date"),
        prevent_initial_call=True,
    )(update_picker)
    app.callback(
        Output(ids.DAILY_SUMMARY, "children"),
        Output(ids.DAILY_LIST_SECTION, "style"),
        Output(ids.DAILY_LIST_GRID, "rowData"),
        Output(ids.DAILY_PVA_SECTION, "style"),
        Output(ids.DAILY_PVA_CARDS, "children"),
        Output(ids.DAILY_PVA_CHART, "figure"),
        Output(ids.DAILY_PVA_GRID, "rowData"),
        Output(ids.DAILY_LEARNED, "children"),
        Output(ids.DAILY_LAUNCH_SECTION, "style"),
        Output(ids.DAILY_DOWNLOAD_BUTTON, "disabled"),
        Output(ids.DAILY_DOWNLOAD_BUTTON, "href"),
        Input(ids.DAILY_TYPE, "value"),
        Input(ids.DAILY_DATE, "date"),
    )(show_report)
    add_download(app, DOWNLOAD_PATH, "download_daily_report", ANALYST, download_report)
    app.callback(
        Output(ids.DAILY_LAUNCH_RESULT, "children"),
        Input(ids.DAILY_LAUNCH_BUTTON, "n_clicks"),
        State(ids.DAILY_DATE, "date"),
        State(ids.DAILY_LAUNCH_NAME, "value"),
        State(ids.DAILY_LAUNCH_SHARE, "value"),
        State(ids.DAILY_LAUNCH_CHANNEL, "value"),
        prevent_initial_call=True,
    )(requires(CAMPAIGN_OWNER, launch_list))
