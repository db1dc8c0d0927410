"""The command side: the only code that writes the operational store (rules, campaigns,
assignments, audit log, runs, model metadata). Pages and the CLI call the functions exported
here; they never open the store themselves.

Every command takes the warehouse path ``db`` (its snapshot is read, its store found beside it)
and the keyword ``ops_url`` (the store's URL, ``--ops-url``; None: ``$ACTIONBOARD_OPS_URL``, else
the SQLite file beside ``db``). Every command that changes something or hands customers out
takes the acting user, ``user`` (a signed-in user's name; "cli" from the command line), and
records it in the audit log in the same transaction.

Public API (``from warehouse.commands import ...``):

* rules — ``Rule``, ``RuleError``, ``CHANNELS``, ``KPIS``, ``OPS_BY_TYPE``, ``RELATIVE``,
  ``list_rules``, ``get_rule``, ``create_rule``, ``update_rule``, ``move_rule``,
  ``set_rule_enabled``, ``delete_rule``, ``validate_rule``, ``parse_conditions``,
  ``winners_sql``, ``snapshot_fields``;
* campaigns — ``launch_campaign`` (a rule's winners), ``launch_audience`` (an explicit list),
  ``LaunchedCampaign``, ``campaign_clock``, ``CampaignClock``, ``LAUNCH_SOURCES``,
  ``list_campaigns``, ``fetch_campaign``, ``UnknownCampaignError``, ``campaign_group_export``
  (a group streamed in batches, logged first), ``GroupExport``, ``campaign_group_csv``,
  ``export_campaign``, ``EXPORT_COLUMNS``, ``GROUPS``, ``DEFAULT_CONTROL_SHARE``,
  ``DEFAULT_DURATION_DAYS``, ``import_campaign_file``;
* audit — ``audit_log``, ``log_segment_export``, ``log_send``, ``log_sign_in``;
* users — ``ROLES``, ``VIEWER``, ``ANALYST``, ``CAMPAIGN_OWNER``, ``ADMIN``, ``role_allows``,
  ``User``, ``UserError``, ``add_user``, ``list_users``, ``set_role``, ``set_password``,
  ``remove_user``, ``create_first_admin``, ``login_configured``, ``generate_password``;
* sessions — ``sign_in``, ``session_user``, ``sign_out``, ``Session``, ``SessionUser``,
  ``SignInRefused``, ``DEFAULT_SESSION_HOURS``;
* run records and the model registry: ``warehouse.commands.runs`` and
  ``warehouse.commands.model_registry`` (imported directly; they take the store's engine).

Names are imported on first use, so that a caller needing one command (the ingest recording the
demo campaign) does not load every module of the command side.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "audit_log": "audit",
    "log_segment_export": "audit",
    "log_send": "audit",
    "log_sign_in": "audit",
    "ADMIN": "users",
    "ANALYST": "users",
    "CAMPAIGN_OWNER": "users",
    "ROLES": "users",
    "VIEWER": "users",
    "User": "users",
    "UserError": "users",
    "add_user": "users",
    "create_first_admin": "users",
    "list_users": "users",
    "login_configured": "users",
    "remove_user": "users",
    "role_allows": "users",
    "set_password": "users",
    "set_role": "users",
    "DEFAULT_SESSION_HOURS": "sessions",
    "Session": "sessions",
    "SessionUser": "sessions",
    "SignInRefused": "sessions",
    "session_user": "sessions",
    "sign_in": "sessions",
    "sign_out": "sessions",
    "generate_password": "passwords",
    "CampaignClock": "campaigns.launch",
    "LAUNCH_SOURCES": "campaigns.launch",
    "LaunchedCampaign": "campaigns.launch",
    "campaign_clock": "campaigns.launch",
    "launch_audience": "campaigns.launch",
    "DEFAULT_CONTROL_SHARE": "campaigns.launch",
    "DEFAULT_DURATION_DAYS": "campaigns.launch",
    "launch_campaign": "campaigns.launch",
    "EXPORT_COLUMNS": "campaigns.export",
    "GroupExport": "campaigns.export",
    "campaign_group_csv": "campaigns.export",
    "campaign_group_export": "campaigns.export",
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
