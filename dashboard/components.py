"""Layout pieces shared by pages: page header, stat and KPI cards, message (empty state / error),
graphs and AG Grid rows and number formats."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html


def page_header(title: str, subtitle: str) -> html.Div:
    return html.Div(
        [html.H2(title, className="mb-1"), html.P(subtitle, className="text-muted mb-3")],
        className="ab-page-header",
    )


def message(text: str, *, color: str = "warning", component_id: str | None = None) -> dbc.Alert:
    """A visible explanation in place of content: no data yet, invalid input, missing table."""
    props = {"id": component_id} if component_id else {}
    return dbc.Alert(text, color=color, className="mb-3", **props)


def stat_card(
    title: str,
    value: str,
    footnote: str,
    *,
    value_id: str | None = None,
    change: html.Div | None = None,
) -> dbc.Card:
    """One headline number: title, value, an optional change line, a footnote."""
    value_props = {"id": value_id} if value_id else {}
    rows = [
        html.Div(title, className="ab-kpi-title text-muted"),
        html.Div(value, className="ab-kpi-value", **value_props),
        *([change] if change is not None else []),
        html.Div(footnote, className="ab-kpi-footnote text-muted"),
    ]
    return dbc.Card(dbc.CardBody(rows), className="ab-kpi-card h-100")


def kpi_card(
    title: str,
    value: str,
    *,
    value_id: str,
    change_id: str,
    change_text: str,
    direction: int | None,
    footnote: str,
) -> dbc.Card:
    """One headline number with its change against the previous period.

    ``direction`` is +1 (up, green), -1 (down, red), 0 (flat) or None (nothing to compare with).
    """
    arrow, color = {1: ("▲", "success"), -1: ("▼", "danger"), 0: ("▬", "secondary")}.get(
        direction, ("", "secondary")
    )
    change = html.Div(
        f"{arrow} {change_text}".strip(), id=change_id, className=f"ab-kpi-change text-{color}"
    )
    return stat_card(title, value, footnote, value_id=value_id, change=change)


def graph(component_id: str | None = None, height: int = 380, figure: object = None) -> dcc.Graph:
    """A chart of fixed height without the Plotly logo (``figure`` for charts drawn up front)."""
    props = {"id": component_id} if component_id else {}
    return dcc.Graph(
        figure=figure or {}, config={"displaylogo": False}, style={"height": f"{height}px"}, **props
    )


def grid_rows(frame: pd.DataFrame, columns: object) -> list[dict]:
    """AG Grid rowData of ``columns``: NaN/NaT as null (JSON), dates and times as ISO text."""
    shown = frame[list(columns)].copy()
    for column in shown.columns:
        if pd.api.types.is_datetime64_any_dtype(shown[column]):
            shown[column] = shown[column].dt.strftime("%Y-%m-%d %H:%M").str.replace(" 00:00", "")
    shown = shown.astype(object)
    return shown.where(shown.notna(), None).to_dict("records")


GRID_MIN_WIDTH = 96  # px: the narrowest column, room for a short value and the filter icon
HEADER_CHAR_PX, HEADER_ICONS_PX = 8, 56
CELL_CHAR_PX, CELL_PADDING_PX = 8, 36
# The longest value each number format writes in practice (money up to 9,999,999.99).
FORMAT_CHARS = {",.2f": 12, ",.0f": 9, ".2f": 6, ".1%": 6, ",d": 9, "d": 4, ",": 9}
TEXT_CHARS = 10  # ids and names


def column_defs(
    columns: dict[str, tuple[str, str | None]],
    *,
    pinned: tuple[str, ...] = (),
    wide: dict[str, int] | None = None,
    tooltips: dict[str, str] | None = None,
) -> list[dict]:
    """AG Grid column definitions of ``columns`` (field → (header, d3 number format or None for
    text)), each with a minimum width that fits its header's longest word, its sort and filter
    icons and the longest value its format writes, so no column is ever drawn a few pixels wide
    (a grid built while hidden cannot measure its cells). Headers wrap; ``pinned`` columns stay
    on the left; ``wide`` columns (field → px) wrap their text; ``tooltips`` (field → text)
    explain a header.
    """
    defs = []
    for field, (header, fmt) in columns.items():
        longest = max(len(word) for word in header.split())
        value_chars = FORMAT_CHARS.get(fmt, 10) if fmt else TEXT_CHARS
        spec: dict = {
            "field": field,
            "headerName": header,
            "minWidth": max(GRID_MIN_WIDTH, HEADER_CHAR_PX * longest + HEADER_ICONS_PX,
                            CELL_CHAR_PX * value_chars + CELL_PADDING_PX),
        }
        if fmt:
            spec.update(type="numericColumn", filter="agNumberColumnFilter",
                        valueFormatter=number_formatter(fmt))
        else:
            spec["filter"] = "agTextColumnFilter"
        if field in pinned:
            spec["pinned"] = "left"
        if wide and field in wide:
            spec.update(minWidth=wide[field], wrapText=True, autoHeight=True)
        if tooltips and field in tooltips:
            spec["headerTooltip"] = tooltips[field]
        defs.append(spec)
    return defs


GRID_DEFAULTS = {"sortable": True, "resizable": True, "wrapHeaderText": True,
                 "autoHeaderHeight": True}


def number_formatter(fmt: str) -> dict:
    """An AG Grid valueFormatter: a d3 number format, an em dash for a missing value."""
    return {"function": f"params.value == null ? '—' : d3.format('{fmt}')(params.value)"}
