"""Campaigns: launch a rule's audience as a frozen A/B test; list, read and audit them.

Launching freezes the audience — the customers the rule *wins* (highest-priority enabled match)
in the current snapshot, with their segment and CLV at that moment — and splits it into treatment
and control (``analytics.assignment``). The per-customer hash is computed in DuckDB, vectorised:
``unit = first 52 bits of md5(salt || ':' || customer_id) / 2^52``, uniform in [0, 1). md5 is used
as a well-mixed, portable digest (anyone can recompute an assignment), not for security; each
campaign has its own random salt, so campaigns are independent. Assignments are stored and never
recomputed, so later snapshots cannot change them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analytics.assignment import CONTROL, TREATMENT, assign_groups, validate_control_share
from warehouse.ops_schema import utc_now
from warehouse.rules import Rule, RuleError, list_rules, winners_sql
from warehouse.store import NoSnapshotError, current_snapshot, open_ops

DEFAULT_CONTROL_SHARE = 0.2
DEFAULT_DURATION_DAYS = 28
GROUPS = (TREATMENT, CONTROL)
HASH_BITS = 52  # 13 hex digits: exact in a DOUBLE

UNIT_SQL = (
    f"CAST(CAST('0x' || substr(md5(? || ':' || customer_id), 1, {HASH_BITS // 4}) AS BIGINT) "
    f"AS DOUBLE) / {2**HASH_BITS}.0"
)


class UnknownCampaignError(ValueError):
    """No campaign with this id in the operational store."""


@contextmanager
def snapshot_connection(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short read-only connection to the current snapshot (NoSnapshotError if none)."""
    path = current_snapshot(db)
    if path is None:
        raise NoSnapshotError(f"No published data for {db}. Run: python app.py refresh --db {db}")
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def rule_audience(
    con: duckdb.DuckDBPyConnection, rules: list[Rule], rule_id: int, salt: str
) -> pd.DataFrame:
    """Customers ``rule_id`` wins in snapshot ``con``: customer_id, segment, clv_amount, unit."""
    sql, params = winners_sql(rules)
    # sql is compiled from whitelisted fields with parameters only
    query = (f"SELECT customer_id, segment, clv_amount, {UNIT_SQL} AS unit "  # noqa: S608
             f"FROM ({sql}) WHERE winner_rule_id = ? ORDER BY customer_id")
    return con.execute(query, [salt, *params, rule_id]).df()


def _next_campaign_id(con: duckdb.DuckDBPyConnection, launched_at: datetime) -> str:
    prefix = f"c-{launched_at:%Y%m%d}-"
    [(count,)] = con.execute(
        "SELECT count(*) FROM campaigns WHERE starts_with(campaign_id, ?)", [prefix]
    ).fetchall()
    number = count + 1
    while con.execute("SELECT 1 FROM campaigns WHERE campaign_id = ?",
                      [f"{prefix}{number}"]).fetchall():
        number += 1
    return f"{prefix}{number}"


def log_audit(
    con: duckdb.DuckDBPyConnection,
    event: str,
    campaign_id: str,
    group_name: str | None,
    row_count: int,
    file_name: str | None = None,
) -> None:
    """Append one ``audit_log`` row ('launch' or 'export') on an open ops connection."""
    con.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?)",
                [utc_now(), event, campaign_id, group_name, row_count, file_name])


def launch_campaign(
    db: Path,
    rule_id: int,
    *,
    name: str | None = None,
    control_share: float = DEFAULT_CONTROL_SHARE,
    duration_days: int = DEFAULT_DURATION_DAYS,
    launched_at: datetime | None = None,
) -> str:
    """Freeze rule ``rule_id``'s current audience, assign groups, store it; return the campaign id.

    Raises ValueError for a control share outside (0, 0.5], a non-positive duration, an unknown or
    disabled rule, or an empty audience; NoSnapshotError without published data.
    """
    share = validate_control_share(control_share)
    if int(duration_days) < 1:
        raise ValueError(f"campaign duration must be at least 1 day, got {duration_days}")
    rules = list_rules(db)
    rule = next((r for r in rules if r.rule_id == rule_id), None)
    if rule is None:
        raise RuleError(f"no rule with id {rule_id}")
    if not rule.enabled:
        raise RuleError(f"rule {rule.name!r} is disabled: enable it before launching a campaign")
    salt = secrets.token_hex(8)
    with snapshot_connection(db) as snap:
        audience = rule_audience(snap, rules, rule_id, salt)
    if audience.empty:
        raise ValueError(f"rule {rule.name!r} wins no customer in the current data: "
                         "nothing to launch")
    assigned = assign_groups(audience, share)[["customer_id", "group_name", "segment",
                                               "clv_amount"]]
    started = launched_at or utc_now()
    with open_ops(db) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            campaign_id = _next_campaign_id(con, started)
            con.execute(
                "INSERT INTO campaigns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'board')",
                [campaign_id, name or f"{rule.name} ({started:%Y-%m-%d})", rule.rule_id,
                 rule.name, rule.action, rule.channel, rule.offer, rule.kpi, share, salt,
                 started, started + timedelta(days=int(duration_days)), len(assigned)],
            )
            con.register("launch_frame", assigned.assign(campaign_id=campaign_id))
            con.execute("INSERT INTO campaign_assignments BY NAME SELECT * FROM launch_frame")
            con.unregister("launch_frame")
            log_audit(con, "launch", campaign_id, None, len(assigned))
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return campaign_id


def get_campaign(db: Path, campaign_id: str) -> dict[str, Any]:
    """One campaign as a dict of the ``campaigns`` columns; UnknownCampaignError if absent."""
    with open_ops(db) as con:
        return fetch_campaign(con, campaign_id)


def fetch_campaign(con: duckdb.DuckDBPyConnection, campaign_id: str) -> dict[str, Any]:
    frame = con.execute("SELECT * FROM campaigns WHERE campaign_id = ?", [campaign_id]).df()
    if frame.empty:
        raise UnknownCampaignError(
            f"no campaign {campaign_id!r}; ids look like c-20150918-1 (see the Action board)"
        )
    return frame.iloc[0].to_dict()


def list_campaigns(db: Path) -> pd.DataFrame:
    """Every campaign, newest first, with count_treatment and count_control."""
    with open_ops(db) as con:
        return con.execute(
            """
            SELECT c.*,
                   count(*) FILTER (WHERE a.group_name = 'treatment') AS count_treatment,
                   count(*) FILTER (WHERE a.group_name = 'control') AS count_control
            FROM campaigns AS c
            LEFT JOIN campaign_assignments AS a USING (campaign_id)
            GROUP BY ALL
            ORDER BY c.launched_at DESC, c.campaign_id DESC
            """
        ).df()


def campaign_assignments(
    db: Path, campaign_id: str, group_name: str | None = None
) -> pd.DataFrame:
    """customer_id, group_name, segment, clv_amount of a campaign (one group if given)."""
    if group_name is not None and group_name not in GROUPS:
        raise ValueError(f"group must be one of {', '.join(GROUPS)}, got {group_name!r}")
    with open_ops(db) as con:
        fetch_campaign(con, campaign_id)
        return con.execute(
            "SELECT customer_id, group_name, segment, clv_amount FROM campaign_assignments "
            "WHERE campaign_id = ? AND (? IS NULL OR group_name = ?) ORDER BY customer_id",
            [campaign_id, group_name, group_name],
        ).df()


def audit_log(db: Path, limit: int = 200) -> pd.DataFrame:
    """The latest ``limit`` audit rows, newest first."""
    with open_ops(db) as con:
        return con.execute(
            "SELECT * FROM audit_log ORDER BY logged_at DESC LIMIT ?", [int(limit)]
        ).df()
