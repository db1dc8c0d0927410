"""Launching a campaign: a frozen A/B test with treatment and control.

Two ways in, one way through:

* ``launch_campaign(db, rule_id, ...)`` freezes the customers a rule *wins* (highest-priority
  enabled match) in the current snapshot, with their segment and CLV at that moment (source
  'board');
* ``launch_audience(db, audience, ...)`` freezes an explicit list given by a page or a job (the
  Daily list, Uplift, Decline risk, Promote an item, an import): customer ids, optionally with
  segment and CLV.

Either way the audience is split into treatment and control by a salted hash, stratified by
segment (``assignment.py``, ``analytics.experiments.assignment``). Customers already in a campaign
running at the launch are left out by default (their outcome would mix two treatments); the
result says how many. Assignments are stored and never recomputed, and the launch is audited in
the same transaction.

**The campaign clock.** A campaign is measured against the data after its launch. On a warehouse
of past data (the demo ends in 2015) a launch dated by the wall clock would lie years after the
data and never show a result, so such a launch is dated at the end of the data: midnight (UTC)
after the current snapshot's last event date, the first instant the data does not cover; its
results appear once data after that instant is loaded (e.g. ``demo.simulator``). When the data is
current (its last event date is today or yesterday, UTC), the wall clock dates it. The campaign
row records which clock was used ('data', 'wall', or 'given' when the caller set the date).
"""

from __future__ import annotations

import logging
import operator
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analytics.experiments.assignment import (
    CONTROL,
    TREATMENT,
    assign_groups,
    validate_control_share,
)
from warehouse.clock import cutoff_after, utc_now
from warehouse.commands.audit import LAUNCH, check_user, record
from warehouse.commands.campaigns.assignment import audience_frame, rule_audience, with_units
from warehouse.commands.campaigns.consent import launchable_audience
from warehouse.commands.campaigns.storage import (
    insert_campaign,
    next_campaign_id,
    running_customers,
)
from warehouse.commands.outbox import PushMessages, queue_messages
from warehouse.commands.rules.model import CHANNELS, RuleError
from warehouse.commands.rules.storage import list_rules
from warehouse.ops import ops_store, ops_transaction
from warehouse.ops.schema import CAMPAIGN_SOURCES
from warehouse.schema.fields import read_field_catalogue
from warehouse.snapshots import NoSnapshotError, open_snapshot

DEFAULT_CONTROL_SHARE = 0.2
DEFAULT_DURATION_DAYS = 28
WALL, DATA, GIVEN = "wall", "data", "given"
# Sources a launch may name: 'demo' is the demo's past campaign, recorded only by its import.
LAUNCH_SOURCES = tuple(source for source in CAMPAIGN_SOURCES if source != "demo")
CURRENT_DATA_DAYS = 1  # data whose last event date is this many days old or newer is current

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CampaignClock:
    """When a launch made now is dated, and by which clock ('wall', 'data' or 'given').

    ``data_end`` is midnight (UTC) after the snapshot's last event date, None without one."""

    launched_at: datetime
    clock: str
    data_end: datetime | None = None

    def describe(self) -> str:
        """A sentence for a page: when the campaign starts and why then."""
        when = f"{self.launched_at:%Y-%m-%d %H:%M} UTC"
        if self.clock == DATA:
            return (f"Dated {when}, the end of the data (which is not current): results appear "
                    "once data after that is loaded and refreshed.")
        if self.clock == GIVEN:
            return f"Dated {when}, as given."
        return f"Dated {when}, now: the data is current."


@dataclass(frozen=True)
class LaunchedCampaign:
    """What a launch stored: the campaign, its groups, who was left out, and its clock."""

    campaign_id: str
    name: str
    source: str
    launched_at: datetime
    ends_at: datetime
    clock: str
    count_treatment: int
    count_control: int
    count_excluded: int  # left out: in a campaign running at the launch
    count_no_consent: int = 0  # left out: refused notifications (push and email only)
    count_queued: int = 0  # push messages queued in the outbox (the treatment group's)
    not_before: datetime | None = None  # when the queued messages may go (quiet hours)

    @property
    def audience_size(self) -> int:
        return self.count_treatment + self.count_control

    def describe_clock(self) -> str:
        """The clock's sentence (``CampaignClock.describe``) for this campaign."""
        return CampaignClock(self.launched_at, self.clock).describe()


def _last_event_date(con: duckdb.DuckDBPyConnection) -> date | None:
    [(last,)] = con.execute("SELECT max(last_event_date) FROM refresh_info").fetchall()
    return last


def _published_last_event_date(db: Path) -> date | None:
    """The current snapshot's last event date; None when nothing is published yet."""
    try:
        with open_snapshot(db) as con:
            return _last_event_date(con)
    except NoSnapshotError:
        return None


def _clock(last_event_date: date | None, now: datetime | None, launched_at: datetime | None
           ) -> CampaignClock:
    data_end = None if last_event_date is None else cutoff_after(last_event_date)
    if launched_at is not None:
        if launched_at.tzinfo is not None:
            launched_at = launched_at.astimezone(UTC).replace(tzinfo=None)
        return CampaignClock(launched_at, GIVEN, data_end)
    now = now or utc_now()
    current = (last_event_date is None
               or last_event_date >= (now - timedelta(days=CURRENT_DATA_DAYS)).date())
    if current or data_end is None:
        return CampaignClock(now, WALL, data_end)
    return CampaignClock(data_end, DATA, data_end)


def campaign_clock(db: Path, *, now: datetime | None = None) -> CampaignClock:
    """How a launch made ``now`` (default: the current time, naive UTC) would be dated, from the
    current snapshot's last event date; the wall clock when nothing is published yet."""
    return _clock(_published_last_event_date(db), now, None)


def _text(value: Any, label: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{label} must not be empty")
    return value.strip()


def _duration(duration_days: Any) -> int:
    try:
        days = operator.index(duration_days)
    except TypeError:
        days = 0
    if isinstance(duration_days, bool) or days < 1:
        raise ValueError("campaign duration must be a whole number of days, at least 1, got "
                         f"{duration_days!r}")
    return days


def _store_launch(
    db: Path,
    audience: pd.DataFrame,
    attributes: dict[str, Any],
    *,
    user: str,
    control_share: float,
    duration_days: int,
    clock: CampaignClock,
    exclude_running: bool,
    no_consent: int,
    ops_url: str | None,
    messages: PushMessages | None = None,
) -> LaunchedCampaign:
    """Hash, leave out running campaigns' customers, split, store and audit one campaign
    (``no_consent``: how many the consent filter already left out, for the record), and queue
    the treatment group's ``messages`` in the same transaction."""
    salt = secrets.token_hex(8)
    audience = with_units(audience, salt)
    started = clock.launched_at
    ends = started + timedelta(days=duration_days)
    with ops_transaction(ops_store(db, ops_url)) as connection:  # serialised: ids, exclusions
        excluded = 0
        if exclude_running:
            held = audience["customer_id"].isin(running_customers(connection, started))
            excluded = int(held.sum())
            audience = audience[~held]
        if audience.empty:
            raise ValueError(
                f"all {excluded:,} customers of the audience are in a campaign running on "
                f"{started:%Y-%m-%d}: nothing to launch (a launch can include them on purpose, "
                "without leaving out customers of running campaigns)")
        assigned = assign_groups(audience, control_share)
        campaign_id = next_campaign_id(connection, started)
        name = attributes["name"] or f"{attributes['rule_name']} ({started:%Y-%m-%d})"
        insert_campaign(connection, {
            **attributes, "campaign_id": campaign_id, "name": name,
            "control_share": control_share, "salt": salt, "launched_at": started,
            "ends_at": ends, "audience_size": len(assigned), "clock": clock.clock,
        }, assigned)
        queued = 0 if messages is None else queue_messages(connection, campaign_id, assigned,
                                                           messages)
        record(connection, LAUNCH, user=user, campaign_id=campaign_id, row_count=len(assigned),
               detail={"source": attributes["source"], "clock": clock.clock,
                       "excluded": excluded, "no_consent": no_consent,
                       "rule_id": attributes.get("rule_id"),
                       **({"queued": queued} if messages is not None else {})})
    counts = assigned["group_name"].value_counts()
    launched = LaunchedCampaign(
        campaign_id=campaign_id, name=name, source=attributes["source"], launched_at=started,
        ends_at=ends, clock=clock.clock, count_treatment=int(counts.get(TREATMENT, 0)),
        count_control=int(counts.get(CONTROL, 0)), count_excluded=excluded,
        count_no_consent=no_consent, count_queued=queued,
        not_before=None if messages is None else messages.not_before,
    )
    log.info("%s launched campaign %s (%s, %s clock): %d customers, %d left out", user,
             campaign_id, launched.source, clock.clock, launched.audience_size, excluded)
    return launched


def launch_audience(
    db: Path,
    audience: pd.DataFrame | Iterable[object],
    *,
    user: str,
    name: str,
    action: str,
    channel: str,
    offer: str,
    kpi: str,
    source: str,
    control_share: float = DEFAULT_CONTROL_SHARE,
    duration_days: int = DEFAULT_DURATION_DAYS,
    exclude_running: bool = True,
    launched_at: datetime | None = None,
    ops_url: str | None = None,
    messages: PushMessages | None = None,
) -> LaunchedCampaign:
    """Launch an explicit audience as a campaign; return what was stored.

    ``audience``: customer ids, or a frame with ``customer_id`` and optionally ``segment`` (the
    stratum; NULL ones are filled by the refresh from the segment at launch) and ``clv_amount``.
    ``source`` names the page or job (one of ``LAUNCH_SOURCES``). Customers in a campaign
    running at the launch are left out unless ``exclude_running`` is False, and on push or email
    those who refused notifications (``consent.launchable_audience``). ``launched_at``
    (naive UTC) overrides the campaign clock. A push launch may give ``messages``: the treatment
    group's are queued in the outbox in the launch's transaction (``outbox.queue_messages``), the
    hold-out's dropped. ValueError names what is wrong: an empty text, an
    unknown channel or source, a control share outside (0, 0.5], a duration under one day, a
    bad audience row, or nobody left to launch.
    """
    user = check_user(user)
    share = validate_control_share(control_share)
    days = _duration(duration_days)
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}, got {channel!r}")
    if source not in LAUNCH_SOURCES:
        raise ValueError(f"source must be one of {', '.join(LAUNCH_SOURCES)}, got {source!r}")
    if messages is not None and channel != "push":
        raise ValueError(f"messages are queued for push campaigns only, not {channel!r}")
    attributes = {"name": _text(name, "campaign name"), "action": _text(action, "action"),
                  "channel": channel, "offer": _text(offer, "offer"), "kpi": _text(kpi, "kpi"),
                  "source": source, "rule_id": None, "rule_name": None}
    frame = audience_frame(audience)
    if frame.empty:
        raise ValueError("the audience is empty: nothing to launch")
    consenting, last_event_date = _consenting_audience(db, frame, channel)
    clock = _clock(last_event_date, None, launched_at)
    return _store_launch(db, _all_refused(consenting, len(frame)), attributes, user=user,
                         control_share=share, duration_days=days, clock=clock,
                         exclude_running=exclude_running,
                         no_consent=len(frame) - len(consenting), ops_url=ops_url,
                         messages=messages)


def _consenting_audience(
    db: Path, audience: pd.DataFrame, channel: str
) -> tuple[pd.DataFrame, date | None]:
    """``audience`` without those who refused ``channel`` in the current snapshot, and the
    snapshot's last event date (``audience`` and None when nothing is published yet)."""
    try:
        with open_snapshot(db) as snap:
            return launchable_audience(snap, audience, channel), _last_event_date(snap)
    except NoSnapshotError:
        return audience, None


def _all_refused(consenting: pd.DataFrame, audience_size: int) -> pd.DataFrame:
    if consenting.empty:
        raise ValueError(f"all {audience_size:,} customers of the audience refused "
                         "notifications on this channel: nothing to launch")
    return consenting


def launch_campaign(
    db: Path,
    rule_id: int,
    *,
    user: str,
    name: str | None = None,
    control_share: float = DEFAULT_CONTROL_SHARE,
    duration_days: int = DEFAULT_DURATION_DAYS,
    exclude_running: bool = True,
    launched_at: datetime | None = None,
    ops_url: str | None = None,
) -> LaunchedCampaign:
    """Freeze rule ``rule_id``'s current audience as a campaign (source 'board').

    As ``launch_audience``; RuleError for an unknown or disabled rule, ValueError when the rule
    wins no customer, NoSnapshotError without published data.
    """
    user = check_user(user)
    share = validate_control_share(control_share)
    days = _duration(duration_days)
    rules = list_rules(db, ops_url=ops_url)
    rule = next((r for r in rules if r.rule_id == rule_id), None)
    if rule is None:
        raise RuleError(f"no rule with id {rule_id}")
    if not rule.enabled:
        raise RuleError(f"rule {rule.name!r} is disabled: enable it before launching a campaign")
    with open_snapshot(db) as snap:
        audience = rule_audience(snap, rules, rule_id, read_field_catalogue(snap))
        consenting = launchable_audience(snap, audience, rule.channel)
        clock = _clock(_last_event_date(snap), None, launched_at)
    if audience.empty:
        raise ValueError(f"rule {rule.name!r} wins no customer in the current data: "
                         "nothing to launch")
    attributes = {"name": (name or "").strip() or None, "rule_id": rule.rule_id,
                  "rule_name": rule.name, "action": rule.action, "channel": rule.channel,
                  "offer": rule.offer, "kpi": rule.kpi, "source": "board"}
    return _store_launch(db, _all_refused(consenting, len(audience)), attributes, user=user,
                         control_share=share, duration_days=days, clock=clock,
                         exclude_running=exclude_running,
                         no_consent=len(audience) - len(consenting), ops_url=ops_url)


@dataclass(frozen=True)
class LaunchPreview:
    """What launching a rule now would leave out, before anything is stored."""

    audience_size: int  # customers the rule wins now
    count_running: int  # of them, in a campaign running at the launch's date
    count_no_consent: int  # of them, who refused notifications on the rule's channel


def preview_launch(db: Path, rule_id: int, *, ops_url: str | None = None) -> LaunchPreview:
    """How many of the customers rule ``rule_id`` wins now a launch would leave out (reads
    only). RuleError for an unknown rule, NoSnapshotError without published data."""
    rules = list_rules(db, ops_url=ops_url)
    rule = next((r for r in rules if r.rule_id == rule_id), None)
    if rule is None:
        raise RuleError(f"no rule with id {rule_id}")
    with open_snapshot(db) as snap:
        audience = rule_audience(snap, rules, rule_id, read_field_catalogue(snap))
        consenting = launchable_audience(snap, audience, rule.channel)
        clock = _clock(_last_event_date(snap), None, None)
    with ops_transaction(ops_store(db, ops_url), readonly=True) as connection:
        running = running_customers(connection, clock.launched_at)
    return LaunchPreview(audience_size=len(audience),
                         count_running=int(audience["customer_id"].isin(running).sum()),
                         count_no_consent=len(audience) - len(consenting))
