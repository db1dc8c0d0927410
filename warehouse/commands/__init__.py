"""The command side: the only code that writes the operational store (rules, campaigns,
assignments, audit log). Pages and the CLI call the functions exported here; they never open the
store themselves. ``ops_store`` holds the store's connection, schema and transactions; the rest
of this package calls it.

Public API (import from ``warehouse.commands``):

* rules — ``Rule``, ``RuleError``, ``CHANNELS``, ``KPIS``, ``OPS_BY_TYPE``, ``RELATIVE``,
  ``list_rules``, ``get_rule``, ``create_rule``, ``update_rule``, ``move_rule``,
  ``set_rule_enabled``, ``delete_rule``, ``validate_rule``, ``parse_conditions``,
  ``winners_sql``, ``snapshot_fields``;
* campaigns — ``launch_campaign``, ``list_campaigns``, ``fetch_campaign``,
  ``UnknownCampaignError``, ``campaign_group_csv``, ``export_campaign``, ``EXPORT_COLUMNS``,
  ``GROUPS``, ``DEFAULT_CONTROL_SHARE``, ``DEFAULT_DURATION_DAYS``, ``import_campaign_file``;
* audit — ``audit_log``.
"""

from warehouse.commands.audit import audit_log
from warehouse.commands.campaigns import (
    DEFAULT_CONTROL_SHARE,
    DEFAULT_DURATION_DAYS,
    EXPORT_COLUMNS,
    GROUPS,
    UnknownCampaignError,
    campaign_group_csv,
    export_campaign,
    fetch_campaign,
    import_campaign_file,
    launch_campaign,
    list_campaigns,
)
from warehouse.commands.rules import (
    CHANNELS,
    KPIS,
    OPS_BY_TYPE,
    RELATIVE,
    Rule,
    RuleError,
    create_rule,
    delete_rule,
    get_rule,
    list_rules,
    move_rule,
    parse_conditions,
    set_rule_enabled,
    snapshot_fields,
    update_rule,
    validate_rule,
    winners_sql,
)

__all__ = [
    "CHANNELS", "DEFAULT_CONTROL_SHARE", "DEFAULT_DURATION_DAYS", "EXPORT_COLUMNS", "GROUPS",
    "KPIS", "OPS_BY_TYPE", "RELATIVE", "Rule", "RuleError", "UnknownCampaignError",
    "audit_log", "campaign_group_csv", "create_rule", "delete_rule", "export_campaign",
    "fetch_campaign", "get_rule", "import_campaign_file", "launch_campaign", "list_campaigns",
    "list_rules", "move_rule", "parse_conditions", "set_rule_enabled", "snapshot_fields",
    "update_rule", "validate_rule", "winners_sql",
]
