"""Export a campaign's treatment and control groups as formula-safe CSV, with an audit row each.

Columns: customer_id, group, action, channel, offer, segment, clv_amount (currency units). Text
cells are neutralised against spreadsheet formula injection (``warehouse.csv_safety``): customer
ids, offers and segment names come from data files and users. Every export — file or dashboard
download — appends an ``audit_log`` row (event 'export', campaign, group, rows, file name).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from warehouse.commands.audit import EXPORT, log_audit
from warehouse.commands.campaigns.storage import GROUPS, group_members
from warehouse.commands.ops_store import open_ops
from warehouse.csv_safety import to_safe_csv

EXPORT_COLUMNS = ("customer_id", "group", "action", "channel", "offer", "segment", "clv_amount")

log = logging.getLogger(__name__)


def export_file_name(campaign_id: str, group_name: str) -> str:
    """``<campaign_id>_<group>.csv``; characters other than letters, digits, .-_ become _."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", f"{campaign_id}_{group_name}") + ".csv"


def campaign_group_csv(db: Path, campaign_id: str, group_name: str) -> tuple[str, str, int]:
    """(file name, CSV text, customers in it) of one group for a dashboard download; logs it."""
    file_name = export_file_name(campaign_id, group_name)
    with open_ops(db) as con:
        frame = group_members(con, campaign_id, group_name)[list(EXPORT_COLUMNS)]
        log_audit(con, EXPORT, campaign_id, group_name, len(frame), file_name)
    log.info("exported %s (%d customers)", file_name, len(frame))
    return file_name, to_safe_csv(frame), len(frame)


def export_campaign(db: Path, campaign_id: str, out_dir: Path) -> list[Path]:
    """Write ``<campaign_id>_treatment.csv`` and ``_control.csv`` into ``out_dir``; log both."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with open_ops(db) as con:
        for group_name in GROUPS:
            frame = group_members(con, campaign_id, group_name)[list(EXPORT_COLUMNS)]
            path = out_dir / export_file_name(campaign_id, group_name)
            path.write_text(to_safe_csv(frame), encoding="utf-8", newline="")
            log_audit(con, EXPORT, campaign_id, group_name, len(frame), str(path))
            written.append(path)
    return written
