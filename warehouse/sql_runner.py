"""Run the SQL model files of ``warehouse/marts/``, one file per grain.

A model file holds one SELECT, wrapped here into ``CREATE ... <name> AS``, so the same query can be
a temporary staging view or a snapshot table. Each starts with a header comment: what one row is,
its key, what it feeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from pathlib import Path

import duckdb

from warehouse.identifiers import check_identifier

MODELS_DIR = Path(__file__).with_name("marts")


class Materialization(Enum):
    TEMP_VIEW = "CREATE OR REPLACE TEMP VIEW"
    VIEW = "CREATE OR REPLACE VIEW"
    TABLE = "CREATE OR REPLACE TABLE"


def model_path(name: str, folder: Path = MODELS_DIR) -> Path:
    """The SQL file of model ``name``; the name must be a plain lower-case identifier."""
    return folder / f"{check_identifier(name, 'model name')}.sql"


def read_query(path: Path) -> str:
    """The file's query without a trailing semicolon (it is wrapped in a CREATE statement)."""
    query = path.read_text(encoding="utf-8").strip()
    return query.removesuffix(";").rstrip()


def build_model(
    con: duckdb.DuckDBPyConnection,
    model: str,
    materialization: Materialization,
    folder: Path = MODELS_DIR,
    *,
    uncompressed: Sequence[str] = (),
) -> None:
    """Create view or table ``model`` from ``<folder>/<model>.sql``.

    ``uncompressed`` names columns of a table stored without compression: for millions of unique
    text ids DuckDB's dictionary and FSST analysis costs more time than the space it saves
    (3.1 s against 1.2 s for 14 M ids, ``bench/floors.py``), and plain strings scan faster. Rows
    keep the query's order.
    """
    query = read_query(model_path(model, folder))  # checks that model is an identifier
    target = model
    if not uncompressed:
        con.execute(f"{materialization.value} {target} AS\n{query}\n")
        return
    if materialization is not Materialization.TABLE:
        raise ValueError(f"{target}: only a table has stored columns to leave uncompressed")
    columns = con.execute(f"DESCRIBE SELECT * FROM (\n{query}\n)").fetchall()  # noqa: S608
    missing = set(uncompressed) - {column for column, *_ in columns}
    if missing:
        raise ValueError(f"{target}: no column {', '.join(sorted(missing))} to leave uncompressed")
    definitions = ", ".join(
        f'"{column}" {kind}' + (" USING COMPRESSION uncompressed" if column in uncompressed else "")
        for column, kind, *_ in columns
    )
    con.execute(f"CREATE OR REPLACE TABLE {target} ({definitions})")
    con.execute(f"INSERT INTO {target}\n{query}\n")
