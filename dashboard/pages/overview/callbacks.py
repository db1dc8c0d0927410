"""The Overview's callbacks: quick ranges set the date picker; the picker, the granularity and the
trend controls redraw the cards and charts; a browser-side callback keeps the range and
granularity in the URL and in the browser session. Bodies are plain functions, registered on the
app by ``register_callbacks``."""

from __future__ import annotations

from datetime import date

import dash
from dash import Input, Output, State, no_update

from dashboard import components
from dashboard.callbacks import with_trigger
from dashboard.data import DataUnavailableError, query
from dashboard.errors import shown
from dashboard.pages.overview import figures, ids
from dashboard.pages.overview.kpis import kpi_cards, kpi_tree_frame
from dashboard.pages.overview.layout import QUICK_RANGES
from dashboard.pages.overview.periods import previous_period, quick_range, resolve_range
from warehouse.queries import overview as queries


def apply_quick_range(trigger: str, *args: object) -> tuple[str, str]:
    """Quick-range buttons set the date picker; the picker then drives every chart."""
    bounds = args[-1]
    start, end = quick_range(bounds, QUICK_RANGES[trigger])
    return start.isoformat(), end.isoformat()


HIDDEN = {"display": "none"}

# Browser side: write the range and granularity into the URL (history.replaceState, so no page
# reload and no new history entry) and into the session store; when the page opens without them
# in its URL (from the navigation bar), restore the session's last ones into the controls.
SYNC_URL_JS = """
function(start, end, granularity, saved) {
    const params = new URLSearchParams(window.location.search);
    const fromUrl = params.has('start') || params.has('end') || params.has('granularity');
    const fired = (window.dash_clientside.callback_context.triggered || [])
        .map(t => t.prop_id.split('.')[0]);
    const opening = fired.length === 0 || fired.every(id => id === '' || id === 'STORE_ID');
    const noUpdate = window.dash_clientside.no_update;
    const restore = opening && !fromUrl && saved && saved.start && (saved.start !== start ||
        saved.end !== end || saved.granularity !== granularity);
    const state = restore ? saved : {start: start, end: end, granularity: granularity};
    const query = '?' + new URLSearchParams(state).toString();
    if (window.location.search !== query) {
        window.history.replaceState(window.history.state, '', window.location.pathname + query);
    }
    if (restore) {
        return [saved.start, saved.end, saved.granularity, noUpdate];
    }
    return [noUpdate, noUpdate, noUpdate, state];
}
""".replace("STORE_ID", ids.OVERVIEW_STATE_STORE)


def update_overview(
    start: str | None, end: str | None, granularity: str, bounds: dict[str, str]
) -> tuple:
    """KPI cards, KPI tree, GMV series and funnel for the chosen range; an invalid range gives
    one message and hides every card and chart."""
    try:
        start_day, end_day = resolve_range(start, end, bounds)
        current = query(queries.period_kpis, start_day, end_day)
        prev_start, prev_end = previous_period(start_day, end_day)
        has_previous = prev_start >= date.fromisoformat(bounds["first"])
        previous = query(queries.period_kpis, prev_start, prev_end) if has_previous else None
        series = query(queries.gmv_series, start_day, end_day, granularity)
        steps = query(queries.funnel, start_day, end_day)
    except (ValueError, DataUnavailableError) as error:
        reason = shown(error)
        return (components.message(reason), "", HIDDEN, no_update, no_update, no_update,
                no_update)
    days = (end_day - start_day).days + 1
    label = f"{start_day} to {end_day} ({days} days) vs " + (
        f"{prev_start} to {prev_end}"
        if has_previous
        else "no previous period: the data starts " + bounds["first"]
    )
    return (
        None,
        label,
        {},
        kpi_cards(current, previous),
        figures.kpi_tree_figure(kpi_tree_frame(current, previous)),
        figures.gmv_figure(series, granularity, start_day, end_day),
        figures.funnel_figure(steps),
    )


def update_trends(
    start: str | None,
    end: str | None,
    granularity: str,
    dimension: str,
    top_n: str,
    bounds: dict[str, str],
):
    """Top-N root categories or items by GMV over time (nothing to redraw for an invalid range:
    the page hides its charts and says why once)."""
    try:
        start_day, end_day = resolve_range(start, end, bounds)
    except ValueError:
        return no_update
    try:
        series = query(queries.top_series, start_day, end_day, granularity, dimension, int(top_n))
    except (ValueError, DataUnavailableError) as error:
        reason = shown(error)
        return figures.empty_figure("Product trends", reason)
    return figures.trends_figure(series, dimension, granularity, start_day, end_day)


def register_callbacks(app: dash.Dash) -> None:
    """Register the Overview's callbacks on ``app``."""
    app.callback(
        Output(ids.OVERVIEW_DATE_RANGE, "start_date", allow_duplicate=True),
        Output(ids.OVERVIEW_DATE_RANGE, "end_date", allow_duplicate=True),
        *(Input(button_id, "n_clicks") for button_id in QUICK_RANGES),
        State(ids.OVERVIEW_BOUNDS_STORE, "data"),
        prevent_initial_call=True,
    )(with_trigger(apply_quick_range))
    app.clientside_callback(
        SYNC_URL_JS,
        Output(ids.OVERVIEW_DATE_RANGE, "start_date"),
        Output(ids.OVERVIEW_DATE_RANGE, "end_date"),
        Output(ids.OVERVIEW_GRANULARITY, "value"),
        Output(ids.OVERVIEW_STATE_STORE, "data"),
        Input(ids.OVERVIEW_DATE_RANGE, "start_date"),
        Input(ids.OVERVIEW_DATE_RANGE, "end_date"),
        Input(ids.OVERVIEW_GRANULARITY, "value"),
        Input(ids.OVERVIEW_STATE_STORE, "data"),
    )
    app.callback(
        Output(ids.OVERVIEW_MESSAGE, "children"),
        Output(ids.OVERVIEW_PERIOD_LABEL, "children"),
        Output(ids.OVERVIEW_CONTENT, "style"),
        Output(ids.OVERVIEW_KPI_CARDS, "children"),
        Output(ids.OVERVIEW_KPI_TREE, "figure"),
        Output(ids.OVERVIEW_GMV_CHART, "figure"),
        Output(ids.OVERVIEW_FUNNEL_CHART, "figure"),
        Input(ids.OVERVIEW_DATE_RANGE, "start_date"),
        Input(ids.OVERVIEW_DATE_RANGE, "end_date"),
        Input(ids.OVERVIEW_GRANULARITY, "value"),
        State(ids.OVERVIEW_BOUNDS_STORE, "data"),
    )(update_overview)
    app.callback(
        Output(ids.OVERVIEW_TRENDS_CHART, "figure"),
        Input(ids.OVERVIEW_DATE_RANGE, "start_date"),
        Input(ids.OVERVIEW_DATE_RANGE, "end_date"),
        Input(ids.OVERVIEW_GRANULARITY, "value"),
        Input(ids.OVERVIEW_TRENDS_DIMENSION, "value"),
        Input(ids.OVERVIEW_TRENDS_TOP_N, "value"),
        State(ids.OVERVIEW_BOUNDS_STORE, "data"),
    )(update_trends)
