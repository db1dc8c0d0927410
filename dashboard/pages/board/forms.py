"""The Action board's rule editor in words: field and operator labels, conditions ↔ editor rows.

A marketer edits conditions as rows of (field, operator, value); ``rows_to_conditions`` turns them
into the JSON list ``warehouse.commands`` validates, without judging them, so every mistake is
reported by ``RuleError`` in one place. A row joined by "or" to the row above belongs to the same
OR group (``{"any": [...]}``), so every rule the store accepts can be edited as rows.
"""

from __future__ import annotations

import json
from typing import Any

from warehouse.commands import OPS_BY_TYPE
from warehouse.schema.fields import NUMBER, TEXT, TIMESTAMP, FieldCatalogue

OP_LABELS: dict[str, dict[str, str]] = {
    NUMBER: {"=": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥",
             "top_pct": "in the top … %", "bottom_pct": "in the bottom … %"},
    TEXT: {"=": "is", "!=": "is not", "in": "is one of (comma-separated)"},
    TIMESTAMP: {"<": "before", "<=": "on or before", ">": "after", ">=": "on or after"},
}
VALUE_HINTS = {NUMBER: "a number, e.g. 20", TEXT: "a name, e.g. Champions",
               TIMESTAMP: "a date YYYY-MM-DD"}
JSON_EXAMPLE = json.dumps(
    [{"field": "monetary_amount", "op": "top_pct", "value": 20},
     {"any": [{"field": "recency_days", "op": "top_pct", "value": 30},
              {"field": "p_alive", "op": "bottom_pct", "value": 30}]}],
    indent=1,
)


def _kind(field: str | None, catalogue: FieldCatalogue) -> str | None:
    known = catalogue.get(field) if isinstance(field, str) else None
    return known.type if known else None


def field_options(catalogue: FieldCatalogue) -> list[dict[str, str]]:
    """Options of the field dropdown, in the catalogue's order."""
    return [{"label": field.label, "value": name} for name, field in catalogue.items()]


def op_options(field: str | None, catalogue: FieldCatalogue) -> list[dict[str, str]]:
    """Operators allowed for ``field`` (none until a field is chosen)."""
    kind = _kind(field, catalogue)
    if kind is None:
        return []
    return [{"label": OP_LABELS[kind][op], "value": op} for op in OPS_BY_TYPE[kind]]


def value_hint(field: str | None, op: str | None, catalogue: FieldCatalogue) -> str:
    """Placeholder of the value box: what to type for this field and operator."""
    kind = _kind(field, catalogue)
    if kind is None:
        return "choose a field first"
    if op in ("top_pct", "bottom_pct"):
        return "a percentage, e.g. 20"
    if op == "in":
        return "names separated by commas"
    return VALUE_HINTS[kind]


def _parse_value(field: str | None, op: str | None, text: Any, catalogue: FieldCatalogue) -> Any:
    """The typed value as the rule expects it; left as typed when it does not parse, so that
    validation names the field and what it needed."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if not isinstance(text, str):
        return text
    text = text.strip()
    kind = _kind(field, catalogue)
    if kind == NUMBER:
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return text
        return int(number) if number.is_integer() else number
    if op == "in":
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


AND, OR = "and", "or"  # how a row joins the one above it
JOIN_OPTIONS = [{"label": "and", "value": AND}, {"label": "or", "value": OR}]


def rows_to_conditions(
    fields: list[str | None], ops: list[str | None], values: list[Any], catalogue: FieldCatalogue,
    joins: list[str | None] | None = None,
) -> list[dict[str, Any]]:
    """Editor rows → conditions. Rows joined by "or" to the row above form one OR group
    (``{"any": [...]}``); groups are combined with AND. Rows left completely blank are ignored."""
    joins = joins if joins is not None else [AND] * len(fields)
    groups: list[list[dict[str, Any]]] = []
    for field, op, value, join in zip(fields, ops, values, joins, strict=True):
        parsed = _parse_value(field, op, value, catalogue)
        if not field and parsed is None:
            continue
        condition = {"field": field, "op": op, "value": parsed}
        if join == OR and groups:
            groups[-1].append(condition)
        else:
            groups.append([condition])
    return [group[0] if len(group) == 1 else {"any": group} for group in groups]


def _format_value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _is_condition(item: Any) -> bool:
    return isinstance(item, dict) and {"field", "op", "value"} <= item.keys()


def conditions_to_rows(
    conditions: list[dict[str, Any]],
) -> list[tuple[str, str, str, str]] | None:
    """(field, op, value text, join) per condition, an OR group's members joined by "or"; None
    when the stored conditions are not of that shape (only the JSON editor can show them)."""
    rows = []
    for item in conditions:
        group = item.get("any") if isinstance(item, dict) and "any" in item else [item]
        if not isinstance(group, list) or not group or not all(map(_is_condition, group)):
            return None
        rows += [(c["field"], c["op"], _format_value(c["value"]), OR if i else AND)
                 for i, c in enumerate(group)]
    return rows


def _describe_one(item: dict[str, Any], catalogue: FieldCatalogue) -> str:
    field, op, value = item.get("field"), item.get("op"), item.get("value")
    known = catalogue.get(field) if isinstance(field, str) else None
    label = (known.label if known else str(field)).lower()
    if op == "top_pct":
        return f"{label} in the top {_format_value(value)}%"
    if op == "bottom_pct":
        return f"{label} in the bottom {_format_value(value)}%"
    kind = known.type if known else NUMBER
    if op == "in":
        return f"{label} is one of {_format_value(value)}"
    words = OP_LABELS[kind].get(op, op)
    shown = f"'{value}'" if kind == TEXT else _format_value(value)
    return f"{label} {words} {shown}"


def describe_conditions(conditions: list[dict[str, Any]], catalogue: FieldCatalogue) -> str:
    """A rule's conditions as a sentence: ``total spend (monetary) in the top 20% AND (…)``."""
    parts = []
    for item in conditions:
        if "any" in item:
            inner = " OR ".join(_describe_one(one, catalogue) for one in item["any"])
            parts.append(f"({inner})")
        else:
            parts.append(_describe_one(item, catalogue))
    return " AND ".join(parts)
