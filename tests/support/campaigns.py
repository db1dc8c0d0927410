"""Campaign files and what the operational store holds for a campaign."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from warehouse.commands import fetch_campaign
from warehouse.commands.ops_store import open_ops

HEADER = ("campaign_id,campaign_name,action,channel,offer,kpi,launched_at,ends_at,control_share,"
          "visitorid,group")
CAMPAIGN = "demo-1,Win-back test,Win-back voucher,email,25% voucher,reactivation,2015-08-01," \
           "2015-08-28,0.2"


def write_campaign_file(path: Path, rows: list[str], header: str = HEADER) -> Path:
    """A campaign CSV (the demo's ``demo_campaign.csv`` format) with ``rows`` after ``header``."""
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def demo_rows(n: int = 10) -> list[str]:
    """``n`` assignments of campaign demo-1: visitors 1000…, the first two in control."""
    return [f"{CAMPAIGN},{1000 + i},{'control' if i < 2 else 'treatment'}" for i in range(n)]


def stored_campaign(db: Path, campaign_id: str) -> dict[str, object]:
    """The campaign's row in the operational store (UnknownCampaignError if absent)."""
    with open_ops(db) as con:
        return fetch_campaign(con, campaign_id)


def stored_assignments(db: Path, campaign_id: str) -> pd.DataFrame:
    """The campaign's assignments in the operational store, by customer_id."""
    with open_ops(db) as con:
        return con.execute(
            "SELECT customer_id, group_name, segment, clv_amount FROM campaign_assignments "
            "WHERE campaign_id = ? ORDER BY customer_id", [campaign_id]).df()
