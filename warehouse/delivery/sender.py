"""The sender: delivers the outbox's due push messages through the configured adapter.

``send_queued`` (``python app.py send``) is a recorded run (kind 'send'). Inside the quiet hours
it sends nothing and says how many wait and when the window opens. Otherwise it takes the queued
messages whose not-before time has passed, in batches of at most 500, at the rate limit, hands
each batch to the adapter and writes back each message's status, attempts and the provider's
answer before taking the next; a batch still failing after its retries stops the run (the
provider is down) and stays queued for the next run. A customer who opted out of pushes after
the launch (``customer_push_consent`` of the published data says so) is not sent the message:
it is marked 'skipped'. Only 'queued' rows are ever read, so a
re-run never sends a 'sent' message again; the hold-out has no rows at all. Each campaign that had
messages delivered or refused gets an audit row ('send') with the acting user. A run refuses to
start while another send run is still going: on this machine a lock beside the warehouse decides
(two runs started at the same instant cannot both pass), and the run records catch a sender on
another machine sharing the store. Were two senders ever to take the same messages, the
idempotency keys let the provider drop the copies.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from analytics.experiments.assignment import TREATMENT
from warehouse.clock import utc_now
from warehouse.commands import log_send
from warehouse.commands.outbox import (
    FAILED,
    QUEUED,
    SENT,
    SKIPPED,
    Outcome,
    campaign_exists,
    due_messages,
    queued_counts,
    record_outcomes,
)
from warehouse.commands.runs import list_runs, record_run
from warehouse.commands.store import store_engine
from warehouse.delivery.adapters import make_adapter
from warehouse.delivery.rate import RateLimiter
from warehouse.delivery.settings import DeliverySettings
from warehouse.locks import LockTaken, held_exclusively
from warehouse.snapshots import NoSnapshotError, open_snapshot

log = logging.getLogger(__name__)


@dataclass
class SendSummary:
    """What one run of the sender did."""

    adapter: str
    sent: int = 0
    failed: int = 0
    skipped: int = 0  # opted out since the launch
    retry_later: int = 0  # still queued after a batch's retries failed
    held: int = 0  # queued, waiting for their not-before time or the end of the quiet hours
    quiet_until: datetime | None = None  # set when the run fell inside the quiet hours
    by_campaign: dict[str, dict[str, int]] = field(default_factory=dict)
    target: str = ""

    def describe(self) -> str:
        if self.quiet_until is not None:
            return (f"Quiet hours: nothing sent; {self.held:,} messages wait until "
                    f"{self.quiet_until:%Y-%m-%d %H:%M} UTC.")
        target = f" ({self.target})" if self.target and self.sent else ""
        lines = [f"Sent {self.sent:,} messages through the {self.adapter} adapter{target}; "
                 f"{self.failed:,} refused by the provider; {self.skipped:,} skipped (opted "
                 f"out since the launch); {self.retry_later:,} left queued "
                 "after failed retries; "
                 f"{self.held:,} held for later (quiet hours)."]
        lines += [f"  {campaign}: {counts.get(SENT, 0):,} sent, {counts.get(FAILED, 0):,} failed"
                  for campaign, counts in sorted(self.by_campaign.items())]
        return "\n".join(lines)


def _tally(summary: SendSummary, outcomes: list[Outcome], campaign_of: dict[int, str]) -> None:
    for outcome in outcomes:
        if outcome.status == QUEUED:
            summary.retry_later += len(outcome.message_ids)
            continue
        per_campaign = pd.Series(outcome.message_ids).map(campaign_of).value_counts()
        for campaign, count in per_campaign.items():
            counts = summary.by_campaign.setdefault(str(campaign), {})
            counts[outcome.status] = counts.get(outcome.status, 0) + int(count)
        if outcome.status == SENT:
            summary.sent += len(outcome.message_ids)
        elif outcome.status == SKIPPED:
            summary.skipped += len(outcome.message_ids)
        else:
            summary.failed += len(outcome.message_ids)


def opted_out_customers(db: Path) -> set[str]:
    """Customers the published data says refused pushes (none without a snapshot or a consent
    list)."""
    try:
        with open_snapshot(Path(db)) as con:
            tables = {row[0] for row in con.execute("SHOW TABLES").fetchall()}
            if "customer_push_consent" not in tables:
                return set()
            return {str(row[0]) for row in con.execute(
                "SELECT customer_id FROM customer_push_consent WHERE NOT is_pushable").fetchall()}
    except NoSnapshotError:
        return set()


def _skip_opted_out(batch: pd.DataFrame, opted_out: set[str], at: datetime
                    ) -> tuple[pd.DataFrame, list[Outcome]]:
    """``batch`` without the opted-out customers, and their 'skipped' outcome."""
    refused = batch["customer_id"].isin(opted_out)
    if not refused.any():
        return batch, []
    ids = tuple(int(i) for i in batch.loc[refused, "message_id"])
    return batch[~refused], [Outcome(ids, SKIPPED, "opted out of pushes since the launch", 0, at)]


def send_queued(
    db: Path,
    settings: DeliverySettings,
    *,
    user: str,
    campaign_id: str | None = None,
    ops_url: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SendSummary:
    """Deliver the due queued messages (of ``campaign_id``, or all) of warehouse ``db``'s store
    (see the module's text). ValueError for wrong settings or an unknown campaign."""
    settings.check()
    engine = store_engine(Path(db), ops_url=ops_url)
    if campaign_id is not None and not campaign_exists(engine, campaign_id):
        raise ValueError(f"no campaign {campaign_id!r} in the operational store")
    try:
        with held_exclusively(send_lock_path(Path(db))):
            summary = _send_alone(engine, Path(db), settings, campaign_id, sleep)
    except LockTaken:
        raise ValueError("another send run is still delivering from this warehouse: wait for it "
                         "to end") from None
    for campaign, counts in sorted(summary.by_campaign.items()):
        log_send(Path(db), campaign, TREATMENT, counts.get(SENT, 0), user=user, ops_url=ops_url,
                 detail={"channel": "push", "adapter": settings.adapter,
                         "target": summary.target, "failed": counts.get(FAILED, 0),
                         "skipped": counts.get(SKIPPED, 0)})
    return summary


def send_lock_path(db: Path) -> Path:
    """The file whose lock a send run holds: beside the warehouse, one per warehouse."""
    return db.with_name(f"{db.name}.send.lock")


def _send_alone(engine: Engine, db: Path, settings: DeliverySettings, campaign_id: str | None,
                sleep: Callable[[float], None]) -> SendSummary:
    """The run itself, while this process holds the send lock."""
    running = list_runs(engine, limit=100).query("kind == 'send' and status == 'running'")
    if not running.empty:
        other = running.iloc[0]
        raise ValueError(f"another send run (run {other['run_id']}, process {other['pid']} on "
                         f"{other['host']}, started {other['started_at']:%Y-%m-%d %H:%M:%S} "
                         "UTC) is still delivering: wait for it to end")
    quiet = settings.quiet_hours
    params = {"adapter": settings.adapter, "campaign_id": campaign_id,
              "batch_size": settings.batch_size, "rate_per_second": settings.rate_per_second}
    with record_run(engine, "send", params) as run:
        now = utc_now()
        summary = SendSummary(settings.adapter)
        if quiet.contains(now):
            due, later = queued_counts(engine, now, campaign_id)
            summary.held, summary.quiet_until = due + later, quiet.next_open(now)
            run.add_counts({"held": summary.held})
            log.info("inside the %s: %d messages wait", quiet.describe(), summary.held)
            return summary
        adapter = make_adapter(settings, now.strftime("%Y%m%dT%H%M%S"), sleep)
        summary.target = str(getattr(adapter, "path", settings.url or ""))
        limiter = RateLimiter(settings.rate_per_second, sleep=sleep)
        campaign_of: dict[int, str] = {}
        opted_out = opted_out_customers(db)
        after_id = 0
        try:
            while not quiet.contains(utc_now()):
                batch = due_messages(engine, now, campaign_id=campaign_id, after_id=after_id,
                                     limit=settings.batch_size)
                if batch.empty:
                    break
                after_id = int(batch["message_id"].max())
                campaign_of.update(zip(batch["message_id"].astype(int), batch["campaign_id"],
                                       strict=True))
                batch, outcomes = _skip_opted_out(batch, opted_out, utc_now())
                if not batch.empty:
                    limiter.wait(len(batch))
                    outcomes += adapter.deliver(batch)
                record_outcomes(engine, outcomes)
                _tally(summary, outcomes, campaign_of)
                if any(outcome.status == QUEUED for outcome in outcomes):
                    log.warning("the provider keeps failing: stopping; the rest stays queued")
                    break
        finally:
            closing = adapter.close()
            record_outcomes(engine, closing)
            _tally(summary, closing, campaign_of)
        _, summary.held = queued_counts(engine, now, campaign_id)
        run.add_counts({"sent": summary.sent, "failed": summary.failed, "skipped": summary.skipped,
                        "retry_later": summary.retry_later, "held": summary.held})
    return summary
