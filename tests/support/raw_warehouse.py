"""A warehouse file holding hand-written raw rows, for tests of the SQL that reads raw tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.ingest.raw import ensure_raw_schema

RAW_COLUMNS = {
    "events": ("timestamp", "visitorid", "event", "itemid", "transactionid"),
    "item_properties": ("timestamp", "itemid", "property", "value"),
    "category_tree": ("categoryid", "parentid"),
    "orders": ("customer_id", "order_id", "ordered_at", "amount", "item_id", "quantity"),
    "settings": ("key", "value"),
}


def ms(text: str) -> int:
    """Milliseconds since the epoch of a UTC time written ``2015-06-01 10:00:00[.fff]``."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def add_raw_rows(db: Path, **rows: Sequence[Sequence[object]]) -> Path:
    """Append rows to raw tables of ``db`` (created if missing), e.g. ``events=[(ms(...), 1,
    'view', 10, None)]``; columns in the order of ``RAW_COLUMNS``."""
    with duckdb.connect(str(db)) as con:
        ensure_raw_schema(con)
        for table, values in rows.items():
            columns = RAW_COLUMNS[table]
            quoted = ", ".join(f'"{column}"' for column in columns)
            marks = ", ".join("?" for _ in columns)
            con.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})",
                            [list(row) for row in values])
    return db
