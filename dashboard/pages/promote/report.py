"""The model report on the Promote page: the latest training's test figures per model and
baseline, lift by decile, calibration, the coefficients in words, what worked and the model
chosen — read from what the training stored (``warehouse.promote.report``), never refitted on a
click. Any signed-in user (viewer and up) may read it."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import duckdb
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, html

from dashboard import components
from dashboard.data import DataUnavailableError, snapshot_reader
from dashboard.errors import shown
from warehouse.promote.report import StoredReport, read_report
from warehouse.promote.scoring import NoPropensityModelError

REPORT = "promote-report"  # this card's component ids, kept here (its one module)
REPORT_METRICS = "promote-report-metrics"
REPORT_DECILES = "promote-report-deciles"
REPORT_CALIBRATION = "promote-report-calibration"

COLUMNS = {"roc_auc": ("ROC-AUC", ".3f"), "pr_auc": ("PR-AUC", ".3f"),
           "precision_at_100": ("Precision@100", ".3f"),
           "precision_at_500": ("Precision@500", ".3f"),
           "top_decile_lift": ("Top-decile lift", ".2f"),
           "average_lift": ("Average lift (5–50%)", ".2f"), "brier": ("Brier", ".5f")}
WORDS = 10  # coefficients put in words
PROBLEMS = (NoPropensityModelError, DataUnavailableError, duckdb.Error, OSError)


def report_card() -> dbc.Card:
    """The card, filled on page load by ``show_report``."""
    return dbc.Card([html.H4("Model report", className="mb-2"),
                     html.Div(id=REPORT, className="mt-1")], body=True, className="mb-3")


def metrics_table(report: StoredReport) -> dbc.Table:
    """Per model and baseline, the test window's figures (per item, averaged over items)."""
    chosen = report.run["model"]
    head = html.Thead(html.Tr([html.Th("Scorer"), html.Th("Kind"),
                               *(html.Th(label) for label, _ in COLUMNS.values())]))
    rows = []
    for row in report.metrics.itertuples(index=False):
        cells = [html.Td(row.scorer_label + (" (chosen)" if row.scorer == chosen else "")),
                 html.Td(row.kind)]
        for name, (_, fmt) in COLUMNS.items():
            value = getattr(row, name)
            cells.append(html.Td("—" if pd.isna(value) else format(value, fmt)))
        rows.append(html.Tr(cells, className="fw-bold" if row.scorer == chosen else None))
    return dbc.Table([head, html.Tbody(rows)], id=REPORT_METRICS, bordered=False, hover=True,
                     size="sm", responsive=True, className="mb-2")


def deciles_figure(report: StoredReport) -> go.Figure:
    """Lift of each tenth of an item's customers ranked by each scorer (1 = random)."""
    fig = go.Figure()
    chosen = report.run["model"]
    for scorer, group in report.deciles.groupby("scorer", sort=False):
        fig.add_scatter(x=group["decile"], y=group["lift"], mode="lines+markers",
                        name=group["scorer_label"].iloc[0] + (" (chosen)" if scorer == chosen
                                                              else ""),
                        line={"width": 3 if scorer == chosen else 1.5})
    fig.add_hline(y=1.0, line={"dash": "dash", "color": "grey"},
                  annotation_text="random", annotation_position="top right")
    fig.update_layout(title={"text": "Lift by decile on the test window (mean over items)",
                             "x": 0.01},
                      template="plotly_white", xaxis={"title": "Decile (1 = highest scores)",
                                                      "dtick": 1},
                      yaxis_title="Lift", legend={"x": 0.55, "y": 0.98})
    return fig


def calibration_figure(report: StoredReport) -> go.Figure:
    """The chosen model's predicted against observed rates, in ten bins of equal count, on log
    axes (most probabilities are small; a bin with no buyer is left off)."""
    table = report.calibration
    rates = pd.concat([table["mean_predicted"], table["observed_rate"]])
    rates = rates[rates > 0]
    low, top = (float(rates.min()), float(rates.max())) if len(rates) else (1e-6, 1.0)
    fig = go.Figure()
    fig.add_scatter(x=[low, top], y=[low, top], mode="lines", name="Perfect",
                    line={"dash": "dash", "color": "grey"})
    fig.add_scatter(x=table["mean_predicted"], y=table["observed_rate"], mode="lines+markers",
                    name=str(report.run["model_label"]),
                    customdata=table["customers"],
                    hovertemplate="predicted %{x:.4f}<br>observed %{y:.4f}<br>"
                                  "%{customdata:,} rows<extra></extra>")
    fig.update_layout(title={"text": "Calibration of the chosen model (test, ten bins of equal "
                                     "count)", "x": 0.01},
                      template="plotly_white",
                      xaxis={"title": "Mean predicted probability", "type": "log"},
                      yaxis={"title": "Observed rate", "type": "log"},
                      legend={"x": 0.01, "y": 0.98})
    return fig


def summary_lines(report: StoredReport) -> list[str]:
    run = report.run
    return [
        f"Model v{run['version']}: {run['model_label']} ({run['parameter']} = "
        f"{run['parameter_value']:g}) chosen, the best mean average lift on the validation "
        f"window; trained {pd.Timestamp(run['trained_at']):%Y-%m-%d %H:%M} in "
        f"{run['seconds']:.0f} s on data to {pd.Timestamp(run['data_end_at']):%Y-%m-%d}.",
        f"Label: buys the item in an order of at least {run['min_basket']} items within "
        f"{run['horizon_days']} days. Cut-offs: train {run['train_cutoffs']}; validation "
        f"{pd.Timestamp(run['validation_cutoff']):%Y-%m-%d}; test "
        f"{pd.Timestamp(run['test_cutoff']):%Y-%m-%d} ({run['eval_items']} items, every "
        f"customer scored). {run['train_rows']:,} training rows, {run['train_positives']:,} "
        f"positive.",
    ]


def report_view(report: StoredReport) -> html.Div:
    words = report.coefficients.head(WORDS)
    return html.Div([
        *(html.P(line, className="mb-1") for line in summary_lines(report)),
        html.H5("Test window, per model and baseline", className="mt-3"),
        metrics_table(report),
        dbc.Row([
            dbc.Col(components.graph(REPORT_DECILES, figure=deciles_figure(report)), lg=6),
            dbc.Col(components.graph(REPORT_CALIBRATION, figure=calibration_figure(report)),
                    lg=6),
        ]),
        html.H5("What the coefficients say (per standard deviation)", className="mt-3"),
        html.Ol([html.Li(sentence) for sentence in words["sentence"]]),
        html.H5("What worked and what did not", className="mt-3"),
        html.P(str(report.run["findings"])),
        html.Small(f"The full report: {report.report_file}", className="text-muted"),
    ])


def show_report(_id: Any = None) -> Any:
    """The latest training's report, or why there is none (and the command to train)."""
    try:
        report = read_report(snapshot_reader().db)
    except NoPropensityModelError as error:  # the expected state before a first training
        return components.message(str(error))
    except PROBLEMS as error:
        return components.message(shown(error))
    return report_view(report)


def register_callbacks(app: dash.Dash) -> None:
    """Fill the report card when the page opens."""
    app.callback(Output(REPORT, "children"), Input(REPORT, "id"))(show_report)
