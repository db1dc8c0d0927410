"""Run the SQL model files of ``warehouse/sql/``: one model per file, named after its grain.

Models come in three layers, dbt style: ``staging/stg_*.sql`` rename and cast the raw tables
(temporary views over the attached warehouse), ``intermediate/int_*.sql`` hold logic several marts
share (temporary views), ``marts/*.sql`` the tables and views a snapshot publishes. A model file
holds one SELECT, wrapped here into ``CREATE ... <name> AS``, so the same query can be a
temporary view or a snapshot table. Each starts with a header comment: what one row is, its key,
what it feeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from pathlib import Path

import duckdb

from warehouse.identifiers import check_identifier

SQL_DIR = Path(__file__).parent
LAYERS = ("staging", "intermediate", "marts")
LAYER_PREFIXES = {"staging": "stg_", "intermediate": "int_", "marts": ""}
# Staging views over raw tables that a warehouse loaded before they existed lacks (a later load
# creates them): built empty, with the columns they would have, when the raw table is missing.
OPTIONAL_STAGING = {
    "stg_items": ("items", "SELECT CAST(NULL AS VARCHAR) AS item_id, CAST(NULL AS VARCHAR) AS "
                  "item_name, CAST(NULL AS VARCHAR) AS category, CAST(NULL AS DOUBLE) AS "
                  "price_amount WHERE false"),
    "stg_push_consent": ("push_consent", "SELECT CAST(NULL AS VARCHAR) AS customer_id, "
                         "CAST(NULL AS BOOLEAN) AS has_consent, CAST(NULL AS TIMESTAMP) AS "
                         "opted_out_at, CAST(NULL AS VARCHAR) AS time_zone WHERE false"),
}


class Materialization(Enum):
    TEMP_VIEW = "CREATE OR REPLACE TEMP VIEW"
    VIEW = "CREATE OR REPLACE VIEW"
    TABLE = "CREATE OR REPLACE TABLE"


def model_names(layer: str) -> list[str]:
    """The models of one layer, by name."""
    return sorted(path.stem for path in (SQL_DIR / layer).glob("*.sql"))


def model_path(name: str, folder: Path | None = None) -> Path:
    """The SQL file of model ``name`` in ``folder``, or in its layer's folder by default (its
    prefix says which: ``stg_`` staging, ``int_`` intermediate, otherwise marts)."""
    check_identifier(name, "model name")
    if folder is None:
        layer = next((layer for layer, prefix in LAYER_PREFIXES.items()
                      if prefix and name.startswith(prefix)), "marts")
        folder = SQL_DIR / layer
    return folder / f"{name}.sql"


def read_query(path: Path) -> str:
    """The file's query without a trailing semicolon (it is wrapped in a CREATE statement)."""
    query = path.read_text(encoding="utf-8").strip()
    return query.removesuffix(";").rstrip()


def model_query(name: str, folder: Path | None = None) -> str:
    """The SELECT of model ``name`` (see ``model_path``)."""
    return read_query(model_path(name, folder))


def materialize(
    con: duckdb.DuckDBPyConnection,
    target: str,
    query: str,
    materialization: Materialization,
    *,
    uncompressed: Sequence[str] = (),
) -> None:
    """Create view or table ``target`` from ``query`` (code's SQL, never user input).

    ``uncompressed`` names columns of a table stored without compression: for millions of unique
    text ids DuckDB's dictionary and FSST analysis costs more time than the space it saves
    (3.1 s against 1.2 s for 14 M ids, ``bench/floors.py``), and plain strings scan faster. Rows
    keep the query's order.
    """
    check_identifier(target, "model name")
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


def build_model(
    con: duckdb.DuckDBPyConnection,
    model: str,
    materialization: Materialization,
    folder: Path | None = None,
    *,
    uncompressed: Sequence[str] = (),
) -> None:
    """Create view or table ``model`` from its SQL file (see ``model_path`` and ``materialize``)."""
    materialize(con, model, model_query(model, folder), materialization,
                uncompressed=uncompressed)


def build_staging_views(con: duckdb.DuckDBPyConnection) -> None:
    """Create every staging model as a temporary view over the warehouse attached as ``raw``;
    those of ``OPTIONAL_STAGING`` whose raw table is missing are empty views."""
    present = {name for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'raw'").fetchall()}
    for name in model_names("staging"):
        table, empty = OPTIONAL_STAGING.get(name, (None, ""))
        if table is None or table in present:
            build_model(con, name, Materialization.TEMP_VIEW)
        else:
            materialize(con, name, empty, Materialization.TEMP_VIEW)
