"""Segments: who the customers are. A treemap of RFM and behavioural segments, a segment's profile
with its customers (and a CSV of all of them), the R × F grid and the behavioural clusters."""

from __future__ import annotations

import re

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html, no_update

from dashboard import components, formatting, ids
from dashboard.data import DataUnavailableError, query
from dashboard.figures import empty_figure
from dashboard.figures import segments as figures
from warehouse.csv_safety import to_safe_csv
from warehouse.queries import clusters as cluster_queries
from warehouse.queries import segments as queries

dash.register_page(
    __name__, path="/segments", name="Segments", order=1, title="Segments · Actionboard"
)

GRID_COLUMNS = {  # column → (header, value format)
    "customer_id": ("Customer", None),
    "r_score": ("R", None),
    "f_score": ("F", None),
    "m_score": ("M", None),
    "recency_days": ("Days since purchase", None),
    "frequency": ("Orders (RFM)", None),
    "monetary_amount": ("Spend", ",.2f"),
    "count_views": ("Views", ","),
    "count_cart_adds": ("Cart adds", ","),
    "gmv_amount": ("GMV", ",.2f"),
    "p_alive": ("P(alive)", ".1%"),
    "clv_amount": ("CLV", ",.2f"),
}
DEFAULT_SCATTER = ("monetary_amount", "count_views")
PROFILE_HIDDEN = {"display": "none"}


# --- pure helpers ------------------------------------------------------------------------------


def size_text(customers: int, all_customers: int) -> str:
    """``1,234 customers (4.6% of all customers)``: the profile's size line."""
    share = customers / all_customers if all_customers else None
    return f"{formatting.count(customers)} customers ({formatting.percent(share)} of all customers)"


def grid_caption(shown: int, total: int) -> str:
    """Say how many of the segment's customers the grid holds and what the CSV holds."""
    if total <= shown:
        return (
            f"All {formatting.count(total)} customers, highest CLV first. Sort and filter in the "
            "column headers; Export CSV downloads them all."
        )
    return (
        f"Showing {formatting.count(shown)} of {formatting.count(total)} customers (those with "
        f"the highest CLV). Sorting and filters apply to the rows shown; Export CSV downloads all "
        f"{formatting.count(total)}."
    )


def export_file_name(segment: str) -> str:
    """``segment-cant-lose-them.csv``: a file name any system accepts."""
    words = segment.lower().replace("'", "")
    slug = re.sub(r"[^a-z0-9]+", "-", words).strip("-") or "segment"
    return f"segment-{slug}.csv"


def _column_defs() -> list[dict]:
    defs = []
    for column, (header, fmt) in GRID_COLUMNS.items():
        spec: dict = {"field": column, "headerName": header}
        if column == "customer_id":
            spec.update(filter="agTextColumnFilter", pinned="left")
        else:
            spec.update(filter="agNumberColumnFilter", type="numericColumn")
        if fmt:
            spec["valueFormatter"] = components.number_formatter(fmt)
        defs.append(spec)
    return defs


def _stat(title: str, value: str, footnote: str) -> dbc.Col:
    card = components.stat_card(title, value, footnote)
    return dbc.Col(card, xs=12, sm=6, lg=3, className="mb-3")


def profile_stats(row: pd.Series, all_customers: int) -> list[dbc.Col]:
    """Cards: customers, GMV and its share, average CLV, average P(alive) of one segment."""
    is_buyer = row["segment_kind"] != "behavioural"
    none_text = formatting.MISSING if is_buyer else "none"
    share = row["customers"] / all_customers if all_customers else None
    return [
        _stat(
            "Customers", formatting.count(row["customers"]), f"{formatting.percent(share)} of all"
        ),
        _stat(
            "GMV",
            formatting.money(row["gmv_amount"]),
            f"{formatting.percent(row['gmv_share'])} of all GMV",
        ),
        _stat(
            "Average CLV",
            formatting.money(row["avg_clv_amount"]) if is_buyer else none_text,
            "predicted future spend" if is_buyer else "non-buyers have no CLV",
        ),
        _stat(
            "Average P(alive)",
            formatting.percent(row["avg_p_alive"]) if is_buyer else none_text,
            "chance the customer still buys" if is_buyer else "non-buyers have no P(alive)",
        ),
    ]


def profiles_table(profiles: pd.DataFrame) -> dbc.Table | dbc.Alert:
    """Cluster profiles: size, share, and mean / median of each clustering feature."""
    if profiles.empty:
        return components.message("No clusters in the published data (too few buyers).")
    header = html.Thead(
        html.Tr(
            [html.Th("Cluster"), html.Th("Buyers"), html.Th("Share")]
            + [html.Th(figures.FEATURE_LABELS[f]) for f in cluster_queries.SCATTER_FEATURES]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(row["cluster_name"]),
                    html.Td(formatting.count(row["customers"])),
                    html.Td(formatting.percent(row["share"])),
                ]
                + [
                    html.Td(f"{row[f + '_mean']:,.1f} / {row[f + '_median']:,.1f}")
                    for f in cluster_queries.SCATTER_FEATURES
                ]
            )
            for _, row in profiles.iterrows()  # a handful of clusters
        ]
    )
    return dbc.Table(
        [header, body], bordered=False, hover=True, responsive=True, size="sm", striped=True
    )


# --- layout ------------------------------------------------------------------------------------


def _feature_picker(component_id: str, label: str, value: str) -> dbc.Col:
    options = [
        {"label": figures.FEATURE_LABELS[f], "value": f} for f in cluster_queries.SCATTER_FEATURES
    ]
    return dbc.Col(
        [
            dbc.Label(label, html_for=component_id),
            dbc.Select(id=component_id, options=options, value=value),
        ],
        md=3,
    )


def _treemap_card() -> dbc.Card:
    return dbc.Card(
        [
            dbc.RadioItems(
                id=ids.SEGMENTS_SIZE_BY,
                value="customers",
                inline=True,
                options=[
                    {"label": "Size by customers", "value": "customers"},
                    {"label": "Size by GMV", "value": "gmv_amount"},
                ],
            ),
            components.graph(ids.SEGMENTS_TREEMAP, 480),
        ],
        body=True,
        className="h-100",
    )


def _profile_section(overview: pd.DataFrame, selected: str | None) -> dbc.Card:
    options = [
        {"label": f"{row.segment} ({formatting.count(row.customers)})", "value": row.segment}
        for row in overview.itertuples(index=False)
    ]
    picker = dbc.Row(
        dbc.Col(
            [
                dbc.Label("Segment", html_for=ids.SEGMENTS_PICKER),
                dcc.Dropdown(
                    id=ids.SEGMENTS_PICKER,
                    options=options,
                    value=selected,
                    placeholder="Click a segment in the treemap, or pick one here",
                    clearable=True,
                ),
            ],
            md=6,
        ),
        className="mb-3",
    )
    profile = html.Div(
        [
            html.H4(id=ids.SEGMENTS_PROFILE_NAME, className="mb-1"),
            html.P(id=ids.SEGMENTS_PROFILE_DESCRIPTION, className="text-muted mb-1"),
            html.P(id=ids.SEGMENTS_PROFILE_SIZE, className="fw-bold"),
            dbc.Row(id=ids.SEGMENTS_PROFILE_STATS),
            components.graph(ids.SEGMENTS_PROFILE_SCORES, 300),
            dbc.Row(
                [
                    dbc.Col(html.Div(id=ids.SEGMENTS_GRID_CAPTION, className="small"), md=9),
                    dbc.Col(
                        dbc.Button(
                            "Export CSV",
                            id=ids.SEGMENTS_EXPORT_BUTTON,
                            color="primary",
                            size="sm",
                            disabled=True,
                        ),
                        md=3,
                        className="text-md-end",
                    ),
                ],
                className="my-2 align-items-center",
            ),
            html.Div(id=ids.SEGMENTS_EXPORT_MESSAGE),
            dcc.Download(id=ids.SEGMENTS_EXPORT_DOWNLOAD),
            dag.AgGrid(
                id=ids.SEGMENTS_GRID,
                rowData=[],
                columnDefs=_column_defs(),
                defaultColDef={"sortable": True, "resizable": True, "floatingFilter": True},
                dashGridOptions={"pagination": True, "paginationPageSize": 20},
                columnSize="autoSize",
                style={"height": "560px"},
            ),
        ],
        id=ids.SEGMENTS_PROFILE,
        style=PROFILE_HIDDEN,
    )
    return dbc.Card([html.H4("Segment profile", className="mb-3"), picker, profile], body=True)


def _cluster_section() -> dbc.Card:
    try:
        profiles = query(cluster_queries.cluster_profiles)
        scores = query(cluster_queries.cluster_scores)
    except DataUnavailableError as error:
        return dbc.Card(components.message(str(error)), body=True)
    return dbc.Card(
        [
            html.H4("Behavioural clusters of buyers", className="mb-1"),
            html.P(
                "Buyers grouped by recency, orders, spend, views, cart adds and basket size "
                "(log-scaled and standardised). Pick two features to compare the clusters.",
                className="text-muted",
            ),
            dbc.Row(
                [
                    _feature_picker(ids.SEGMENTS_CLUSTER_X, "Horizontal axis", DEFAULT_SCATTER[0]),
                    _feature_picker(ids.SEGMENTS_CLUSTER_Y, "Vertical axis", DEFAULT_SCATTER[1]),
                ],
                className="mb-2 g-3",
            ),
            components.graph(ids.SEGMENTS_CLUSTER_SCATTER, 460),
            html.H5("Cluster profiles (mean / median per buyer)", className="mt-3"),
            html.Div(profiles_table(profiles), id=ids.SEGMENTS_CLUSTER_PROFILES),
            dbc.Row(
                [
                    dbc.Col(
                        components.graph(
                            ids.SEGMENTS_CLUSTER_SILHOUETTE,
                            300,
                            figures.cluster_score_figure(scores, "silhouette"),
                        ),
                        lg=6,
                    ),
                    dbc.Col(
                        components.graph(
                            ids.SEGMENTS_CLUSTER_BIC,
                            300,
                            figures.cluster_score_figure(scores, "bic"),
                        ),
                        lg=6,
                    ),
                ]
            ),
        ],
        body=True,
        className="mb-3",
    )


def layout(segment: str | None = None, **_query: str) -> html.Div:
    """The page; ``/segments?segment=Champions`` opens that segment's profile."""
    header = components.page_header(
        "Segments", "Who the customers are: RFM segments of buyers, behaviour of non-buyers."
    )
    try:
        overview = query(queries.segment_overview)
        heatmap = query(queries.rf_heatmap)
    except DataUnavailableError as error:
        return html.Div([header, components.message(str(error), component_id=ids.SEGMENTS_MESSAGE)])
    if overview["customers"].sum() == 0:
        text = "The published data has no customers yet. Load events and run refresh."
        return html.Div([header, components.message(text, component_id=ids.SEGMENTS_MESSAGE)])
    selected = segment if segment in set(overview["segment"]) else None
    return html.Div(
        [
            header,
            html.Div(id=ids.SEGMENTS_MESSAGE),
            dbc.Row(
                [
                    dbc.Col(_treemap_card(), lg=8, className="mb-3"),
                    dbc.Col(
                        dbc.Card(
                            components.graph(
                                ids.SEGMENTS_RF_HEATMAP, 480, figures.rf_heatmap_figure(heatmap)
                            ),
                            body=True,
                            className="h-100",
                        ),
                        lg=4,
                        className="mb-3",
                    ),
                ]
            ),
            html.Div(_profile_section(overview, selected), className="mb-3"),
            _cluster_section(),
        ]
    )


# --- callbacks ---------------------------------------------------------------------------------


@callback(Output(ids.SEGMENTS_TREEMAP, "figure"), Input(ids.SEGMENTS_SIZE_BY, "value"))
def update_treemap(size_by: str):
    """The treemap, sized by customers or GMV."""
    try:
        return figures.treemap_figure(query(queries.segment_overview), size_by)
    except (ValueError, DataUnavailableError) as error:
        return empty_figure("Segments", str(error))


@callback(
    Output(ids.SEGMENTS_PICKER, "value"),
    Input(ids.SEGMENTS_TREEMAP, "clickData"),
    prevent_initial_call=True,
)
def pick_clicked_segment(click: dict | None):
    """A click on a segment's sector selects it; clicks on the group sectors only zoom."""
    points = (click or {}).get("points") or []
    if not points:
        return no_update
    clicked = points[0].get("id") or points[0].get("label")
    try:
        segments = set(query(queries.segment_overview)["segment"])
    except DataUnavailableError:
        return no_update
    return clicked if clicked in segments else no_update


@callback(
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
)
def show_profile(segment: str | None) -> tuple:
    """The chosen segment's figures, score distributions and its top customers by CLV."""
    hidden = (PROFILE_HIDDEN, "", "", "", [], {}, [], "", True)
    if not segment:
        return hidden
    try:
        overview = query(queries.segment_overview).set_index("segment")
        if segment not in overview.index:
            return hidden
        customers = query(queries.segment_top_customers, segment)
        scores = query(queries.segment_score_counts, segment)
    except DataUnavailableError as error:
        return ({}, segment, str(error), "", [], {}, [], "", True)
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


@callback(
    Output(ids.SEGMENTS_EXPORT_DOWNLOAD, "data"),
    Output(ids.SEGMENTS_EXPORT_MESSAGE, "children"),
    Input(ids.SEGMENTS_EXPORT_BUTTON, "n_clicks"),
    State(ids.SEGMENTS_PICKER, "value"),
    prevent_initial_call=True,
)
def export_segment(n_clicks: int | None, segment: str | None):
    """Every customer of the segment as a CSV in which no cell can run as a formula."""
    if not n_clicks or not segment:
        return no_update, no_update
    try:
        if segment not in set(query(queries.segment_overview)["segment"]):
            return no_update, components.message(f"Unknown segment {segment!r}.")
        frame = _full_segment(segment)
    except DataUnavailableError as error:
        return no_update, components.message(str(error))
    return dcc.send_string(to_safe_csv(frame), export_file_name(segment), "text/csv"), None


@callback(
    Output(ids.SEGMENTS_CLUSTER_SCATTER, "figure"),
    Input(ids.SEGMENTS_CLUSTER_X, "value"),
    Input(ids.SEGMENTS_CLUSTER_Y, "value"),
)
def update_cluster_scatter(x: str, y: str):
    """Buyers by the two chosen features, coloured by cluster."""
    try:
        sample = query(cluster_queries.scatter_sample, x, y)
    except (ValueError, DataUnavailableError) as error:
        return empty_figure("Buyer clusters", str(error))
    return figures.cluster_scatter_figure(sample, x, y)
