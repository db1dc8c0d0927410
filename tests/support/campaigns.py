"""Campaign files and what the operational store holds for a campaign."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import insert, select

from warehouse.commands import fetch_campaign
from warehouse.ops import ops_store, ops_transaction
from warehouse.ops.schema import campaign_assignments, campaigns

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


def stored_campaign(db: Path, campaign_id: str, ops_url: str | None = None) -> dict[str, Any]:
    """The campaign's row in the operational store (UnknownCampaignError if absent)."""
    return fetch_campaign(db, campaign_id, ops_url=ops_url)


def stored_assignments(db: Path, campaign_id: str, ops_url: str | None = None) -> pd.DataFrame:
    """The campaign's assignments in the operational store, by customer_id: customer_id,
    group_name, segment, clv_amount."""
    a = campaign_assignments.c
    query = (select(a.customer_id, a.group_name, a.segment, a.clv_amount)
             .where(a.campaign_id == campaign_id).order_by(a.customer_id))
    with ops_transaction(ops_store(db, ops_url), readonly=True) as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame(rows, columns=["customer_id", "group_name", "segment", "clv_amount"])
    return frame.astype({"clv_amount": "float64"})


def insert_campaign_row(db: Path, ops_url: str | None = None, **values: Any) -> None:
    """A campaign row written straight into the store (no assignments, no audit)."""
    row = {"name": "Mine", "rule_id": 1, "rule_name": "r", "action": "a", "channel": "email",
           "offer": "o", "kpi": "k", "control_share": 0.2, "salt": "s",
           "audience_size": 0, "source": "board", "clock": "given", **values}
    with ops_transaction(ops_store(db, ops_url)) as connection:
        connection.execute(insert(campaigns).values(**row))
