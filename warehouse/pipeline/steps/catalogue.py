"""Refresh step: the field catalogue, every customer field the steps publish, checked against
``customers`` and written into the snapshot's ``field_catalogue`` (``warehouse.schema.fields``).

A field must be a column of ``customers`` whose type serves the declared one (a number column for
a number field, ...), or the refresh fails naming the step and the field. Fields are listed text
first, then numbers, then timestamps, each in the order the steps run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from warehouse.frames import insert_frame
from warehouse.pipeline.registry import REGISTRY, Step
from warehouse.schema.customers import CUSTOMERS_VIEW
from warehouse.schema.fields import (
    FIELD_CATALOGUE_DDL,
    FIELD_CATALOGUE_TABLE,
    FIELD_TYPES,
    Field,
    field_type_of,
)

if TYPE_CHECKING:
    from warehouse.pipeline.context import RefreshContext


def customer_column_types(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Column name → DuckDB type of the ``customers`` view."""
    rows = con.execute(f"DESCRIBE {CUSTOMERS_VIEW}").fetchall()
    return {name: kind for name, kind, *_ in rows}


def build_field_catalogue(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> None:
    """Check the published fields against ``customers`` and write ``field_catalogue``."""
    columns = customer_column_types(con)
    problems = []
    for step, field in ctx.published_fields:
        if field.name not in columns:
            problems.append(f"step {step!r} publishes {field.name!r}, which is not a column of "
                            f"{CUSTOMERS_VIEW}")
        elif field_type_of(columns[field.name]) != field.type:
            problems.append(f"step {step!r} publishes {field.name!r} as a {field.type} field, "
                            f"but the column is {columns[field.name]}")
    if problems:
        raise RuntimeError("refresh: the field catalogue does not match customers: "
                           + "; ".join(problems))
    write_field_catalogue(con, ctx.published_fields)


def write_field_catalogue(
    con: duckdb.DuckDBPyConnection, published_fields: Sequence[tuple[str, Field]]
) -> None:
    """(Re)create ``field_catalogue`` with ``published_fields`` (step name, field), listed text
    first, then numbers, then timestamps, each in the order given."""
    rank = {kind: index for index, kind in enumerate(FIELD_TYPES)}
    listed = sorted(enumerate(published_fields), key=lambda item: (rank[item[1][1].type],
                                                                   item[0]))
    rows = pd.DataFrame(
        [{"name": field.name, "type": field.type, "label": field.label,
          "description": field.description, "step": step, "display_order": order}
         for order, (_, (step, field)) in enumerate(listed, start=1)],
        columns=["name", "type", "label", "description", "step", "display_order"],
    )
    con.execute(FIELD_CATALOGUE_DDL)
    insert_frame(con, FIELD_CATALOGUE_TABLE, rows)


REGISTRY.register(Step(
    "field_catalogue", build_field_catalogue,
    reads=(CUSTOMERS_VIEW,),
    writes=(FIELD_CATALOGUE_TABLE,),
))
