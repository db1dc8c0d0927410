"""The field catalogue: the columns of ``customers`` that action rules may use.

Refresh steps declare the customer fields they publish (``warehouse.pipeline.registry``); the
refresh checks each against the ``customers`` view and writes them into the snapshot's
``field_catalogue`` table (one row per field, key ``name``). The rules validator and compiler and
the board's field pickers read it from there, so a new model step adds a rule field by declaring
it, and a rule is always checked against the fields of the data it runs on.

Field types: ``number`` (any numeric column), ``text`` (VARCHAR), ``timestamp`` (TIMESTAMP or
DATE).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from warehouse.identifiers import check_identifier

NUMBER, TEXT, TIMESTAMP = "number", "text", "timestamp"
FIELD_TYPES = (TEXT, NUMBER, TIMESTAMP)  # also the order fields are listed in
FIELD_CATALOGUE_TABLE = "field_catalogue"

FIELD_CATALOGUE_DDL = f"""
CREATE OR REPLACE TABLE {FIELD_CATALOGUE_TABLE} (
    name          VARCHAR PRIMARY KEY,
    type          VARCHAR NOT NULL,   -- number | text | timestamp
    label         VARCHAR NOT NULL,
    description   VARCHAR NOT NULL,
    step          VARCHAR NOT NULL,   -- the refresh step that publishes it
    display_order INTEGER NOT NULL
)
"""

_NUMERIC = re.compile(
    r"(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|DECIMAL\(\d+,\s*\d+\))"
)
_TEXT = re.compile(r"VARCHAR")
_TIME = re.compile(r"(TIMESTAMP( WITH TIME ZONE)?|DATE)")


@dataclass(frozen=True)
class Field:
    """A column of ``customers`` that rules may use.

    ``table`` names the step's table (one row per buyer, key ``customer_id``) that holds the
    column under the same name; the customers step joins it into ``customers``. None for the
    columns ``customers`` is built from directly. ``covers_visitors``: the table also holds
    customers who never bought (a model that scores every visitor), so the column is joined into
    the non-buyers' part of ``customers`` too; otherwise non-buyers have NULL there.
    """

    name: str
    type: str
    label: str
    description: str
    table: str | None = None
    covers_visitors: bool = False

    def __post_init__(self) -> None:
        check_identifier(self.name, "field name")
        if self.table is not None:
            check_identifier(self.table, f"table of field {self.name!r}")
        elif self.covers_visitors:
            raise ValueError(f"field {self.name!r} covers visitors only through a table of its "
                             "own: give its table")
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name!r}: type must be one of {', '.join(FIELD_TYPES)}, "
                             f"got {self.type!r}")
        if not self.label.strip() or not self.description.strip():
            raise ValueError(f"field {self.name!r} needs a label and a description")


FieldCatalogue = dict[str, Field]


def field_type_of(column_type: str) -> str | None:
    """The field type a DuckDB column type can serve (None: not usable in rules, e.g. BOOLEAN)."""
    for kind, pattern in ((NUMBER, _NUMERIC), (TEXT, _TEXT), (TIMESTAMP, _TIME)):
        if pattern.fullmatch(column_type.upper()):
            return kind
    return None


def read_field_catalogue(con: duckdb.DuckDBPyConnection) -> FieldCatalogue:
    """The snapshot's rule fields in display order, by name (a CatalogException without one)."""
    rows = con.execute(
        f"SELECT name, type, label, description FROM {FIELD_CATALOGUE_TABLE} "  # noqa: S608
        "ORDER BY display_order"
    ).fetchall()
    return {name: Field(name, kind, label, description) for name, kind, label, description in rows}
