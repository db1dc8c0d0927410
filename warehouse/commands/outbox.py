"""The push outbox: messages queued at a push launch, and their delivery state.

``queue_messages`` runs inside the launch's own transaction (``campaigns.launch``): the campaign,
its assignments, its audit row and its messages are committed together or not at all. Only the
treatment group gets rows; the hold-out never has a message that could be sent. The sender
(``warehouse.delivery.sender``) reads due messages with ``due_messages`` and writes back what the
provider answered with ``record_outcomes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, and_, func, select, update

from analytics.experiments.assignment import TREATMENT
from warehouse.ops import ops_store, ops_store_exists, ops_transaction
from warehouse.ops.bulk import insert_rows
from warehouse.ops.schema import campaigns, outbox

QUEUED, SENT, FAILED, SKIPPED = "queued", "sent", "failed", "skipped"
MESSAGE_COLUMNS = ("customer_id", "title", "body", "deep_link")
RESPONSE_WIDTH = 1000  # characters of a provider's answer kept per message
# SQLAlchemy's text form of a DateTime on SQLite; PostgreSQL's COPY reads it too.
_STORED_TIME = "%Y-%m-%d %H:%M:%S.%f"


@dataclass(frozen=True)
class PushMessages:
    """What a push launch queues: a rendered message per audience customer (``frame`` columns
    customer_id, title, body, deep_link) and the earliest time they may go (quiet hours)."""

    frame: pd.DataFrame
    not_before: datetime  # naive UTC
    queued_at: datetime  # naive UTC, the wall clock at the launch


def idempotency_keys(campaign_id: str, customer_ids: pd.Series) -> pd.Series:
    """Each message's key: its campaign and customer, the same on every retry and re-run."""
    return campaign_id + ":" + customer_ids.astype(str)


def queue_messages(connection: Connection, campaign_id: str, assigned: pd.DataFrame,
                   messages: PushMessages) -> int:
    """Insert the treatment group's messages of ``assigned`` (customer_id, group_name) on the
    launch's open transaction; return how many. ValueError (the launch rolls back) when a
    treatment customer has no message."""
    treated = assigned.loc[assigned["group_name"] == TREATMENT, ["customer_id"]]
    frame = messages.frame.loc[:, list(MESSAGE_COLUMNS)].drop_duplicates("customer_id")
    rows = treated.merge(frame, on="customer_id", how="left", validate="one_to_one")
    missing = rows["title"].isna() | rows["body"].isna()
    if missing.any():
        raise ValueError(f"{int(missing.sum()):,} customers of the treatment group have no "
                         f"rendered message, e.g. {rows.loc[missing, 'customer_id'].iloc[0]!r}")
    rows["deep_link"] = rows["deep_link"].astype("object").where(rows["deep_link"].notna(), None)
    rows["campaign_id"] = campaign_id
    rows["status"] = QUEUED
    rows["attempts"] = 0
    rows["queued_at"] = messages.queued_at.strftime(_STORED_TIME)
    rows["not_before"] = messages.not_before.strftime(_STORED_TIME)
    rows["idempotency_key"] = idempotency_keys(campaign_id, rows["customer_id"])
    columns = ["campaign_id", "customer_id", "title", "body", "deep_link", "status", "attempts",
               "queued_at", "not_before", "idempotency_key"]
    return insert_rows(connection, outbox, columns,
                       rows[columns].itertuples(index=False, name=None))


@dataclass(frozen=True)
class Outcome:
    """What happened to some messages in one attempt: ``status`` 'sent', 'failed' or 'queued'
    (a transient failure: retried later), the provider's answer, and the attempts made."""

    message_ids: tuple[int, ...]
    status: str
    response: str | None
    attempts: int
    at: datetime


def due_messages(engine: Engine, now: datetime, *, campaign_id: str | None = None,
                 after_id: int = 0, limit: int = 500) -> pd.DataFrame:
    """Queued messages whose not-before time has passed, in message order after ``after_id``:
    message_id, campaign_id, customer_id, title, body, deep_link, idempotency_key."""
    columns = ["message_id", "campaign_id", "customer_id", "title", "body", "deep_link",
               "idempotency_key"]
    query = (select(*(outbox.c[name] for name in columns))
             .where(outbox.c.status == QUEUED, outbox.c.not_before <= now,
                    outbox.c.message_id > after_id)
             .order_by(outbox.c.message_id).limit(int(limit)))
    if campaign_id is not None:
        query = query.where(outbox.c.campaign_id == campaign_id)
    with ops_transaction(engine, readonly=True) as connection:
        return pd.DataFrame(connection.execute(query).all(), columns=columns)


def record_outcomes(engine: Engine, outcomes: Sequence[Outcome]) -> None:
    """Write back each outcome's status, attempts, time and answer, in one transaction; a
    message already 'sent' is never changed back."""
    with ops_transaction(engine) as connection:
        for outcome in outcomes:
            if not outcome.message_ids:
                continue
            connection.execute(
                update(outbox)
                .where(outbox.c.message_id.in_(outcome.message_ids), outbox.c.status != SENT)
                .values(status=outcome.status, attempts=outbox.c.attempts + outcome.attempts,
                        last_attempt_at=outcome.at,
                        provider_response=None if outcome.response is None
                        else outcome.response[:RESPONSE_WIDTH]))


def queued_counts(engine: Engine, now: datetime, campaign_id: str | None = None
                  ) -> tuple[int, int]:
    """Queued messages (of ``campaign_id``, or all): (due now, waiting for a later time)."""
    due = (outbox.c.not_before <= now).label("due")
    query = (select(due, func.count()).where(outbox.c.status == QUEUED).group_by(due))
    if campaign_id is not None:
        query = query.where(outbox.c.campaign_id == campaign_id)
    with ops_transaction(engine, readonly=True) as connection:
        found = {bool(row[0]): int(row[1]) for row in connection.execute(query).all()}
    return found.get(True, 0), found.get(False, 0)


@dataclass(frozen=True)
class OutboxStatus:
    """A campaign's messages by state at ``at``: queued and due, held (queued, not before a
    later time: quiet hours), sent, failed, skipped; when the held ones may go, the last
    attempt."""

    at: datetime
    due: int = 0
    held: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    held_until: datetime | None = None
    last_attempt_at: datetime | None = None

    @property
    def total(self) -> int:
        return self.due + self.held + self.sent + self.failed + self.skipped


def outbox_status(db: Path, campaign_id: str, now: datetime, *, ops_url: str | None = None
                  ) -> OutboxStatus:
    """Campaign ``campaign_id``'s messages by state at ``now`` (naive UTC); all zero without a
    store or messages."""
    if not ops_store_exists(Path(db), ops_url):
        return OutboxStatus(now)
    held = and_(outbox.c.status == QUEUED, outbox.c.not_before > now).label("held")
    query = (select(outbox.c.status, held, func.count(), func.min(outbox.c.not_before),
                    func.max(outbox.c.last_attempt_at))
             .where(outbox.c.campaign_id == campaign_id).group_by(outbox.c.status, held))
    with ops_transaction(ops_store(Path(db), ops_url), readonly=True) as connection:
        rows = connection.execute(query).all()
    counts: dict[str, int] = {}
    held_until, attempts = None, [row[4] for row in rows if row[4] is not None]
    for status, is_held, count, not_before, _ in rows:
        name = "held" if is_held else ("due" if status == QUEUED else status)
        counts[name] = counts.get(name, 0) + int(count)
        if is_held:
            held_until = not_before
    return OutboxStatus(now, **counts, held_until=held_until,
                        last_attempt_at=max(attempts) if attempts else None)


def push_campaign_ids(db: Path, *, ops_url: str | None = None) -> list[tuple[str, str]]:
    """(campaign id, name) of the campaigns with messages in the outbox, newest first."""
    if not ops_store_exists(Path(db), ops_url):
        return []
    query = (select(campaigns.c.campaign_id, campaigns.c.name)
             .where(campaigns.c.campaign_id.in_(select(outbox.c.campaign_id).distinct()))
             .order_by(campaigns.c.launched_at.desc(), campaigns.c.campaign_id.desc()))
    with ops_transaction(ops_store(Path(db), ops_url), readonly=True) as connection:
        return [(str(row[0]), str(row[1])) for row in connection.execute(query).all()]


def campaign_exists(engine: Engine, campaign_id: str) -> bool:
    """Whether the store holds campaign ``campaign_id``."""
    with ops_transaction(engine, readonly=True) as connection:
        return connection.execute(select(campaigns.c.campaign_id).where(
            campaigns.c.campaign_id == campaign_id)).first() is not None
