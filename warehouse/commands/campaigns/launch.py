"""Launching a rule's audience as a campaign: a frozen A/B test with treatment and control.

Launching freezes the audience — the customers the rule *wins* (highest-priority enabled match)
in the current snapshot, with their segment and CLV at that moment — and splits it into treatment
and control (``analytics.experiments.assignment``) by a salted hash (``assignment.py``).
Assignments are stored and never recomputed, so later snapshots cannot change them. The launch is
audited in the same transaction.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from analytics.experiments.assignment import assign_groups, validate_control_share
from warehouse.clock import utc_now
from warehouse.commands.audit import LAUNCH, log_audit
from warehouse.commands.campaigns.assignment import rule_audience
from warehouse.commands.campaigns.storage import insert_campaign, next_campaign_id
from warehouse.commands.ops_store import write
from warehouse.commands.rules.model import RuleError
from warehouse.commands.rules.storage import list_rules
from warehouse.schema.fields import read_field_catalogue
from warehouse.snapshots import open_snapshot

DEFAULT_CONTROL_SHARE = 0.2
DEFAULT_DURATION_DAYS = 28

log = logging.getLogger(__name__)


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
        audience = rule_audience(snap, rules, rule_id, salt, read_field_catalogue(snap))
    if audience.empty:
        raise ValueError(f"rule {rule.name!r} wins no customer in the current data: "
                         "nothing to launch")
    assigned = assign_groups(audience, share)[["customer_id", "group_name", "segment",
                                               "clv_amount"]]
    started = launched_at or utc_now()

    def store(con) -> str:
        campaign_id = next_campaign_id(con, started)
        insert_campaign(con, {
            "campaign_id": campaign_id, "name": name or f"{rule.name} ({started:%Y-%m-%d})",
            "rule_id": rule.rule_id, "rule_name": rule.name, "action": rule.action,
            "channel": rule.channel, "offer": rule.offer, "kpi": rule.kpi,
            "control_share": share, "salt": salt, "launched_at": started,
            "ends_at": started + timedelta(days=int(duration_days)),
            "audience_size": len(assigned),
        }, assigned)
        log_audit(con, LAUNCH, campaign_id, None, len(assigned))
        return campaign_id

    campaign_id = write(db, store)
    log.info("launched campaign %s from rule %r: %d customers", campaign_id, rule.name,
             len(assigned))
    return campaign_id
