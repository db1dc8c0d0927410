"""What a published snapshot holds: its as-of date and when it was built."""

from __future__ import annotations

import duckdb


def refresh_info(cur: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """As-of date, refresh time and data range of the snapshot, as ISO strings."""
    rows = cur.execute(  # fetched fully: the cursor serves later reads
        "SELECT as_of_date, refreshed_at, first_event_date, last_event_date FROM refresh_info"
    ).fetchall()
    row = rows[0] if rows else None
    keys = ("as_of_date", "refreshed_at", "first_event_date", "last_event_date")
    return {key: value.isoformat() if value is not None else None for key, value in zip(
        keys, row or (None,) * len(keys), strict=True
    )}


# What a run record counts of a refresh: the snapshot's main tables.
COUNTED_TABLES = ("order_lines", "customer_buyers", "customer_visitors", "campaigns",
                  "campaign_assignments")


def snapshot_counts(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows of the snapshot's main tables (those it has), e.g. for the refresh's run record."""
    present = {name for (name,) in cur.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
    ).fetchall()}
    return {table: int(cur.table(table).aggregate("count(*)").fetchall()[0][0])
            for table in COUNTED_TABLES if table in present}
