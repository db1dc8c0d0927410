"""What the Action board's cards share: the warehouse the page serves, the rule fields of its
snapshot, the version stores that tell cards to re-render, and form and grid pieces.

Rules, campaigns and the audit log live in the operational store and change while the page is
open, so their figures are computed live (never from ``dashboard.data``'s per-snapshot cache); a
campaign's measured results belong to a snapshot and are cached with it. Every write bumps a
version store, which re-renders what depends on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html
from dash.exceptions import PreventUpdate
from sqlalchemy.exc import SQLAlchemyError

from dashboard import store_access
from dashboard.data import DataUnavailableError, query, snapshot_reader
from warehouse import commands
from warehouse.connections import WarehouseBusyError
from warehouse.schema.fields import FieldCatalogue, read_field_catalogue

# What a card shows as a message instead of content. A stored rule the current validation
# refuses (e.g. saved before it) cannot be evaluated: RuleError. An operational store that cannot
# be reached (a PostgreSQL server down): SQLAlchemyError.
PROBLEMS = (DataUnavailableError, WarehouseBusyError, commands.RuleError, SQLAlchemyError)


def db() -> Path:
    """The warehouse of the app serving this request."""
    return snapshot_reader().db


def ops_url() -> str | None:
    """The operational store of the app serving this request."""
    return store_access.ops_url()


def user() -> str:
    """Who acts in this request (the audit log's user)."""
    return store_access.acting_user()


def catalogue() -> FieldCatalogue:
    """The rule fields of the snapshot the page reads."""
    return query(read_field_catalogue)


def bump(version: dict | None, **select: Any) -> dict[str, Any]:
    """The next value of a version store, naming what the renderers should select."""
    return {"n": (version or {}).get("n", 0) + 1, **select}


def parse_rule_id(value: Any) -> int | None:
    """A rule id from a select's value (text), None when there is none."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def grid(component_id: str, columns: list[dict[str, Any]], row_id: str,
         height: int | None = None) -> dag.AgGrid:
    """A sortable, filterable grid; without ``height`` it grows with its rows."""
    options: dict[str, Any] = {"suppressColumnVirtualisation": True}
    if height is None:
        options["domLayout"] = "autoHeight"
    return dag.AgGrid(
        id=component_id,
        columnDefs=columns,
        rowData=[],
        getRowId=f"params.data.{row_id}",
        defaultColDef={"sortable": True, "filter": True, "resizable": True},
        dashGridOptions=options,
        style={"height": None if height is None else f"{height}px"},
        className="mb-2",
    )


# A missing count stays blank: d3 would print null as 0.
COUNT_FORMAT = {"function": "params.value == null ? '' : d3.format(',')(params.value)"}


REQUIRED_MARK = "*"


def labelled(label: str, control: Any, width: int = 3, text: str | None = None, *,
             required: bool = False) -> dbc.Col:
    """A form control with its label above it (and a hint below); a required one's label ends
    with a red asterisk."""
    mark = [html.Span(f" {REQUIRED_MARK}", className="text-danger", title="required")]
    children = [dbc.Label([label, *(mark if required else [])], className="small mb-1"), control]
    if text:
        children.append(dbc.FormText(text))
    return dbc.Col(children, md=width)


def number_input(component_id: str, value: float, low: float, high: float,
                 step: float = 1) -> dbc.Input:
    return dbc.Input(id=component_id, type="number", value=value, min=low, max=high, step=step)


def clicked_row_id(cell: dict | None) -> str:
    """Clicking a row of a grid selects that row (rule or campaign) in the picker below it."""
    if not cell or cell.get("rowId") is None:
        raise PreventUpdate
    return str(cell["rowId"])
