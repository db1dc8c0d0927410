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
  ``preview_launch`` (who a rule's launch would leave out), ``LaunchPreview``,
  ``LaunchedCampaign``, ``campaign_clock``, ``CampaignClock``, ``LAUNCH_SOURCES``,
  ``list_campaigns``, ``fetch_campaign``, ``UnknownCampaignError``, ``campaign_group_export``
  (a group streamed in batches, logged first), ``GroupExport``, ``campaign_group_csv``,
  ``export_campaign``, ``EXPORT_COLUMNS``, ``CONTROL_EXPORT_COLUMNS`` (the control file: "do
  not contact", nothing to send), ``export_columns``, ``GROUPS``, ``DEFAULT_CONTROL_SHARE``,
  ``DEFAULT_DURATION_DAYS``, ``import_campaign_file``; ``import_campaign_results``,
  ``ImportedCampaign``, ``imported_outcomes`` (a campaign run elsewhere, loaded from its
  results file); ``treatment_groups``, ``TreatmentGroup`` (whom running campaigns contact);
  ``launch_top_uplift`` (the top share by predicted uplift, with its own control group),
  ``create_uplift_rule`` (the same targeting as a rule of the board);
* audit — ``audit_log``, ``log_segment_export``, ``log_send``, ``log_sign_in``;
* daily contact list — ``launch_daily_list`` (a stored list through ``launch_audience``),
  ``record_list_download`` (through ``log_segment_export``), ``list_audience``,
  ``DEFAULT_LIST_CONTROL_SHARE``;
* users — ``ROLES``, ``VIEWER``, ``ANALYST``, ``CAMPAIGN_OWNER``, ``ADMIN``, ``role_allows``,
  ``User``, ``UserError``, ``add_user``, ``list_users``, ``set_role``, ``set_password``,
  ``remove_user``, ``create_first_admin``, ``login_configured``, ``generate_password``;
* sessions — ``sign_in``, ``session_user``, ``sign_out``, ``Session``, ``SessionUser``,
  ``SignInRefused``, ``DEFAULT_SESSION_HOURS``;
* push outbox — ``PushMessages`` (what a push launch queues, given to ``launch_audience``),
  ``outbox_status``, ``OutboxStatus``, ``push_campaign_ids``; the sender's reads and writes are
  in ``warehouse.commands.outbox`` (imported directly, on the store's engine);
* run records and the model registry: ``warehouse.commands.runs`` and
  ``warehouse.commands.model_registry`` (imported directly; they take the store's engine, which a
  job gets from ``store_engine(db, ops_url=...)``).

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
    "LaunchPreview": "campaigns.launch",
    "preview_launch": "campaigns.launch",
    "campaign_clock": "campaigns.launch",
    "launch_audience": "campaigns.launch",
    "DEFAULT_CONTROL_SHARE": "campaigns.launch",
    "DEFAULT_DURATION_DAYS": "campaigns.launch",
    "launch_campaign": "campaigns.launch",
    "launch_top_uplift": "uplift_launch",
    "create_uplift_rule": "uplift_launch",
    "CONTROL_EXPORT_COLUMNS": "campaigns.export",
    "export_columns": "campaigns.export",
    "EXPORT_COLUMNS": "campaigns.export",
    "GroupExport": "campaigns.export",
    "campaign_group_csv": "campaigns.export",
    "campaign_group_export": "campaigns.export",
    "export_campaign": "campaigns.export",
    "import_campaign_file": "campaigns.imports",
    "ImportedCampaign": "campaigns.results_import",
    "import_campaign_results": "campaigns.results_import",
    "imported_outcomes": "campaigns.results_import",
    "TreatmentGroup": "campaigns.contacts",
    "treatment_groups": "campaigns.contacts",
    "GROUPS": "campaigns.storage",
    "UnknownCampaignError": "campaigns.storage",
    "fetch_campaign": "campaigns.storage",
    "list_campaigns": "campaigns.storage",
    "store_engine": "store",
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
    "launch_daily_list": "daily_list",
    "list_audience": "daily_list",
    "record_list_download": "daily_list",
    "OutboxStatus": "outbox",
    "PushMessages": "outbox",
    "outbox_status": "outbox",
    "push_campaign_ids": "outbox",
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
