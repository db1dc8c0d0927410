"""The Action board's default rules for the risk × profit groups, added through the command side.

They name the bands the decline model publishes (``decline_risk_band``, ``decline_profit_band``,
``decline_top_reason``), so they follow the band settings of each run. They are added once per
operational store, when the first decline model is registered there, after the first snapshot
holding the decline fields is published (rules are checked against its field catalogue); a rule
a user deleted later does not come back, and a rule of the same name is left as it is. Each
addition is an audited 'rule_change' by the user ``JOB_USER``.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

JOB_USER = "decline-job"  # the acting user the audit log records for the job's rule changes
PROMOTION_REASON = "promotion share"  # the top reason of a promotion-led customer
DECLINE_RULES: list[dict[str, object]] = [
    {
        "name": "Decline: high risk, high profit",
        "conditions": [{"field": "decline_risk_band", "op": "=", "value": "high"},
                       {"field": "decline_profit_band", "op": "=", "value": "high"}],
        "action": "Personal retention offer",
        "channel": "email",
        "offer": "Personal offer from an account manager",
        "kpi": "retention",
    },
    {
        "name": "Decline: high risk, low profit",
        "conditions": [{"field": "decline_risk_band", "op": "=", "value": "high"},
                       {"field": "decline_profit_band", "op": "=", "value": "low"}],
        "action": "Low-cost reminder",
        "channel": "push",
        "offer": "Reminder of their favourite category, no discount",
        "kpi": "reactivation",
    },
    {
        "name": "Decline: medium risk, promotion-led",
        "conditions": [{"field": "decline_risk_band", "op": "=", "value": "medium"},
                       {"field": "decline_top_reason", "op": "=", "value": PROMOTION_REASON}],
        "action": "Promotion-led offer in their popular category",
        "channel": "email",
        "offer": "Promotion in the customer's popular category",
        "kpi": "retention",
    },
    {
        "name": "Decline: low risk, no contact",
        "conditions": [{"field": "decline_risk_band", "op": "=", "value": "low"}],
        "action": "No contact",
        "channel": "onsite",
        "offer": "None",
        "kpi": "retention",
    },
]


def seed_decline_rules(db: Path, *, ops_url: str | None = None) -> list[str]:
    """Add the decline rules the store ``ops_url`` lacks (by name), after the existing ones;
    return the names added. Failures are logged, not raised: the model's results stand without
    rules."""
    from warehouse.commands import Rule, RuleError, create_rule, list_rules

    existing = {rule.name.casefold() for rule in list_rules(db, ops_url=ops_url)}
    added = []
    for rule in DECLINE_RULES:
        if str(rule["name"]).casefold() in existing:
            continue
        try:
            create_rule(db, Rule(**rule), user=JOB_USER, ops_url=ops_url)
        except RuleError as error:
            log.warning("decline rule %r not added: %s", rule["name"], error)
            continue
        added.append(str(rule["name"]))
    return added
