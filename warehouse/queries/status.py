"""What a published snapshot holds: its as-of date and when it was built."""

from __future__ import annotations

import duckdb


def refresh_info(cur: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """As-of date, refresh time and data range of the snapshot, as ISO strings."""
    row = cur.execute(
        "SELECT as_of_date, refreshed_at, first_event_date, last_event_date FROM refresh_info"
    ).fetchone()
    keys = ("as_of_date", "refreshed_at", "first_event_date", "last_event_date")
    return {key: value.isoformat() if value is not None else None for key, value in zip(
        keys, row or (None,) * len(keys), strict=True
    )}
