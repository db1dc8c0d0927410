"""Checking a rule before it is stored or evaluated, against the snapshot's field catalogue.

A rule's ``conditions`` is a JSON list combined with AND. An item is either a condition
``{"field": ..., "op": ..., "value": ...}`` or a group ``{"any": [condition, ...]}`` (OR of
conditions, one level deep). Fields are those of the field catalogue (``catalogue.py``);
operators depend on the field's type:

* numbers: ``= != < <= > >=`` with a number, and relative thresholds ``top_pct`` / ``bottom_pct``
  with a percentage in (0, 100] — "in the top 20 % of customers having a value";
* text: ``= !=`` with a string, ``in`` with a non-empty list of strings;
* timestamps: ``< <= > >=`` with an ISO date or date-time (stored normalised, UTC).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, time
from typing import Any

from warehouse.commands.rules.catalogue import OPS_BY_TYPE, RELATIVE
from warehouse.commands.rules.model import CHANNELS, Rule, RuleError
from warehouse.schema.fields import NUMBER, TIMESTAMP, FieldCatalogue


def parse_conditions(conditions: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Conditions from JSON text (as stored or typed) or an already-parsed list."""
    if isinstance(conditions, str):
        try:
            conditions = json.loads(conditions)
        except json.JSONDecodeError as error:
            raise RuleError(
                f"conditions are not valid JSON: {error.msg} (at character {error.pos})"
            ) from None
    if not isinstance(conditions, list):
        raise RuleError("conditions must be a JSON list of {field, op, value} objects")
    return conditions


def timestamp_text(value: Any) -> str | None:
    """An ISO date or date-time string as the text DuckDB casts to a UTC ``TIMESTAMP``
    ('2015-08-01' or '2015-08-01 10:30:00'); None for anything else (e.g. '2015-08-01xyz')."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.date().isoformat() if moment.time() == time() else moment.isoformat(sep=" ")


def normalise_conditions(
    conditions: list[dict[str, Any]], fields: FieldCatalogue
) -> list[dict[str, Any]]:
    """Valid conditions with timestamp values as ``timestamp_text``, the form that is stored."""

    def one(item: dict[str, Any]) -> dict[str, Any]:
        if "any" in item:
            return {"any": [one(inner) for inner in item["any"]]}
        if fields[item["field"]].type == TIMESTAMP:
            return {**item, "value": timestamp_text(item["value"])}
        return item

    return [one(item) for item in conditions]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_condition(
    item: Any,
    where: str,
    fields: FieldCatalogue,
    known_segments: set[str] | None,
    warnings: list[str],
) -> list[str]:
    if not isinstance(item, dict) or not {"field", "op", "value"} <= item.keys():
        return [f"{where}: expected an object with field, op and value, got {item!r}"]
    name, op, value = item["field"], item["op"], item["value"]
    if not isinstance(name, str) or name not in fields:
        return [f"{where}: unknown field {name!r}; allowed: {', '.join(fields)}"]
    kind = fields[name].type
    if op not in OPS_BY_TYPE[kind]:
        allowed = ", ".join(OPS_BY_TYPE[kind])
        return [f"{where}: operator {op!r} is not allowed for {kind} field {name!r} "
                f"(allowed: {allowed})"]
    if kind == NUMBER:
        if op in RELATIVE and not (_is_number(value) and 0 < value <= 100):
            return [f"{where}: the percentage for {op} on {name!r} must be a number above 0 and "
                    f"at most 100{_got(value)}"]
        if not _is_number(value):
            return [f"{where}: the value for {name!r} must be a number{_got(value)}"]
    elif kind == TIMESTAMP:
        if timestamp_text(value) is None:
            return [f"{where}: the value for {name!r} must be a date YYYY-MM-DD (or an ISO "
                    f"date-time){_got(value)}"]
    else:
        values = value if op == "in" else [value]
        if op == "in" and (not isinstance(value, list) or not value):
            return [f"{where}: 'in' on {name!r} needs a list of names separated by "
                    f"commas{_got(value)}"]
        if not all(isinstance(v, str) and v for v in values):
            return [f"{where}: the value for {name!r} must be a name{_got(value)}"]
        if name == "segment" and known_segments is not None:
            unknown = [v for v in values if v not in known_segments]
            if unknown:
                return [f"{where}: no segment named {', '.join(map(repr, unknown))} in the "
                        f"current data; existing segments: {', '.join(sorted(known_segments))}"]
    return []


def _got(value: Any) -> str:
    """What was given, for a message: nothing to say about an empty value."""
    if value is None or value == "" or value == []:
        return ", and it is empty"
    return f"; got {value!r}"


def validate_conditions(
    conditions: str | list[dict[str, Any]],
    fields: FieldCatalogue,
    known_segments: set[str] | None = None,
) -> list[str]:
    """Raise ``RuleError`` listing every invalid condition against the rule ``fields`` (and, when
    ``known_segments`` is given, every segment name not among them, with those that exist);
    return warnings (none are raised today; kept for callers that show them)."""
    items = parse_conditions(conditions)
    if not items:
        raise RuleError("conditions are empty: add at least one condition")
    errors: list[str] = []
    warnings: list[str] = []
    for number, item in enumerate(items, start=1):
        where = f"condition {number}"
        if isinstance(item, dict) and "any" in item:
            group = item["any"]
            if not isinstance(group, list) or not group:
                errors.append(f"{where}: 'any' needs a non-empty list of conditions")
                continue
            for sub, inner in enumerate(group, start=1):
                errors += _check_condition(inner, f"{where}.{sub}", fields, known_segments,
                                           warnings)
        else:
            errors += _check_condition(item, where, fields, known_segments, warnings)
    if errors:
        raise RuleError("; ".join(errors))
    return warnings


def validate_rule(
    rule: Rule, fields: FieldCatalogue, known_segments: set[str] | None = None
) -> list[str]:
    """Raise ``RuleError`` naming each invalid attribute of ``rule``; return warnings."""
    errors = [f"{attr} must not be empty" for attr in ("name", "action", "offer", "kpi")
              if not str(getattr(rule, attr) or "").strip()]
    if rule.channel not in CHANNELS:
        errors.append(f"channel must be one of {', '.join(CHANNELS)}, got {rule.channel!r}")
    try:
        warnings = validate_conditions(rule.conditions, fields, known_segments)
    except RuleError as error:
        errors.append(str(error))
        warnings = []
    if errors:
        raise RuleError("; ".join(errors))
    return warnings
