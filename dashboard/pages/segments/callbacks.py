"""The Segments page's callbacks: the treemap and its clicks, a segment's profile, its CSV export
(a streamed download for analysts and up) and the cluster scatter. Bodies are plain functions,
registered on the app by ``register_callbacks``."""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import flask
from dash import Input, Output, State, no_update
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from dashboard import components, store_access
from dashboard.access import ANALYST
from dashboard.data import DataUnavailableError, query, snapshot_reader
from dashboard.downloads import add_download, csv_response, message
from dashboard.errors import hidden, shown
from dashboard.figures import empty_figure
from dashboard.pages.segments import figures, ids
from dashboard.pages.segments.layout import (
    CLUSTERS_ITEM,
    GRID_COLUMNS,
    GRID_SIZING,
    PROFILE_HIDDEN,
    SCATTER_POINTS,
    cluster_section,
    size_options,
)
from dashboard.pages.segments.profile import (
    export_file_name,
    grid_caption,
    kind_totals,
    profile_stats,
    size_text,
)
from warehouse import commands
from warehouse.queries import clusters as cluster_queries
from warehouse.queries import clv as clv_queries
from warehouse.queries import segments as queries

# Browser side: a click on a segment picks it (its profile opens below) instead of zooming the
# treemap into it, so the whole map stays in view and the next segment is one click away. Plotly
# zooms unless its treemap-click handler returns false, which also skips the clickData event, so
# the handler passes the click on to Dash itself.
PICK_WITHOUT_ZOOM_JS = """
function(figure) {
    const attach = (tries) => {
        const gd = document.querySelector('#TREEMAP_ID .js-plotly-plot');
        if (!gd || !gd.on) {
            if (tries > 0) setTimeout(() => attach(tries - 1), 100);
            return;
        }
        if (gd._pickWithoutZoom) return;
        gd._pickWithoutZoom = true;
        gd.on('plotly_treemapclick', (event) => {
            const point = (event.points || [])[0];
            if (!point || !point.parent) return true;  // the root: Plotly's own behaviour
            window.dash_clientside.set_props('TREEMAP_ID', {
                clickData: {points: [{id: point.id, label: point.label}]}
            });
            return false;
        });
    };
    attach(50);
    return window.dash_clientside.no_update;
}
""".replace("TREEMAP_ID", ids.SEGMENTS_TREEMAP)


def update_treemap(view: str, size_by: str):
    """The treemap of buyers or of visitors who never bought, sized by customers or GMV (buyers
    only), and the sizing choices that apply to the view."""
    options = size_options(view)
    try:
        return figures.treemap_figure(query(queries.segment_overview), view, size_by), options
    except (ValueError, DataUnavailableError) as error:
        reason = shown(error)
        return empty_figure("Segments", reason, width="half"), options


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
    export all of them; shares are of the buyers (RFM segments) or of the visitors who never
    bought (behavioural ones)."""
    closed = (PROFILE_HIDDEN, "", "", "", [], {}, [], "", True, None, no_update)
    if not segment:
        return closed
    try:
        overview = query(queries.segment_overview)
        if segment not in set(overview["segment"]):
            return closed
        customers = query(queries.segment_top_customers, segment)
        scores = query(queries.segment_score_counts, segment)
    except DataUnavailableError as error:
        reason = shown(error)
        return ({}, segment, reason, "", [], {}, [], "", True, None, no_update)
    try:
        purchase_model = query(clv_queries.purchase_model)
    except DataUnavailableError as error:  # no CLV step in this snapshot: no model to name
        hidden(error, "the purchase model's name")
        purchase_model = None
    row = overview.set_index("segment").loc[segment]
    total = int(row["customers"])
    base = kind_totals(overview).get(row["segment_kind"], 0)
    return (
        {},
        segment,
        row["description"] or "",
        size_text(total, base, row["segment_kind"]),
        profile_stats(row, base, purchase_model),
        figures.score_distribution_figure(scores, segment),
        components.grid_rows(customers, GRID_COLUMNS),
        grid_caption(len(customers), total),
        total == 0,
        export_href(segment),
        GRID_SIZING,  # sized once visible: a hidden grid has no width to fit
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


def open_clusters(active_item: str | None, built: object):
    """The clusters section, built the first time it is opened (a page that only needs its
    segments does not draw the clusters' charts)."""
    if active_item != CLUSTERS_ITEM or built:
        return no_update
    return cluster_section()


def update_cluster_scatter(x: str, y: str):
    """Buyers by the two chosen features, coloured by cluster."""
    try:
        sample = query(cluster_queries.scatter_sample, x, y, SCATTER_POINTS)
    except (ValueError, DataUnavailableError) as error:
        reason = shown(error)
        return empty_figure("Buyer clusters", reason)
    return figures.cluster_scatter_figure(sample, x, y)


def register_callbacks(app: dash.Dash) -> None:
    """Register the Segments page's callbacks on ``app``."""
    app.callback(
        Output(ids.SEGMENTS_TREEMAP, "figure"),
        Output(ids.SEGMENTS_SIZE_BY, "options"),
        Input(ids.SEGMENTS_VIEW, "value"),
        Input(ids.SEGMENTS_SIZE_BY, "value"),
    )(update_treemap)
    app.clientside_callback(
        PICK_WITHOUT_ZOOM_JS,
        Output(ids.SEGMENTS_TREEMAP_PICK, "data"),
        Input(ids.SEGMENTS_TREEMAP, "figure"),
    )
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
        Output(ids.SEGMENTS_GRID, "columnSize"),
        Input(ids.SEGMENTS_PICKER, "value"),
    )(show_profile)
    add_download(app, EXPORT_PATH, "download_segment", ANALYST, download_segment)
    app.callback(
        Output(ids.SEGMENTS_CLUSTER_BODY, "children"),
        Input(ids.SEGMENTS_CLUSTER_ACCORDION, "active_item"),
        State(ids.SEGMENTS_CLUSTER_BODY, "children"),
        prevent_initial_call=True,
    )(open_clusters)
    app.callback(
        Output(ids.SEGMENTS_CLUSTER_SCATTER, "figure"),
        Input(ids.SEGMENTS_CLUSTER_X, "value"),
        Input(ids.SEGMENTS_CLUSTER_Y, "value"),
        prevent_initial_call=True,  # the section arrives drawn on the default axes
    )(update_cluster_scatter)
