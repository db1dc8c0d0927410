"""Export a campaign's treatment and control groups as formula-safe CSV, with an audit row each.

Columns: customer_id, group, action, channel, offer, segment, clv_amount (currency units). Text
cells are neutralised against spreadsheet formula injection (``analytics.csv_safety``): customer
ids, offers and segment names come from data files and users. Every export — file or dashboard
download — appends an ``audit_log`` row (event 'export', campaign, group, rows, file name).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.campaigns import GROUPS, fetch_campaign, log_audit
from warehouse.csv_safety import to_safe_csv
from warehouse.ops_schema import open_ops

EXPORT_COLUMNS = ("customer_id", "group", "action", "channel", "offer", "segment", "clv_amount")


def export_file_name(campaign_id: str, group_name: str) -> str:
    """``<campaign_id>_<group>.csv``; characters other than letters, digits, .-_ become _."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", f"{campaign_id}_{group_name}") + ".csv"


def _group_frame(
    con: duckdb.DuckDBPyConnection, campaign_id: str, group_name: str
) -> pd.DataFrame:
    if group_name not in GROUPS:
        raise ValueError(f"group must be one of {', '.join(GROUPS)}, got {group_name!r}")
    fetch_campaign(con, campaign_id)  # clear error for an unknown id
    return con.execute(
        """
        SELECT a.customer_id, a.group_name AS "group", c.action, c.channel, c.offer,
               a.segment, a.clv_amount
        FROM campaign_assignments AS a
        JOIN campaigns AS c USING (campaign_id)
        WHERE a.campaign_id = ? AND a.group_name = ?
        ORDER BY a.customer_id
        """,
        [campaign_id, group_name],
    ).df()[list(EXPORT_COLUMNS)]


def campaign_group_csv(db: Path, campaign_id: str, group_name: str) -> tuple[str, str, int]:
    """(file name, CSV text, customers in it) of one group for a dashboard download; logs it."""
    file_name = export_file_name(campaign_id, group_name)
    with open_ops(db) as con:
        frame = _group_frame(con, campaign_id, group_name)
        log_audit(con, "export", campaign_id, group_name, len(frame), file_name)
    return file_name, to_safe_csv(frame), len(frame)


def export_campaign(db: Path, campaign_id: str, out_dir: Path) -> list[Path]:
    """Write ``<campaign_id>_treatment.csv`` and ``_control.csv`` into ``out_dir``; log both."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with open_ops(db) as con:
        for group_name in GROUPS:
            frame = _group_frame(con, campaign_id, group_name)
            path = out_dir / export_file_name(campaign_id, group_name)
            path.write_text(to_safe_csv(frame), encoding="utf-8", newline="")
            log_audit(con, "export", campaign_id, group_name, len(frame), str(path))
            written.append(path)
    return written
