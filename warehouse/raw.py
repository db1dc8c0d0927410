"""The raw layer's schema, created on first write."""

from __future__ import annotations

from pathlib import Path

import duckdb

RAW_SCHEMA = Path(__file__).with_name("raw_schema.sql")
DEFAULT_PRICE_PROPERTY = "790"


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RAW_SCHEMA.read_text(encoding="utf-8"))


def price_property(con: duckdb.DuckDBPyConnection) -> str:
    """The item property that holds the price, as recorded by the last RetailRocket load."""
    row = con.execute("SELECT value FROM settings WHERE key = 'price_property'").fetchone()
    return row[0] if row else DEFAULT_PRICE_PROPERTY
