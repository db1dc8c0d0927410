"""Action rules: the model, validation against the field catalogue, compilation to SQL over
``customers`` and storage in the operational store."""

from warehouse.commands.rules.catalogue import COMPARISONS, OPS_BY_TYPE, RELATIVE, snapshot_fields
from warehouse.commands.rules.compiler import Thresholds, compile_conditions, winners_sql
from warehouse.commands.rules.model import CHANNELS, KPIS, Rule, RuleError
from warehouse.commands.rules.storage import (
    create_rule,
    delete_rule,
    get_rule,
    list_rules,
    move_rule,
    set_rule_enabled,
    update_rule,
)
from warehouse.commands.rules.validation import (
    normalise_conditions,
    parse_conditions,
    timestamp_text,
    validate_conditions,
    validate_rule,
)

__all__ = [
    "CHANNELS", "COMPARISONS", "KPIS", "OPS_BY_TYPE", "RELATIVE", "Rule", "RuleError",
    "Thresholds", "compile_conditions", "create_rule", "delete_rule", "get_rule", "list_rules",
    "move_rule", "normalise_conditions", "parse_conditions", "set_rule_enabled",
    "snapshot_fields", "timestamp_text", "update_rule", "validate_conditions", "validate_rule",
    "winners_sql",
]
