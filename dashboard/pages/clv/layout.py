"""The CLV page's layout: which purchase model was chosen and why, verdicts in plain words, the CLV
distribution and P(alive) matrix, the holdout check, top customers by CLV with their export
(filled by ``callbacks.py``) and the fitted models with their parameters explained."""

from __future__ import annotations

import math

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from analytics.clv_constants import PURCHASE_MODEL_LABELS
from dashboard import components, formatting
from dashboard.access import ANALYST, may, visible_to
from dashboard.data import DataUnavailableError, query
from dashboard.errors import shown
from dashboard.pages.clv import figures, ids
from warehouse.pipeline.defaults import DEFAULT_CLV_HORIZON_MONTHS
from warehouse.queries import clv as queries

TOP_LIMITS = (20, 50, 100, 500, 1000)
PURCHASE_FAILURES = {  # model_params rows whose note says a purchase model could not be fitted
    ("bg_nbd", "fit_failed"): "BG/NBD not fitted",
    ("mbg_nbd", "fit_failed"): "MBG/NBD not fitted",
}
TOP_COLUMNS = {  # column → (header, d3 format)
    "customer_id": ("Customer", None),
    "clv_amount": ("CLV", ",.0f"),
    "p_alive": ("P(alive)", ".1%"),
    "expected_purchases_90": ("Expected purchases, 90 days", ".2f"),
    "frequency": ("Repeat purchase days", ",d"),
    "days_since_purchase": ("Days since last purchase", ",d"),
    "T": ("Age T (days)", ",d"),
    "monetary_value": ("Avg repeat order", ",.2f"),
    "first_purchase_value": ("First order", ",.2f"),
}
TOP_TOOLTIPS = {
    "clv_amount": "Predicted spend over the CLV horizon, discounted",
    "p_alive": "Estimated chance the buyer has not dropped out",
    "frequency": "Days with a purchase after the first one (BTYD frequency)",
    "T": "Days from the first purchase to the as-of date (BTYD age T)",
    "monetary_value": "Average spend of the repeat purchase days (0 for one-time buyers)",
    "first_purchase_value": "Spend on the first purchase day",
}
PARAM_COLUMNS = {
    "model": ("Model", None),
    "parameter": ("Parameter", None),
    "value": ("Value", ",.4~f"),
    "standard_error": ("Standard error", ",.4~f"),
    "calibration_end": ("Data up to", None),
    "note": ("Notes", None),
}
# One line for each piece of jargon the page uses.
GLOSSARY = (
    ("BTYD", "“buy till you die” models: each customer buys at their own rate while active and "
             "may stop for good; purchases are counted as days with a purchase."),
    ("frequency, recency, T", "repeat purchase days; days from the first to the last purchase; "
                              "days from the first purchase to the as-of date (the buyer's age)."),
    ("r, alpha", "how purchase rates spread across buyers (a Gamma distribution of shape r and "
                 "scale alpha, in days)."),
    ("a, b", "how the chance to drop out after a purchase spreads across buyers (a Beta "
             "distribution)."),
    ("p, q, v", "Gamma-Gamma spend model: order values vary around each buyer's own mean, "
                "which varies across buyers; the average order is v·p/(q−1)."),
    ("*_calibration, validation_*", "the fits on the data before the holdout, and their holdout "
                                    "errors; validation: the chosen model's."),
)


def param_value(params: pd.DataFrame, model: str, parameter: str) -> float | None:
    """One parameter's value, None when absent or NULL."""
    rows = params[(params["model"] == model) & (params["parameter"] == parameter)]
    if rows.empty or pd.isna(rows["value"].iloc[0]):
        return None
    return float(rows["value"].iloc[0])


def param_note(params: pd.DataFrame, model: str, parameter: str) -> str | None:
    """One row's note, None when absent."""
    rows = params[(params["model"] == model) & (params["parameter"] == parameter)]
    notes = rows["note"].dropna()
    return str(notes.iloc[0]) if len(notes) else None


def validation_metrics(params: pd.DataFrame, model: str = "validation") -> dict[str, float]:
    """Holdout metrics of ``model`` (``validation``: the chosen model's; ``validation_bg_nbd``
    …) as name → value; empty when skipped."""
    rows = params[(params["model"] == model) & params["value"].notna()]
    return dict(zip(rows["parameter"], rows["value"].astype(float), strict=True))


def _signed_percent(value: float | None) -> str:
    if value is None or math.isnan(value):
        return formatting.MISSING
    return formatting.signed(f"{abs(value):.1f}%", value)


def choice_text(params: pd.DataFrame, purchase_model: str | None) -> str:
    """Which purchase model predicts P(alive), purchases and CLV, and why, in words."""
    if purchase_model is None:
        return ("No purchase model could be fitted, so P(alive), expected purchases and CLV are "
                "not available.")
    label = PURCHASE_MODEL_LABELS.get(purchase_model, purchase_model)
    errors = {
        name: validation_metrics(params, f"validation_{name}").get("bucket_rmse")
        for name in PURCHASE_MODEL_LABELS
    }
    days = validation_metrics(params).get("holdout_days")
    if errors.get(purchase_model) is None or days is None:
        return (f"Purchase model: {label}. Without a holdout check it is the model that fits "
                "the data better (the higher likelihood).")
    others = [f"{PURCHASE_MODEL_LABELS[name]} {error:.3f}" for name, error in errors.items()
              if name != purchase_model and error is not None]
    compared = (f"than {' and '.join(others)}" if others
                else "(the other model could not be fitted)")
    return (f"Purchase model: {label}, chosen because it predicted the last {days:.0f} days "
            f"better: its error was {errors[purchase_model]:.3f} purchases per customer "
            f"{compared}. The other model's figures are kept below for the record.")


def verdict_alert(params: pd.DataFrame) -> dbc.Alert | None:
    """The verdict on the holdout check: a warning when the model did worse than the naive
    baseline, a plain confirmation when it did better, nothing without a check."""
    warning = param_note(params, "validation", "verdict")
    if warning:
        return dbc.Alert(warning, color="warning", id=ids.CLV_VERDICT)
    metrics = validation_metrics(params)
    if "bucket_rmse" not in metrics or "baseline_bucket_rmse" not in metrics:
        return None
    return dbc.Alert(
        f"The model predicted the holdout better than simply repeating each customer's past "
        f"purchase rate (error {metrics['bucket_rmse']:.3f} against "
        f"{metrics['baseline_bucket_rmse']:.3f} purchases per customer).",
        color="success", id=ids.CLV_VERDICT,
    )


def one_time_text(purchase_model: str | None) -> str:
    """What P(alive) means for buyers who bought once, under the model in use."""
    if purchase_model == "bg_nbd":
        return ("One-time buyers have P(alive) = 100% under BG/NBD by construction: it lets a "
                "customer drop out only after a repeat purchase. Their lapse shows in the days "
                "since their purchase and in their segment (Hibernating, Lost…) on the ")
    return ("One-time buyers: MBG/NBD lets a customer drop out right after their first "
            "purchase, so their P(alive) falls the longer ago they bought. Their segment "
            "(Hibernating, Lost…) is on the ")


def spend_text(params: pd.DataFrame) -> str:
    """How a one-time buyer's first order informs their expected spend (Gamma-Gamma)."""
    p, q = param_value(params, "gamma_gamma", "p"), param_value(params, "gamma_gamma", "q")
    scale = param_value(params, "gamma_gamma", "first_purchase_scale")
    if p is None or q is None or q <= 1:
        return ""
    weight = p / (p + q - 1)
    text = (f"Expected spend per order blends the buyer's own average order with the average "
            f"buyer's (Gamma-Gamma). A one-time buyer's first order counts as one order, with "
            f"weight {formatting.percent(weight, 1)}")
    if scale is not None:
        text += (f", after scaling by {scale:.2f} (repeat buyers' later orders average "
                 f"{scale:.2f}× their first)")
    return text + ": a bigger first order means a higher CLV."


def _summary(params: pd.DataFrame, purchase_model: str | None, warning: str | None) -> html.Div:
    """The model choice, the verdicts and the notes, each said once."""
    alerts: list = [
        components.message(f"{title}: {note}", color="danger")
        for (model, parameter), title in PURCHASE_FAILURES.items()
        if model == purchase_model or purchase_model is None
        if (note := param_note(params, model, parameter))
    ]
    spend_verdict = param_note(params, "clv", "spend_verdict")
    not_computed = param_note(params, "clv", "not_computed")
    if spend_verdict:
        alerts.append(dbc.Alert(spend_verdict, color="warning", id=ids.CLV_SPEND_VERDICT))
    elif not_computed and purchase_model is not None:
        alerts.append(components.message(f"CLV not computed: {not_computed}", color="danger"))
    verdict = verdict_alert(params)
    lines = [html.P(choice_text(params, purchase_model), className="mb-2",
                    id=ids.CLV_MODEL_CHOICE)]
    if purchase_model is not None:
        lines.append(html.P([one_time_text(purchase_model),
                             dcc.Link("Segments page", href="/segments"), "."],
                            className="mb-2", id=ids.CLV_ONE_TIME))
    if not spend_verdict and (text := spend_text(params)):
        lines.append(html.P(text, className="mb-2", id=ids.CLV_SPEND_NOTE))
    lines.append(_correlation(params, warning))
    return html.Div(
        [
            html.Div(alerts, id=ids.CLV_MODEL_ALERTS),
            dbc.Card([html.H4("The model in use", className="mb-2"), *lines,
                      *([verdict] if verdict else [])], body=True, className="mb-3"),
        ]
    )


def metric_cards(metrics: dict[str, float], calibration_end: str, label: str) -> list[dbc.Col]:
    """Validation callouts: the chosen model's holdout error (RMSE of the mean purchases per
    customer by past purchase days) against the naive baseline's, the error of the total
    predicted purchases, and the holdout period."""
    error, baseline = metrics["bucket_rmse"], metrics["baseline_bucket_rmse"]
    verdict = "better than" if error < baseline else "not better than"
    cards = [
        (
            f"Holdout error of {label}",
            f"{error:.3f}",
            f"purchases per customer (root mean square error of the mean, by past purchase "
            f"days); naive baseline {baseline:.3f}: the model is {verdict} the baseline",
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


def _slot(component_id: str, figure, missing: str | None) -> dbc.Col:
    """A chart, or a short pointer to the note above when its model is not usable."""
    body = components.message(missing, color="secondary") if missing else components.graph(
        height=460, figure=figure)
    return dbc.Col(dbc.Card(html.Div(body, id=component_id), body=True), xl=6, className="mb-3")


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
    return dbc.Alert(text, color="light", id=ids.CLV_CORRELATION, className="mb-2")


def _validation(params: pd.DataFrame, purchase_model: str | None) -> html.Div:
    skipped = param_note(params, "validation", "skipped")
    metrics = validation_metrics(params)
    if skipped or "bucket_rmse" not in metrics:
        text = skipped or "No holdout validation in the published data."
        return html.Div(components.message(text), id=ids.CLV_METRICS)
    ends = params.loc[params["model"] == "validation", "calibration_end"].dropna()
    calibration_end = str(ends.iloc[0].date()) if len(ends) else formatting.MISSING
    label = PURCHASE_MODEL_LABELS.get(purchase_model or "", "the model")
    return html.Div(dbc.Row(metric_cards(metrics, calibration_end, label)), id=ids.CLV_METRICS)


def _top_customers(no_clv: str | None) -> dbc.Card:
    if no_clv:
        body: list = [components.message(no_clv, color="secondary")]
    else:
        body = [
            dbc.Row(
                [
                    dbc.Col(
                        dbc.InputGroup(
                            [
                                dbc.InputGroupText("Show top"),
                                dbc.Select(
                                    id=ids.CLV_TOP_LIMIT,
                                    value=str(TOP_LIMITS[0]),
                                    options=[{"label": f"{n:,}", "value": str(n)}
                                             for n in TOP_LIMITS],
                                ),
                                dbc.InputGroupText("customers"),
                            ],
                            size="sm",
                            className="w-auto",
                        ),
                        width="auto",
                    ),
                    dbc.Col(
                        dbc.Button("Export CSV", id=ids.CLV_EXPORT_BUTTON, color="primary",
                                   size="sm",
                                   external_link=True),  # a download, served by a Flask route
                        width="auto",
                        # Customer lists are for analysts and up (the server checks anyway).
                        style=visible_to(ANALYST),
                    ),
                ],
                className="mb-2 g-2 justify-content-between",
            ),
            html.Div("Exports are logged in the audit log." if may(ANALYST) else "",
                     id=ids.CLV_EXPORT_MESSAGE, className="small text-muted mb-1"),
            html.Div(id=ids.CLV_TOP_MESSAGE),
            dag.AgGrid(
                id=ids.CLV_TOP_GRID,
                rowData=[],
                columnDefs=components.column_defs(TOP_COLUMNS, pinned=("customer_id",),
                                                  tooltips=TOP_TOOLTIPS),
                defaultColDef={**components.GRID_DEFAULTS, "floatingFilter": True},
                dashGridOptions={"pagination": True, "paginationPageSize": 20,
                                 "tooltipShowDelay": 300},
                columnSize="responsiveSizeToFit",
                style={"height": "560px"},
            ),
        ]
    return dbc.Card(
        [html.H4("Top customers by CLV", className="mb-2"), *body], body=True, className="mb-3"
    )


def _parameters(params: pd.DataFrame) -> dbc.Card:
    grid = dag.AgGrid(
        id=ids.CLV_PARAMS_GRID,
        rowData=components.grid_rows(params, PARAM_COLUMNS),
        columnDefs=components.column_defs(PARAM_COLUMNS, wide={"note": 360}),
        defaultColDef={**components.GRID_DEFAULTS, "filter": True},
        columnSize="responsiveSizeToFit",
        style={"height": "520px"},
    )
    glossary = html.Ul(
        [html.Li([html.B(term), f": {meaning}"]) for term, meaning in GLOSSARY],
        className="small mb-2",
        id=ids.CLV_GLOSSARY,
    )
    note = ("bg_nbd and mbg_nbd: the purchase models (Fader, Hardie & Lee 2005; Batislam et al. "
            "2007); gamma_gamma: the spend model; time unit: days.")
    return dbc.Card(
        [html.H4("Fitted models", className="mb-1"), html.P(note, className="small mb-1"),
         glossary, grid],
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
        purchase_model = query(queries.purchase_model)
    except DataUnavailableError as error:
        reason = shown(error)
        return html.Div([header, components.message(reason, component_id=ids.CLV_MESSAGE)])
    if params.empty:
        text = "The published data has no CLV model yet. Load data and run refresh."
        return html.Div([header, components.message(text, component_id=ids.CLV_MESSAGE)])

    no_purchase = None if purchase_model else "No P(alive): no purchase model could be fitted."
    no_clv = no_purchase or (
        "No CLV for this data: see the note on spend above." if bins.empty else None
    )
    horizon = param_value(params, "clv", "horizon_months") or DEFAULT_CLV_HORIZON_MONTHS
    holdout_days = validation_metrics(params).get("holdout_days")
    skipped = param_note(params, "validation", "skipped")
    holdout_body = (
        components.message(f"Holdout check: {skipped}")
        if skipped
        else components.graph(height=440,
                              figure=figures.holdout_figure(holdout, holdout_days, purchase_model))
    )
    return html.Div(
        [
            header,
            _summary(params, purchase_model, warning),
            dbc.Row(
                [
                    _slot(ids.CLV_HISTOGRAM, figures.histogram_figure(bins, int(horizon)),
                          no_clv),
                    _slot(ids.CLV_P_ALIVE_HEATMAP, figures.p_alive_figure(alive, purchase_model),
                          no_purchase),
                ]
            ),
            html.H4("Does the model predict well?", className="mb-2"),
            _validation(params, purchase_model),
            dbc.Card(html.Div(holdout_body, id=ids.CLV_HOLDOUT_CHART), body=True, className="mb-3"),
            _top_customers(no_clv),
            _parameters(params),
        ]
    )
