"""The Segments page's layout: treemap, R × F heatmap, a segment's profile with its customer grid,
and the behavioural clusters (filled by ``callbacks.py``)."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dashboard import components, formatting
from dashboard.access import ANALYST, may, visible_to
from dashboard.data import DataUnavailableError, query
from dashboard.errors import shown
from dashboard.pages.segments import figures, ids
from warehouse.queries import clusters as cluster_queries
from warehouse.queries import segments as queries

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
                            external_link=True,  # a download, served by the Flask route
                        ),
                        md=3,
                        className="text-md-end",
                        # Customer lists are for analysts and up (the server checks anyway).
                        style=visible_to(ANALYST),
                    ),
                ],
                className="my-2 align-items-center",
            ),
            html.Div("Exports hold every customer of the segment and are logged in the audit "
                     "log." if may(ANALYST) else "", id=ids.SEGMENTS_EXPORT_MESSAGE,
                     className="small text-muted mb-2"),
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
        reason = shown(error)
        return dbc.Card(components.message(reason), body=True)
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
        reason = shown(error)
        return html.Div([header, components.message(reason, component_id=ids.SEGMENTS_MESSAGE)])
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
