"""The Segments page's callbacks: the treemap and its clicks, a segment's profile, its CSV export
and the cluster scatter. Bodies are plain functions, registered on the app by
``register_callbacks``."""

from __future__ import annotations

import dash
import pandas as pd
from dash import Input, Output, State, dcc, no_update
from sqlalchemy.exc import SQLAlchemyError

from dashboard import components, store_access
from dashboard.data import DataUnavailableError, query, snapshot_reader
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
from warehouse.csv_safety import to_safe_csv
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


def show_profile(segment: str | None) -> tuple:
    """The chosen segment's figures, score distributions and its top customers by CLV."""
    closed = (PROFILE_HIDDEN, "", "", "", [], {}, [], "", True)
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
        return ({}, segment, reason, "", [], {}, [], "", True)
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
    )


def _full_segment(segment: str) -> pd.DataFrame:
    """All of a segment's customers, read past the result cache: a behavioural segment can hold
    most visitors, too big to keep in memory between requests."""
    return query(queries.segment_export, segment, cache=False)


def export_segment(n_clicks: int | None, segment: str | None):
    """Every customer of the segment as a CSV in which no cell can run as a formula; the export
    is in the audit log (user, segment, rows, file) before the file is handed out."""
    if not n_clicks or not segment:
        return no_update, no_update
    try:
        if segment not in set(query(queries.segment_overview)["segment"]):
            return no_update, components.message(f"Unknown segment {segment!r}.")
        frame = _full_segment(segment)
        file_name = export_file_name(segment)
        commands.log_segment_export(snapshot_reader().db, segment, len(frame), file_name,
                                    user=store_access.acting_user(),
                                    ops_url=store_access.ops_url())
    except (DataUnavailableError, SQLAlchemyError) as error:
        reason = shown(error)
        return no_update, components.message(reason)
    return dcc.send_string(to_safe_csv(frame), file_name, "text/csv"), None


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
        Input(ids.SEGMENTS_PICKER, "value"),
    )(show_profile)
    app.callback(
        Output(ids.SEGMENTS_EXPORT_DOWNLOAD, "data"),
        Output(ids.SEGMENTS_EXPORT_MESSAGE, "children"),
        Input(ids.SEGMENTS_EXPORT_BUTTON, "n_clicks"),
        State(ids.SEGMENTS_PICKER, "value"),
        prevent_initial_call=True,
    )(export_segment)
    app.callback(
        Output(ids.SEGMENTS_CLUSTER_SCATTER, "figure"),
        Input(ids.SEGMENTS_CLUSTER_X, "value"),
        Input(ids.SEGMENTS_CLUSTER_Y, "value"),
    )(update_cluster_scatter)
