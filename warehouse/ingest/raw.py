"""The raw layer's schema, created on first write."""

from __future__ import annotations

from pathlib import Path

import duckdb

RAW_SCHEMA = Path(__file__).with_name("raw_schema.sql")
DEFAULT_PRICE_PROPERTY = "790"


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RAW_SCHEMA.read_text(encoding="utf-8"))


SETTINGS_TABLES = ("settings", "raw.settings")  # in the warehouse, or attached as ``raw``


def price_property(con: duckdb.DuckDBPyConnection, settings: str = "settings") -> str:
    """The item property that holds the price, as recorded by the last RetailRocket load.

    ``settings`` names the table as ``con`` sees it: one of ``SETTINGS_TABLES``.
    """
    if settings not in SETTINGS_TABLES:
        raise ValueError(f"settings table must be one of {SETTINGS_TABLES}, got {settings!r}")
    sql = f"SELECT value FROM {settings} WHERE key = 'price_property'"  # noqa: S608 whitelisted
    row = con.execute(sql).fetchone()
    return row[0] if row else DEFAULT_PRICE_PROPERTY
