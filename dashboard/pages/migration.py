"""Migration: how segment sizes evolve over the period ends, and where customers moved between two
chosen snapshots (Sankey and transition matrix)."""

from __future__ import annotations

from datetime import date

import dash
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, callback, html

from dashboard import components, formatting, ids
from dashboard.data import DataUnavailableError, query
from dashboard.figures import empty_figure
from dashboard.figures import migration as figures
from warehouse.queries import migration as queries

dash.register_page(
    __name__, path="/migration", name="Migration", order=2, title="Migration · Actionboard"
)

SCOPES = {"all": "All customers", "rfm": "Buyers only (RFM segments)"}
NEW_EXPLAINED = (
    f"{queries.NEW} = customers with no activity yet at the earlier date; {queries.GONE} = "
    "customers in the earlier snapshot but not in the later one."
)


# --- pure helpers ------------------------------------------------------------------------------


def date_options(dates: list[date]) -> list[dict[str, str]]:
    """Select options for the snapshot dates, oldest first; the last one is the as-of date."""
    return [
        {"label": d.isoformat() + (" (as-of date)" if i == len(dates) - 1 else ""),
         "value": d.isoformat()}
        for i, d in enumerate(dates)
    ]


def resolve_pair(
    from_value: str | None, to_value: str | None, dates: list[date]
) -> tuple[date, date]:
    """Check the two chosen snapshots; ValueError with a message for the page otherwise."""
    if len(dates) < 2:
        shown = dates[0].isoformat() if dates else "none"
        raise ValueError(
            f"Transitions need two segment snapshots; the published data has one ({shown}). "
            "Refresh with more data, or with weekly snapshots (--snapshots week)."
        )
    if not from_value or not to_value:
        raise ValueError("Choose both a 'from' and a 'to' snapshot.")
    known = {d.isoformat(): d for d in dates}
    for label, value in (("from", from_value), ("to", to_value)):
        if value not in known:
            raise ValueError(
                f"There is no segment snapshot on {value} (the '{label}' date); choose one of "
                f"{', '.join(known)}."
            )
    start, end = known[from_value], known[to_value]
    if start >= end:
        raise ValueError(
            f"The 'from' snapshot ({start}) must be before the 'to' snapshot ({end}): "
            "choose an earlier 'from' date or a later 'to' date."
        )
    return start, end


def pair_summary(counts: pd.DataFrame, start: date, end: date) -> str:
    """One line: how many customers stayed, moved, arrived and left between the two dates."""
    total = int(counts["customers"].sum())
    new = int(counts.loc[counts["from_segment"] == queries.NEW, "customers"].sum())
    gone = int(counts.loc[counts["to_segment"] == queries.GONE, "customers"].sum())
    both = counts[(counts["from_segment"] != queries.NEW) & (counts["to_segment"] != queries.GONE)]
    stayed = int(both.loc[both["from_segment"] == both["to_segment"], "customers"].sum())
    moved = int(both["customers"].sum()) - stayed
    text = (
        f"{start} → {end}: {formatting.count(total)} customers; {formatting.count(stayed)} stayed "
        f"in their segment, {formatting.count(moved)} changed segment, {formatting.count(new)} "
        f"are new"
    )
    return text + (f", {formatting.count(gone)} left the snapshot." if gone else ".")


# --- layout ------------------------------------------------------------------------------------


def _select(component_id: str, label: str, options: list[dict], value: str) -> dbc.Col:
    return dbc.Col(
        [
            dbc.Label(label, html_for=component_id),
            dbc.Select(id=component_id, options=options, value=value),
        ],
        xs=12,
        sm=6,
        lg=3,
    )


def _sizes_card() -> dbc.Card:
    scope = dbc.RadioItems(
        id=ids.MIGRATION_SIZES_SCOPE,
        value="all",
        inline=True,
        options=[{"label": label, "value": value} for value, label in SCOPES.items()],
    )
    return dbc.Card(
        [scope, components.graph(ids.MIGRATION_SIZES_CHART, 420)], body=True, className="mb-3"
    )


def _transitions_card(dates: list[date]) -> dbc.Card:
    options = date_options(dates)
    first, last = options[0]["value"], options[-1]["value"]
    controls = dbc.Row(
        [
            _select(ids.MIGRATION_FROM, "From snapshot", options, first),
            _select(ids.MIGRATION_TO, "To snapshot", options, last),
            dbc.Col(
                dbc.Switch(
                    id=ids.MIGRATION_MOVERS_ONLY,
                    label="Sankey: only customers who changed segment",
                    value=False,
                ),
                lg=6,
                className="d-flex align-items-end",
            ),
        ],
        className="g-3 mb-2",
    )
    return dbc.Card(
        [
            html.H4("Where customers moved", className="mb-2"),
            controls,
            html.P(NEW_EXPLAINED, className="text-muted small mb-2"),
            html.Div(id=ids.MIGRATION_PAIR_MESSAGE),
            components.graph(ids.MIGRATION_SANKEY, 560),
            components.graph(ids.MIGRATION_MATRIX, 620),
        ],
        body=True,
        className="mb-3",
    )


def layout(**_query: str) -> html.Div:
    header = components.page_header(
        "Migration",
        "How many customers sit in each segment over time, and where they moved between two "
        "period ends.",
    )
    try:
        dates = query(queries.snapshot_dates)
    except DataUnavailableError as error:
        dates, text = [], str(error)
    else:
        text = "The published data has no segment snapshots yet. Load data and run refresh."
    if not dates:
        return html.Div([header, components.message(text, component_id=ids.MIGRATION_MESSAGE)])
    return html.Div(
        [header, html.Div(id=ids.MIGRATION_MESSAGE), _sizes_card(), _transitions_card(dates)]
    )


# --- callbacks ---------------------------------------------------------------------------------


@callback(Output(ids.MIGRATION_SIZES_CHART, "figure"), Input(ids.MIGRATION_SIZES_SCOPE, "value"))
def update_sizes(scope: str) -> go.Figure:
    """Stacked segment sizes over the period ends, all customers or buyers only."""
    title = "Customers per segment at each period end"
    try:
        sizes = query(queries.segment_sizes_over_time)
        order = query(queries.segment_order)
    except DataUnavailableError as error:
        return empty_figure(title, str(error))
    if scope == "rfm":
        sizes = sizes[sizes["segment_kind"] == "rfm"]
    return figures.sizes_figure(sizes, order)


@callback(
    Output(ids.MIGRATION_PAIR_MESSAGE, "children"),
    Output(ids.MIGRATION_SANKEY, "figure"),
    Output(ids.MIGRATION_MATRIX, "figure"),
    Input(ids.MIGRATION_FROM, "value"),
    Input(ids.MIGRATION_TO, "value"),
    Input(ids.MIGRATION_MOVERS_ONLY, "value"),
)
def update_transitions(
    from_value: str | None, to_value: str | None, movers_only: bool
) -> tuple[object, go.Figure, go.Figure]:
    """Sankey and transition matrix between the two chosen snapshots."""
    try:
        start, end = resolve_pair(from_value, to_value, query(queries.snapshot_dates))
        counts = query(queries.transition_counts, start, end)
        order = query(queries.segment_order)
    except (ValueError, DataUnavailableError) as error:
        blank = empty_figure("", str(error))
        return components.message(str(error)), blank, blank
    from_label, to_label = start.isoformat(), end.isoformat()
    return (
        html.P(pair_summary(counts, start, end), className="mb-1"),
        figures.sankey_figure(counts, order, from_label, to_label, movers_only=bool(movers_only)),
        figures.matrix_figure(counts, order, from_label, to_label),
    )
