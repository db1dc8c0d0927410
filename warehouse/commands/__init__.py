"""The command side: the only code that writes the operational store (rules, campaigns,
assignments, audit log). Pages and the CLI call the functions exported here; they never open the
store themselves. ``ops_store`` holds the store's connection, schema and transactions; the rest
of this package calls it.

Public API (``from warehouse.commands import ...``):

* rules — ``Rule``, ``RuleError``, ``CHANNELS``, ``KPIS``, ``OPS_BY_TYPE``, ``RELATIVE``,
  ``list_rules``, ``get_rule``, ``create_rule``, ``update_rule``, ``move_rule``,
  ``set_rule_enabled``, ``delete_rule``, ``validate_rule``, ``parse_conditions``,
  ``winners_sql``, ``snapshot_fields``;
* campaigns — ``launch_campaign``, ``list_campaigns``, ``fetch_campaign``,
  ``UnknownCampaignError``, ``campaign_group_csv``, ``export_campaign``, ``EXPORT_COLUMNS``,
  ``GROUPS``, ``DEFAULT_CONTROL_SHARE``, ``DEFAULT_DURATION_DAYS``, ``import_campaign_file``;
* audit — ``audit_log``;
* daily contact list — ``launch_daily_list``, ``record_list_download``, ``list_audience``,
  ``DEFAULT_LIST_CONTROL_SHARE``, ``ListLaunchUnavailableError``;
* run records and the model registry: ``warehouse.commands.runs`` and
  ``warehouse.commands.model_registry`` (imported directly).

Names are imported on first use, so that a caller needing one command (the ingest recording the
demo campaign) does not load every module of the command side.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "audit_log": "audit",
    "DEFAULT_CONTROL_SHARE": "campaigns.launch",
    "DEFAULT_DURATION_DAYS": "campaigns.launch",
    "launch_campaign": "campaigns.launch",
    "EXPORT_COLUMNS": "campaigns.export",
    "campaign_group_csv": "campaigns.export",
    "export_campaign": "campaigns.export",
    "import_campaign_file": "campaigns.imports",
    "GROUPS": "campaigns.storage",
    "UnknownCampaignError": "campaigns.storage",
    "fetch_campaign": "campaigns.storage",
    "list_campaigns": "campaigns.storage",
    "OPS_BY_TYPE": "rules.catalogue",
    "RELATIVE": "rules.catalogue",
    "snapshot_fields": "rules.catalogue",
    "winners_sql": "rules.compiler",
    "CHANNELS": "rules.model",
    "KPIS": "rules.model",
    "Rule": "rules.model",
    "RuleError": "rules.model",
    "create_rule": "rules.storage",
    "delete_rule": "rules.storage",
    "get_rule": "rules.storage",
    "list_rules": "rules.storage",
    "move_rule": "rules.storage",
    "set_rule_enabled": "rules.storage",
    "update_rule": "rules.storage",
    "parse_conditions": "rules.validation",
    "validate_rule": "rules.validation",
    "DEFAULT_LIST_CONTROL_SHARE": "daily_list",
    "ListLaunchUnavailableError": "daily_list",
    "launch_daily_list": "daily_list",
    "list_audience": "daily_list",
    "record_list_download": "daily_list",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
