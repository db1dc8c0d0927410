"""The Migration page's callbacks: sizes over time for the chosen scope, and the moves between the
two chosen snapshots. Bodies are plain functions, registered on the app by
``register_callbacks``."""

from __future__ import annotations

from datetime import date

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, html

from dashboard import components, formatting
from dashboard.data import DataUnavailableError, query
from dashboard.errors import InputError, shown
from dashboard.figures import empty_figure
from dashboard.pages.migration import figures, ids
from dashboard.pages.migration.flows import FlowFilter, filter_flows, filter_sizes
from warehouse.queries import migration as queries

SANKEY_EMPTY_PX = 320


def resolve_pair(
    from_value: str | None, to_value: str | None, dates: list[date]
) -> tuple[date, date]:
    """Check the two chosen snapshots; InputError with a message for the page otherwise."""
    if len(dates) < 2:
        only = dates[0].isoformat() if dates else "none"
        raise InputError(
            f"Transitions need two segment snapshots; the published data has one ({only}). "
            "Refresh with more data, or with weekly snapshots (--snapshots week)."
        )
    if not from_value or not to_value:
        raise InputError("Choose both a 'from' and a 'to' snapshot.")
    known = {d.isoformat(): d for d in dates}
    for label, value in (("from", from_value), ("to", to_value)):
        if value not in known:
            raise InputError(
                f"There is no segment snapshot on {value} (the '{label}' date); choose one of "
                f"{', '.join(known)}."
            )
    start, end = known[from_value], known[to_value]
    if start >= end:
        raise InputError(
            f"The 'from' snapshot ({start}) must be before the 'to' snapshot ({end}): "
            "choose an earlier 'from' date or a later 'to' date."
        )
    return start, end


def pair_summary(counts: pd.DataFrame, start: date, end: date) -> str:
    """One line: how many customers stayed, moved, arrived and left between the two dates
    (``counts``: the transition rows of the customers shown)."""
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


def update_sizes(scope: str) -> go.Figure:
    """Stacked segment sizes over the period ends, buyers only or all customers."""
    title = "Customers per segment at each period end"
    try:
        sizes = filter_sizes(query(queries.segment_sizes_over_time), scope)
        order = query(queries.segment_order)
    except (ValueError, DataUnavailableError) as error:
        reason = shown(error)
        return empty_figure(title, reason)
    return figures.sizes_figure(sizes, order, FlowFilter(scope).describe())


def update_transitions(
    from_value: str | None,
    to_value: str | None,
    scope: str,
    movers_only: bool,
    arrivals: bool,
) -> tuple[object, go.Figure, dict, go.Figure]:
    """Sankey (and its height) and transition matrix between the two chosen snapshots, both of
    the customers the filters keep."""
    try:
        flow_filter = FlowFilter(scope, bool(movers_only), bool(arrivals))
        start, end = resolve_pair(from_value, to_value, query(queries.snapshot_dates))
        counts = query(queries.transition_counts, start, end)
        order = query(queries.segment_order)
        kinds = query(queries.segment_kinds)
    except (ValueError, DataUnavailableError) as error:
        reason = shown(error)
        blank = empty_figure("", reason)
        return components.message(reason), blank, {"height": "300px"}, blank
    flows = filter_flows(counts, kinds, flow_filter)
    from_label, to_label = start.isoformat(), end.isoformat()
    description = flow_filter.describe()
    sankey = figures.sankey_figure(flows, order, from_label, to_label, description)
    height = sankey.layout.height or SANKEY_EMPTY_PX
    return (
        html.P(pair_summary(filter_flows(counts, kinds, FlowFilter(scope)), start, end),
               className="mb-1"),
        sankey,
        {"height": f"{height}px"},
        figures.matrix_figure(flows, order, from_label, to_label, description),
    )


def register_callbacks(app: dash.Dash) -> None:
    """Register the Migration page's callbacks on ``app``."""
    app.callback(
        Output(ids.MIGRATION_SIZES_CHART, "figure"), Input(ids.MIGRATION_SCOPE, "value")
    )(update_sizes)
    app.callback(
        Output(ids.MIGRATION_PAIR_MESSAGE, "children"),
        Output(ids.MIGRATION_SANKEY, "figure"),
        Output(ids.MIGRATION_SANKEY, "style"),
        Output(ids.MIGRATION_MATRIX, "figure"),
        Input(ids.MIGRATION_FROM, "value"),
        Input(ids.MIGRATION_TO, "value"),
        Input(ids.MIGRATION_SCOPE, "value"),
        Input(ids.MIGRATION_MOVERS_ONLY, "value"),
        Input(ids.MIGRATION_ARRIVALS, "value"),
    )(update_transitions)
