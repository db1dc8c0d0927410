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
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analytics.assignment import CONTROL, TREATMENT, assign_groups, validate_control_share
from warehouse.clock import utc_now
from warehouse.connections import transaction
from warehouse.frames import insert_frame
from warehouse.ops_schema import open_ops
from warehouse.rules import Rule, RuleError, list_rules, winners_sql
from warehouse.schema.campaigns import CAMPAIGN_STATUS_SQL
from warehouse.snapshots import open_snapshot

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


def rule_audience(
    con: duckdb.DuckDBPyConnection, rules: list[Rule], rule_id: int, salt: str
) -> pd.DataFrame:
    """Customers ``rule_id`` wins in snapshot ``con``: customer_id, segment, clv_amount, unit."""
    sql, params = winners_sql(rules)
    # sql is compiled from whitelisted fields with parameters only
    query = (f"SELECT customer_id, segment, clv_amount, {UNIT_SQL} AS unit "  # noqa: S608
             f"FROM ({sql}) WHERE winner_rule_id = ? ORDER BY customer_id")
    return con.execute(query, [salt, *params, rule_id]).df()


_ISSUED_IDS: set[tuple[str, str]] = set()  # (store file, campaign id)
_ID_LOCK = threading.Lock()


def _next_campaign_id(con: duckdb.DuckDBPyConnection, launched_at: datetime) -> str:
    """``c-<launch day>-<n>``, the day's next number. Ids handed out by this process are
    remembered, so launches on two dashboard threads at once never take the same id (their
    transactions cannot see each other's row); only one process can open the store at a time."""
    prefix = f"c-{launched_at:%Y%m%d}-"
    [(store,)] = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    with _ID_LOCK:
        [(count,)] = con.execute(
            "SELECT count(*) FROM campaigns WHERE starts_with(campaign_id, ?)", [prefix]
        ).fetchall()
        number = count + 1
        while (store, f"{prefix}{number}") in _ISSUED_IDS or con.execute(
            "SELECT 1 FROM campaigns WHERE campaign_id = ?", [f"{prefix}{number}"]
        ).fetchall():
            number += 1
        _ISSUED_IDS.add((store, f"{prefix}{number}"))
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
    with open_snapshot(db) as snap:
        audience = rule_audience(snap, rules, rule_id, salt)
    if audience.empty:
        raise ValueError(f"rule {rule.name!r} wins no customer in the current data: "
                         "nothing to launch")
    assigned = assign_groups(audience, share)[["customer_id", "group_name", "segment",
                                               "clv_amount"]]
    started = launched_at or utc_now()
    with open_ops(db) as con, transaction(con):
        campaign_id = _next_campaign_id(con, started)
        con.execute(
            "INSERT INTO campaigns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'board')",
            [campaign_id, name or f"{rule.name} ({started:%Y-%m-%d})", rule.rule_id,
             rule.name, rule.action, rule.channel, rule.offer, rule.kpi, share, salt,
             started, started + timedelta(days=int(duration_days)), len(assigned)],
        )
        insert_frame(con, "campaign_assignments", assigned.assign(campaign_id=campaign_id))
        log_audit(con, "launch", campaign_id, None, len(assigned))
    return campaign_id


def fetch_campaign(con: duckdb.DuckDBPyConnection, campaign_id: str) -> dict[str, Any]:
    frame = con.execute("SELECT * FROM campaigns WHERE campaign_id = ?", [campaign_id]).df()
    if frame.empty:
        raise UnknownCampaignError(
            f"no campaign {campaign_id!r}; ids look like c-20150918-1 (see the Action board)"
        )
    return frame.iloc[0].to_dict()


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


def audit_log(db: Path, limit: int = 200) -> pd.DataFrame:
    """The latest ``limit`` audit rows, newest first."""
    with open_ops(db) as con:
        return con.execute(
            "SELECT * FROM audit_log ORDER BY logged_at DESC LIMIT ?", [int(limit)]
        ).df()
