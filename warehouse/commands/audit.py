"""The audit log: every launch and export, with what it handed out (``audit_log`` table)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from warehouse.clock import utc_now
from warehouse.commands.ops_store import open_ops

LAUNCH, EXPORT = "launch", "export"


def log_audit(
    con: duckdb.DuckDBPyConnection,
    event: str,
    campaign_id: str,
    group_name: str | None,
    row_count: int,
    file_name: str | None = None,
) -> None:
    """Append one ``audit_log`` row ('launch' or 'export') on an open store connection, inside
    the transaction of the action it records."""
    if event not in (LAUNCH, EXPORT):
        raise ValueError(f"audit event must be {LAUNCH!r} or {EXPORT!r}, got {event!r}")
    con.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?)",
                [utc_now(), event, campaign_id, group_name, row_count, file_name])


def audit_log(db: Path, limit: int = 200) -> pd.DataFrame:
    """The latest ``limit`` audit rows, newest first: logged_at, event, campaign_id, group_name,
    row_count, file_name."""
    with open_ops(db) as con:
        return con.execute(
            "SELECT * FROM audit_log ORDER BY logged_at DESC LIMIT ?", [int(limit)]
        ).df()
