"""The audit log: who changed a rule, launched, exported, sent or signed in, and what it handed out.

A command appends its row with ``record`` in the transaction of the action it records, so the
action and its audit row are committed together or not at all. Rows name the acting user (a
signed-in user, or "cli" for the command line); rows imported from the DuckDB-era store have none.

Events ('event' column): ``rule_change`` (rule_id; detail: the change as JSON, e.g.
``{"change": "move", "from": 3, "to": 1}``), ``launch`` (campaign_id, row_count), ``export``
(campaign_id and group_name, or segment; row_count, file_name), ``send`` (campaign_id,
group_name, row_count; detail: the channel or provider), ``sign_in`` (detail:
``{"succeeded": true|false, "reason": ..., "address": ...}``), ``sign_out``, ``user_change``
(detail: ``{"change": "add" | "set_role" | "set_password" | "remove", "name": ..., ...}``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, insert, select

from warehouse.clock import utc_now
from warehouse.ops import ops_store, ops_transaction
from warehouse.ops.schema import audit_log as audit_table

RULE_CHANGE, LAUNCH, EXPORT, SEND, SIGN_IN = "rule_change", "launch", "export", "send", "sign_in"
USER_CHANGE, SIGN_OUT = "user_change", "sign_out"
COLUMNS = ["logged_at", "user_name", "event", "campaign_id", "segment", "rule_id", "group_name",
           "row_count", "file_name", "detail"]
MAX_USER_LENGTH = 200


def check_user(user: str) -> str:
    """The acting user's name, stripped; ValueError when it is not a non-empty name."""
    if not isinstance(user, str) or not user.strip():
        raise ValueError(f"the acting user must be a non-empty name, got {user!r}")
    if len(user.strip()) > MAX_USER_LENGTH:
        raise ValueError(f"the acting user's name is longer than {MAX_USER_LENGTH} characters")
    return user.strip()


def record(
    connection: Connection,
    event: str,
    *,
    user: str,
    campaign_id: str | None = None,
    segment: str | None = None,
    rule_id: int | None = None,
    group_name: str | None = None,
    row_count: int | None = None,
    file_name: str | None = None,
    detail: str | dict[str, Any] | None = None,
) -> None:
    """Append one audit row on an open store transaction (the action's own)."""
    connection.execute(insert(audit_table).values(
        logged_at=utc_now(), user_name=check_user(user), event=event, campaign_id=campaign_id,
        segment=segment, rule_id=rule_id, group_name=group_name,
        row_count=None if row_count is None else int(row_count), file_name=file_name,
        detail=json.dumps(detail, default=str) if isinstance(detail, dict) else detail,
    ))


def audit_log(db: Path, limit: int = 200, *, ops_url: str | None = None) -> pd.DataFrame:
    """The latest ``limit`` audit rows, newest first: logged_at, user_name, event, campaign_id,
    segment, rule_id, group_name, row_count, file_name, detail."""
    query = (select(*(audit_table.c[name] for name in COLUMNS))
             .order_by(audit_table.c.logged_at.desc(), audit_table.c.audit_id.desc())
             .limit(int(limit)))
    with ops_transaction(ops_store(db, ops_url), readonly=True) as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["logged_at"] = pd.to_datetime(frame["logged_at"])
    frame["row_count"] = frame["row_count"].astype("Int64")
    frame["rule_id"] = frame["rule_id"].astype("Int64")
    return frame


def _log(db: Path, ops_url: str | None, event: str, **values: Any) -> None:
    with ops_transaction(ops_store(db, ops_url)) as connection:
        record(connection, event, **values)


def log_segment_export(
    db: Path, segment: str, row_count: int, file_name: str, *, user: str,
    ops_url: str | None = None,
) -> None:
    """Record that ``user`` took ``row_count`` customers of ``segment`` as ``file_name``.

    Call it before handing the file out: if the row cannot be written, the export must not
    happen."""
    _log(db, ops_url, EXPORT, user=user, segment=segment, row_count=row_count,
         file_name=file_name)


def log_send(
    db: Path, campaign_id: str, group_name: str, row_count: int, *, user: str,
    detail: str | dict[str, Any] | None = None, ops_url: str | None = None,
) -> None:
    """Record that ``user`` sent ``row_count`` messages to a campaign's group (``detail``: the
    channel, provider or message)."""
    _log(db, ops_url, SEND, user=user, campaign_id=campaign_id, group_name=group_name,
         row_count=row_count, detail=detail)


def sign_in_detail(succeeded: bool, reason: str | None,
                   address: str | None = None) -> dict[str, Any]:
    """A sign-in row's detail: whether it succeeded, why not, and from where when known."""
    detail: dict[str, Any] = {"succeeded": bool(succeeded), "reason": reason}
    if address is not None:
        detail["address"] = address
    return detail


def log_sign_in(
    db: Path, *, user: str, succeeded: bool, reason: str | None = None,
    address: str | None = None, ops_url: str | None = None,
) -> None:
    """Record a sign-in attempt under the name given, and whether (or why not) it succeeded."""
    _log(db, ops_url, SIGN_IN, user=user, detail=sign_in_detail(succeeded, reason, address))
