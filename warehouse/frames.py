"""Write a frame into a DuckDB table: the one place a frame is registered for an INSERT."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from warehouse.identifiers import check_identifier


def insert_frame(
    con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame | pa.Table
) -> None:
    """Append ``frame``'s rows (a pandas frame or an Arrow table) to ``table``, matching columns
    by name; an empty frame is a no-op.

    ``table`` is a code constant, checked to be a plain lower-case identifier because it is
    spliced into the SQL. Columns of the table missing from the frame get their default (NULL).
    """
    check_identifier(table, "insert_frame: table")
    if len(frame) == 0:
        return
    con.register("insert_frame_source", frame)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM insert_frame_source")  # noqa: S608
    finally:
        con.unregister("insert_frame_source")
