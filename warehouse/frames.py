"""Write a pandas frame into a DuckDB table: the one place a frame is registered for an INSERT."""

from __future__ import annotations

import re

import duckdb
import pandas as pd

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Append ``frame``'s rows to ``table``, matching columns by name; an empty frame is a no-op.

    ``table`` is a code constant, checked to be a plain lower-case identifier because it is
    spliced into the SQL. Columns of the table missing from the frame get their default (NULL).
    """
    if not _IDENTIFIER.fullmatch(table):
        raise ValueError(f"insert_frame: {table!r} is not a plain table name")
    if frame.empty:
        return
    con.register("insert_frame_source", frame)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM insert_frame_source")  # noqa: S608
    finally:
        con.unregister("insert_frame_source")
