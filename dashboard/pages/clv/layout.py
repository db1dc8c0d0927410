"""The CLV page's layout: model alerts, the CLV distribution and P(alive) matrix, the holdout
check, top customers by CLV (filled by ``callbacks.py``) and the fitted models."""

from __future__ import annotations

import math

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dashboard import components, formatting
from dashboard.data import DataUnavailableError, query
from dashboard.errors import shown
from dashboard.pages.clv import figures, ids
from warehouse.pipeline.defaults import DEFAULT_CLV_HORIZON_MONTHS
from warehouse.queries import clv as queries

TOP_LIMITS = (20, 50, 100, 500)
# model_params rows whose note says why a model or check is unusable.
FAILURE_ROWS = {
    ("bg_nbd", "fit_failed"): "Purchase model (BG/NBD) not fitted",
    ("clv", "not_computed"): "CLV not computed",
    ("validation", "skipped"): "Holdout validation skipped",
}
TOP_COLUMNS = {  # column → (header, d3 format)
    "customer_id": ("Customer", None),
    "frequency": ("Repeat purchases", None),
    "recency": ("Recency (days)", None),
    "T": ("Age T (days)", None),
    "monetary_value": ("Avg repeat spend", ",.2f"),
    "p_alive": ("P(alive)", ".1%"),
    "expected_purchases_90": ("Expected purchases (90 days)", ".2f"),
    "clv_amount": ("CLV", ",.2f"),
}
PARAM_COLUMNS = {
    "model": ("Model", None),
    "parameter": ("Parameter", None),
    "value": ("Value", ",.4~f"),
    "standard_error": ("Standard error", ",.4~f"),
    "calibration_end": ("Calibration end", None),
    "fitted_at": ("Fitted at", None),
    "note": ("Notes", None),
}
ONE_TIME_NOTE = (
    "One-time buyers (no repeat purchase yet) have P(alive) = 1 under BG/NBD by construction: the "
    "model only lets a customer drop out right after a repeat purchase. Their lapse shows in "
    "recency and in their segment (Hibernating, Lost…) on the "
)


def failure_reasons(params: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(model, parameter) → the note of every failure row present (see ``FAILURE_ROWS``)."""
    keys = list(zip(params["model"], params["parameter"], strict=True))
    return {
        key: str(note)
        for key, note in zip(keys, params["note"], strict=True)
        if key in FAILURE_ROWS and isinstance(note, str)
    }


def param_value(params: pd.DataFrame, model: str, parameter: str) -> float | None:
    """One parameter's value, None when absent or NULL."""
    rows = params[(params["model"] == model) & (params["parameter"] == parameter)]
    if rows.empty or pd.isna(rows["value"].iloc[0]):
        return None
    return float(rows["value"].iloc[0])


def validation_metrics(params: pd.DataFrame) -> dict[str, float]:
    """The holdout metrics (``model = 'validation'``) as name → value; empty when skipped."""
    rows = params[(params["model"] == "validation") & params["value"].notna()]
    return dict(zip(rows["parameter"], rows["value"].astype(float), strict=True))


def _signed_percent(value: float | None) -> str:
    if value is None or math.isnan(value):
        return formatting.MISSING
    return formatting.signed(f"{abs(value):.1f}%", value)


def metric_cards(metrics: dict[str, float], calibration_end: str) -> list[dbc.Col]:
    """Validation callouts: MAE per customer against the naive baseline, and the error of the
    total predicted purchases, from a fit that ended at ``calibration_end``."""
    mae, base_mae = metrics["mae_per_customer"], metrics["baseline_mae_per_customer"]
    verdict = "better than" if mae < base_mae else "not better than"
    cards = [
        (
            "Holdout error per customer (MAE)",
            f"{mae:.3f}",
            f"purchases per customer; naive baseline {base_mae:.3f}: the model is {verdict} "
            "the baseline",
        ),
        (
            "Total purchases: predicted vs actual",
            _signed_percent(metrics.get("total_pct_error")),
            f"predicted {formatting.count(metrics['total_predicted'])} vs actual "
            f"{formatting.count(metrics['total_actual'])}; naive baseline "
            f"{_signed_percent(metrics.get('baseline_total_pct_error'))}",
        ),
        (
            "Holdout period",
            f"{metrics['holdout_days']:.0f} days",
            f"after a fit on data up to {calibration_end}, "
            f"{formatting.count(metrics['customers'])} customers",
        ),
    ]
    return [
        dbc.Col(components.stat_card(title, value, footnote), xs=12, md=4, className="mb-3")
        for title, value, footnote in cards
    ]


def _column_defs(columns: dict) -> list[dict]:
    defs = []
    for column, (header, fmt) in columns.items():
        spec: dict = {"field": column, "headerName": header}
        if column == "note":
            spec.update(wrapText=True, autoHeight=True, minWidth=360)
        if fmt:
            spec.update(
                type="numericColumn",
                filter="agNumberColumnFilter",
                valueFormatter=components.number_formatter(fmt),
            )
        else:
            spec["filter"] = "agTextColumnFilter"
        defs.append(spec)
    return defs


def _slot(component_id: str, figure, reason: str | None, title: str) -> dbc.Col:
    """A chart, or the reason it cannot be drawn when a model was rejected."""
    if reason:
        body = components.message(f"{title}: {reason}")
    else:
        body = components.graph(height=420, figure=figure)
    return dbc.Col(dbc.Card(html.Div(body, id=component_id), body=True), lg=6, className="mb-3")


def _correlation(params: pd.DataFrame, warning: str | None) -> dbc.Alert:
    if warning:
        return dbc.Alert(
            ["Gamma-Gamma independence check: ", warning], color="warning", id=ids.CLV_CORRELATION
        )
    corr = param_value(params, "gamma_gamma", "freq_monetary_corr")
    text = (
        "Gamma-Gamma independence check: not enough repeat buyers to measure the correlation."
        if corr is None
        else f"Gamma-Gamma independence check: frequency and spend of repeat buyers correlate "
        f"at r = {corr:.2f} (below 0.3 in absolute value), so spend can be modelled apart "
        "from purchase frequency."
    )
    return dbc.Alert(text, color="light", id=ids.CLV_CORRELATION)


def _validation(params: pd.DataFrame, reasons: dict) -> html.Div:
    skipped = reasons.get(("validation", "skipped"))
    metrics = validation_metrics(params)
    if skipped or "mae_per_customer" not in metrics:
        text = skipped or "No holdout validation in the published data."
        return html.Div(components.message(text), id=ids.CLV_METRICS)
    ends = params.loc[params["model"] == "validation", "calibration_end"].dropna()
    calibration_end = str(ends.iloc[0].date()) if len(ends) else formatting.MISSING
    return html.Div(dbc.Row(metric_cards(metrics, calibration_end)), id=ids.CLV_METRICS)


def _top_customers(clv_reason: str | None) -> dbc.Card:
    if clv_reason:
        body: list = [components.message(f"No CLV ranking: {clv_reason}")]
    else:
        body = [
            dbc.InputGroup(
                [
                    dbc.InputGroupText("Show top"),
                    dbc.Select(
                        id=ids.CLV_TOP_LIMIT,
                        value=str(TOP_LIMITS[0]),
                        options=[{"label": str(n), "value": str(n)} for n in TOP_LIMITS],
                    ),
                    dbc.InputGroupText("customers"),
                ],
                size="sm",
                className="mb-2 w-auto",
            ),
            html.Div(id=ids.CLV_TOP_MESSAGE),
            dag.AgGrid(
                id=ids.CLV_TOP_GRID,
                rowData=[],
                columnDefs=_column_defs(TOP_COLUMNS),
                defaultColDef={"sortable": True, "resizable": True, "floatingFilter": True},
                dashGridOptions={"pagination": True, "paginationPageSize": 20},
                columnSize="autoSize",
                style={"height": "520px"},
            ),
        ]
    return dbc.Card(
        [html.H4("Top customers by CLV", className="mb-2"), *body], body=True, className="mb-3"
    )


def _parameters(params: pd.DataFrame) -> dbc.Card:
    grid = dag.AgGrid(
        id=ids.CLV_PARAMS_GRID,
        rowData=components.grid_rows(params, PARAM_COLUMNS),
        columnDefs=_column_defs(PARAM_COLUMNS),
        defaultColDef={"sortable": True, "resizable": True, "filter": True},
        columnSize="autoSize",
        style={"height": "520px"},
    )
    note = (
        "bg_nbd: purchase model (r, alpha, a, b; Fader, Hardie & Lee 2005); gamma_gamma: spend "
        "model (p, q, v); bg_nbd_calibration: the fit used for the holdout check; validation: its "
        "metrics. Time unit: days."
    )
    return dbc.Card(
        [html.H4("Fitted models", className="mb-1"), html.P(note, className="text-muted small"),
         grid],
        body=True,
        className="mb-3",
    )


def layout(**_query: str) -> html.Div:
    header = components.page_header(
        "Customer lifetime value",
        "What each buyer is expected to be worth, how likely they are still active, and how well "
        "the model predicted a holdout period.",
    )
    try:
        params = query(queries.model_parameters)
        bins = query(queries.clv_distribution)
        alive = query(queries.p_alive_matrix)
        holdout = query(queries.holdout_chart)
        warning = query(queries.correlation_warning)
    except DataUnavailableError as error:
        reason = shown(error)
        return html.Div([header, components.message(reason, component_id=ids.CLV_MESSAGE)])
    if params.empty:
        text = "The published data has no CLV model yet. Load data and run refresh."
        return html.Div([header, components.message(text, component_id=ids.CLV_MESSAGE)])

    reasons = failure_reasons(params)
    purchase_reason = reasons.get(("bg_nbd", "fit_failed"))
    clv_reason = reasons.get(("clv", "not_computed")) or purchase_reason
    if clv_reason is None and bins.empty:
        clv_reason = "no buyer has a CLV value in the published data"
    horizon = param_value(params, "clv", "horizon_months") or DEFAULT_CLV_HORIZON_MONTHS
    holdout_days = validation_metrics(params).get("holdout_days")
    alerts = [
        components.message(f"{FAILURE_ROWS[key]}: {note}", color="danger")
        for key, note in reasons.items()
        if key != ("validation", "skipped")
    ]
    skipped = reasons.get(("validation", "skipped"))
    holdout_body = (
        components.message(f"Holdout check: {skipped}")
        if skipped
        else components.graph(height=420, figure=figures.holdout_figure(holdout, holdout_days))
    )
    one_time = dbc.Alert(
        [ONE_TIME_NOTE, dcc.Link("Segments page", href="/segments"), "."], color="info"
    )
    return html.Div(
        [
            header,
            html.Div(alerts, id=ids.CLV_MODEL_ALERTS),
            _correlation(params, warning),
            one_time,
            dbc.Row(
                [
                    _slot(ids.CLV_HISTOGRAM, figures.histogram_figure(bins, int(horizon)),
                          clv_reason, "CLV distribution"),
                    _slot(ids.CLV_P_ALIVE_HEATMAP, figures.p_alive_figure(alive), purchase_reason,
                          "P(alive)"),
                ]
            ),
            html.H4("Does the model predict well?", className="mb-2"),
            _validation(params, reasons),
            dbc.Card(html.Div(holdout_body, id=ids.CLV_HOLDOUT_CHART), body=True, className="mb-3"),
            _top_customers(clv_reason),
            _parameters(params),
        ]
    )
