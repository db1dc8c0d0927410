"""The Segments page's callbacks: the treemap and its clicks, a segment's profile, its CSV export
(a streamed download for analysts and up) and the cluster scatter. Bodies are plain functions,
registered on the app by ``register_callbacks``."""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import flask
from dash import Input, Output, no_update
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from dashboard import components, store_access
from dashboard.access import ANALYST
from dashboard.data import DataUnavailableError, query, snapshot_reader
from dashboard.downloads import add_download, csv_response, message
from dashboard.errors import hidden, shown
from dashboard.figures import empty_figure
from dashboard.pages.segments import figures, ids
from dashboard.pages.segments.layout import GRID_COLUMNS, PROFILE_HIDDEN
from dashboard.pages.segments.profile import (
    export_file_name,
    grid_caption,
    profile_stats,
    size_text,
)
from warehouse import commands
from warehouse.queries import clusters as cluster_queries
from warehouse.queries import segments as queries


def update_treemap(size_by: str):
    """The treemap, sized by customers or GMV."""
    try:
        return figures.treemap_figure(query(queries.segment_overview), size_by)
    except (ValueError, DataUnavailableError) as error:
        reason = shown(error)
        return empty_figure("Segments", reason)


def pick_clicked_segment(click: dict | None):
    """A click on a segment's sector selects it; clicks on the group sectors only zoom."""
    points = (click or {}).get("points") or []
    if not points:
        return no_update
    clicked = points[0].get("id") or points[0].get("label")
    try:
        segments = set(query(queries.segment_overview)["segment"])
    except DataUnavailableError as error:
        hidden(error, "the segment picker")
        return no_update
    return clicked if clicked in segments else no_update


EXPORT_PATH = "/download/segment.csv"


def export_href(segment: str) -> str:
    """Where the export of ``segment`` is downloaded from."""
    return f"{EXPORT_PATH}?{urlencode({'segment': segment})}"


def show_profile(segment: str | None) -> tuple:
    """The chosen segment's figures, score distributions, top customers by CLV, and the link to
    export all of them."""
    closed = (PROFILE_HIDDEN, "", "", "", [], {}, [], "", True, None)
    if not segment:
        return closed
    try:
        overview = query(queries.segment_overview).set_index("segment")
        if segment not in overview.index:
            return closed
        customers = query(queries.segment_top_customers, segment)
        scores = query(queries.segment_score_counts, segment)
    except DataUnavailableError as error:
        reason = shown(error)
        return ({}, segment, reason, "", [], {}, [], "", True, None)
    row = overview.loc[segment]
    total = int(row["customers"])
    all_customers = int(overview["customers"].sum())
    return (
        {},
        segment,
        row["description"] or "",
        size_text(total, all_customers),
        profile_stats(row, all_customers),
        figures.score_distribution_figure(scores, segment),
        components.grid_rows(customers, GRID_COLUMNS),
        grid_caption(len(customers), total),
        total == 0,
        export_href(segment),
    )


def download_segment() -> Response:
    """Every customer of the segment named in the query string, streamed as CSV in which no cell
    can run as a formula; the export is in the audit log (user, segment, rows, file) before the
    first row is sent."""
    segment = flask.request.args.get("segment", "")
    try:
        if segment not in set(query(queries.segment_overview)["segment"]):
            return message(f"Unknown segment {segment[:100]!r}.", 404)
        rows = query(queries.segment_export_count, segment, cache=False)
        file_name = export_file_name(segment)
        reader = snapshot_reader()
        commands.log_segment_export(reader.db, segment, rows, file_name,
                                    user=store_access.acting_user(),
                                    ops_url=store_access.ops_url())
        batches = queries.segment_export_batches(reader.cursor(), segment)
        return csv_response(file_name, batches, queries.EXPORT_COLUMNS)
    except (DataUnavailableError, SQLAlchemyError) as error:
        return message(shown(error), 503)


def update_cluster_scatter(x: str, y: str):
    """Buyers by the two chosen features, coloured by cluster."""
    try:
        sample = query(cluster_queries.scatter_sample, x, y)
    except (ValueError, DataUnavailableError) as error:
        reason = shown(error)
        return empty_figure("Buyer clusters", reason)
    return figures.cluster_scatter_figure(sample, x, y)


def register_callbacks(app: dash.Dash) -> None:
    """Register the Segments page's callbacks on ``app``."""
    app.callback(
        Output(ids.SEGMENTS_TREEMAP, "figure"), Input(ids.SEGMENTS_SIZE_BY, "value")
    )(update_treemap)
    app.callback(
        Output(ids.SEGMENTS_PICKER, "value"),
        Input(ids.SEGMENTS_TREEMAP, "clickData"),
        prevent_initial_call=True,
    )(pick_clicked_segment)
    app.callback(
        Output(ids.SEGMENTS_PROFILE, "style"),
        Output(ids.SEGMENTS_PROFILE_NAME, "children"),
        Output(ids.SEGMENTS_PROFILE_DESCRIPTION, "children"),
        Output(ids.SEGMENTS_PROFILE_SIZE, "children"),
        Output(ids.SEGMENTS_PROFILE_STATS, "children"),
        Output(ids.SEGMENTS_PROFILE_SCORES, "figure"),
        Output(ids.SEGMENTS_GRID, "rowData"),
        Output(ids.SEGMENTS_GRID_CAPTION, "children"),
        Output(ids.SEGMENTS_EXPORT_BUTTON, "disabled"),
        Output(ids.SEGMENTS_EXPORT_BUTTON, "href"),
        Input(ids.SEGMENTS_PICKER, "value"),
    )(show_profile)
    add_download(app, EXPORT_PATH, "download_segment", ANALYST, download_segment)
    app.callback(
        Output(ids.SEGMENTS_CLUSTER_SCATTER, "figure"),
        Input(ids.SEGMENTS_CLUSTER_X, "value"),
        Input(ids.SEGMENTS_CLUSTER_Y, "value"),
    )(update_cluster_scatter)
