"""The Segments page's layout: treemap, R × F heatmap, a segment's profile with its customer grid,
and the behavioural clusters (filled by ``callbacks.py``)."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from analytics.clusters import MIN_CLUSTER_SHARE
from dashboard import components, formatting
from dashboard.access import ANALYST, may, visible_to
from dashboard.data import DataUnavailableError, query
from dashboard.errors import shown
from dashboard.pages.segments import figures, ids
from dashboard.pages.segments.profile import base_name, kind_totals
from warehouse.queries import clusters as cluster_queries
from warehouse.queries import segments as queries

GRID_COLUMNS = {  # column → (header, value format)
    "customer_id": ("Customer", None),
    "r_score": ("R", "d"),
    "f_score": ("F", "d"),
    "m_score": ("M", "d"),
    "recency_days": ("Days since purchase", ",d"),
    "frequency": ("Orders", ",d"),
    "monetary_amount": ("Spend", ",.2f"),
    "count_views": ("Views", ",d"),
    "count_cart_adds": ("Cart adds", ",d"),
    "gmv_amount": ("GMV", ",.2f"),
    "p_alive": ("P(alive)", ".1%"),
    "clv_amount": ("CLV", ",.0f"),
}
GRID_TOOLTIPS = {
    "r_score": "Recency score 1-5: 5 = the most recent fifth of buyers",
    "f_score": "Frequency score 1-5: 5 = the buyers with the most orders",
    "m_score": "Monetary score 1-5: 5 = the buyers who spent the most",
    "p_alive": "Estimated chance the buyer is still active (purchase model of the CLV page)",
    "clv_amount": "Customer lifetime value: predicted spend over the CLV horizon",
    "gmv_amount": "Gross merchandise value: what the customer has spent so far",
}
DEFAULT_SCATTER = ("monetary_amount", "count_views")
CLUSTERS_ITEM = "clusters"
# Points of the cluster scatter: enough to show each cluster's shape; every point is an SVG node
# the browser redraws on each change of axis.
SCATTER_POINTS = 2000
PROFILE_HIDDEN = {"display": "none"}
GRID_SIZING = "responsiveSizeToFit"  # columns fill the grid, never below their minimum width
CLUSTER_RULE = (
    "How the clusters are chosen: K-Means and Gaussian mixtures with 3 to 8 clusters are fitted, "
    "and the solution with the highest balanced silhouette is kept among those whose every "
    "cluster holds at least {share} of the buyers. The silhouette says how much closer each "
    "buyer is to their own cluster than to the next one; balanced, every cluster counts the same "
    "whatever its size. BIC is shown for information only. Each cluster is named after the "
    "features on which its centre differs most from the average buyer."
)

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


def size_options(view: str) -> list[dict]:
    """Sizing choices of the treemap: visitors who never bought have no GMV to size by."""
    return [
        {"label": "Size by customers", "value": "customers"},
        {"label": "Size by GMV", "value": "gmv_amount", "disabled": view == "visitors"},
    ]


def _treemap_card(overview: pd.DataFrame) -> dbc.Card:
    totals = kind_totals(overview)
    views = [
        {"label": f"Buyers ({formatting.count(totals.get('rfm', 0))})", "value": "buyers"},
        {"label": f"Visitors who never bought ({formatting.count(totals.get('behavioural', 0))})",
         "value": "visitors"},
    ]
    return dbc.Card(
        [
            dbc.Row(
                [
                    dbc.Col(dbc.RadioItems(id=ids.SEGMENTS_VIEW, value="buyers", inline=True,
                                           options=views), width="auto"),
                    dbc.Col(dbc.RadioItems(id=ids.SEGMENTS_SIZE_BY, value="customers",
                                           inline=True, options=size_options("buyers")),
                            width="auto"),
                ],
                className="g-3 justify-content-between",
            ),
            components.graph(ids.SEGMENTS_TREEMAP, 480),
            dcc.Store(id=ids.SEGMENTS_TREEMAP_PICK),
        ],
        body=True,
        className="h-100",
    )


def segment_options(overview: pd.DataFrame) -> list[dict]:
    """Picker options: "Champions (137 · 11.8% of buyers)", buyers' segments first."""
    totals = kind_totals(overview)

    def label(row: pd.Series) -> str:
        base = totals.get(row.segment_kind)
        share = formatting.percent(row.customers / base if base else None)
        return (f"{row.segment} ({formatting.count(row.customers)} · {share} of "
                f"{base_name(row.segment_kind)})")

    return [{"label": label(row), "value": row.segment}
            for row in overview.itertuples(index=False)]


def _profile_section(overview: pd.DataFrame, selected: str | None) -> dbc.Card:
    options = segment_options(overview)
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
                columnDefs=components.column_defs(GRID_COLUMNS, pinned=("customer_id",),
                                                  tooltips=GRID_TOOLTIPS),
                defaultColDef={**components.GRID_DEFAULTS, "floatingFilter": True},
                dashGridOptions={"pagination": True, "paginationPageSize": 20,
                                 "tooltipShowDelay": 300},
                columnSize=GRID_SIZING if selected else None,
                style={"height": "560px"},
            ),
        ],
        id=ids.SEGMENTS_PROFILE,
        style=PROFILE_HIDDEN,
    )
    return dbc.Card([html.H4("Segment profile", className="mb-3"), picker, profile], body=True)


def cluster_section() -> list:
    """The clusters' scatter (on the default axes; its callback redraws it when they change),
    profiles and the scores that chose them; built when the section is first opened, so the
    page's first view does not wait for it."""
    try:
        profiles = query(cluster_queries.cluster_profiles)
        scores = query(cluster_queries.cluster_scores)
        sample = query(cluster_queries.scatter_sample, *DEFAULT_SCATTER, SCATTER_POINTS)
    except DataUnavailableError as error:
        reason = shown(error)
        return [components.message(reason)]
    scatter = figures.cluster_scatter_figure(sample, *DEFAULT_SCATTER)
    return [
        html.P(
            "Buyers grouped by recency, orders, spend, views, cart adds and basket size "
            "(log-scaled and standardised). Pick two features to compare the clusters.",
            className="text-muted mb-1",
        ),
        html.P(CLUSTER_RULE.format(share=formatting.percent(MIN_CLUSTER_SHARE, 0)),
               className="small mb-2", id=ids.SEGMENTS_CLUSTER_RULE),
        dbc.Row(
            [
                _feature_picker(ids.SEGMENTS_CLUSTER_X, "Horizontal axis", DEFAULT_SCATTER[0]),
                _feature_picker(ids.SEGMENTS_CLUSTER_Y, "Vertical axis", DEFAULT_SCATTER[1]),
            ],
            className="mb-2 g-3",
        ),
        components.graph(ids.SEGMENTS_CLUSTER_SCATTER, 460, scatter),
        html.H5("Cluster profiles (mean / median per buyer)", className="mt-3"),
        html.Div(profiles_table(profiles), id=ids.SEGMENTS_CLUSTER_PROFILES),
        dbc.Row(
            [
                dbc.Col(
                    components.graph(
                        ids.SEGMENTS_CLUSTER_SILHOUETTE,
                        360,
                        figures.cluster_score_figure(scores, "silhouette"),
                    ),
                    xl=6,
                ),
                dbc.Col(
                    components.graph(
                        ids.SEGMENTS_CLUSTER_BIC,
                        360,
                        figures.cluster_score_figure(scores, "bic"),
                    ),
                    xl=6,
                ),
            ]
        ),
    ]


def _clusters_card() -> dbc.Accordion:
    item = dbc.AccordionItem(
        html.Div(id=ids.SEGMENTS_CLUSTER_BODY),
        title="Behavioural clusters of buyers: open to compare them and see how they were chosen",
        item_id=CLUSTERS_ITEM,
    )
    return dbc.Accordion(item, id=ids.SEGMENTS_CLUSTER_ACCORDION, start_collapsed=True,
                         className="mb-3")


def layout(segment: str | None = None, **_query: str) -> html.Div:
    """The page; ``/segments?segment=Champions`` opens that segment's profile."""
    header = components.page_header(
        "Segments",
        "Who the customers are: buyers by recency, frequency and monetary value (RFM), visitors "
        "who never bought by behaviour.",
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
                    dbc.Col(_treemap_card(overview), xl=8, className="mb-3"),
                    dbc.Col(
                        dbc.Card(
                            components.graph(
                                ids.SEGMENTS_RF_HEATMAP, 520, figures.rf_heatmap_figure(heatmap)
                            ),
                            body=True,
                            className="h-100",
                        ),
                        xl=4,
                        className="mb-3",
                    ),
                ]
            ),
            html.Div(_profile_section(overview, selected), className="mb-3"),
            _clusters_card(),
        ]
    )
