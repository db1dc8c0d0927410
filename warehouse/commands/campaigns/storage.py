"""Campaigns in the operational store: new ids, inserts, reads of one campaign, a group or all."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analytics.experiments.assignment import CONTROL, TREATMENT
from warehouse.commands.ops_store import open_ops
from warehouse.frames import insert_frame
from warehouse.schema.campaigns import CAMPAIGN_STATUS_SQL

GROUPS = (TREATMENT, CONTROL)


class UnknownCampaignError(ValueError):
    """No campaign with this id in the operational store."""


def next_campaign_id(con: duckdb.DuckDBPyConnection, launched_at: datetime) -> str:
    """``c-<launch day>-<n>``, the day's next free number. Safe under ``ops_store``'s one thread
    at a time, called in the transaction that inserts the campaign."""
    prefix = f"c-{launched_at:%Y%m%d}-"
    [(count,)] = con.execute(
        "SELECT count(*) FROM campaigns WHERE starts_with(campaign_id, ?)", [prefix]
    ).fetchall()
    number = count + 1
    while con.execute("SELECT 1 FROM campaigns WHERE campaign_id = ?",
                      [f"{prefix}{number}"]).fetchall():
        number += 1
    return f"{prefix}{number}"


def insert_campaign(
    con: duckdb.DuckDBPyConnection, campaign: dict[str, Any], assignments: pd.DataFrame
) -> None:
    """Store a launched campaign (the ``campaigns`` columns but ``source``, which is 'board') and
    its frozen assignments (customer_id, group_name, segment, clv_amount)."""
    con.execute(
        "INSERT INTO campaigns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'board')",
        [campaign[c] for c in ("campaign_id", "name", "rule_id", "rule_name", "action",
                               "channel", "offer", "kpi", "control_share", "salt",
                               "launched_at", "ends_at", "audience_size")],
    )
    insert_frame(con, "campaign_assignments",
                 assignments.assign(campaign_id=campaign["campaign_id"]))


def fetch_campaign(con: duckdb.DuckDBPyConnection, campaign_id: str) -> dict[str, Any]:
    """One campaign's row (UnknownCampaignError naming the id format when there is none)."""
    frame = con.execute("SELECT * FROM campaigns WHERE campaign_id = ?", [campaign_id]).df()
    if frame.empty:
        raise UnknownCampaignError(
            f"no campaign {campaign_id!r}; ids look like c-20150918-1 (see the Action board)"
        )
    return frame.iloc[0].to_dict()


def group_members(
    con: duckdb.DuckDBPyConnection, campaign_id: str, group_name: str
) -> pd.DataFrame:
    """One group of a campaign, by customer id: customer_id, group, action, channel, offer,
    segment, clv_amount."""
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
    ).df()


def list_campaigns(db: Path, cutoff_at: datetime | None = None) -> pd.DataFrame:
    """Every campaign, newest first, with count_treatment, count_control and ``status`` in a
    snapshot whose data ends before ``cutoff_at`` (all 'scheduled' when None)."""
    with open_ops(db) as con:
        return con.execute(
            f"""
            SELECT c.*,
                   count(*) FILTER (WHERE a.group_name = 'treatment') AS count_treatment,
                   count(*) FILTER (WHERE a.group_name = 'control') AS count_control,
                   {CAMPAIGN_STATUS_SQL} AS status
            FROM campaigns AS c
            LEFT JOIN campaign_assignments AS a USING (campaign_id)
            GROUP BY ALL
            ORDER BY c.launched_at DESC, c.campaign_id DESC
            """,  # noqa: S608 -- a constant expression; the cutoff is a parameter
            {"cutoff_at": cutoff_at},
        ).df()
