"""The Action board's rule editor in words: field and operator labels, conditions ↔ editor rows.

A marketer edits conditions as rows of (field, operator, value); ``rows_to_conditions`` turns them
into the JSON list ``warehouse.rules`` validates, without judging them, so every mistake is
reported by ``RuleError`` in one place. OR groups (``{"any": [...]}``) are edited as JSON.
"""

from __future__ import annotations

import json
from typing import Any

from warehouse.rules import FIELD_TYPES, NUMBER, OPS_BY_TYPE, TEXT, TIMESTAMP

FIELD_LABELS: dict[str, str] = {
    "segment": "Segment",
    "segment_kind": "Segment kind (rfm / behavioural)",
    "cluster_name": "Cluster",
    "r_score": "Recency score (1-5)",
    "f_score": "Frequency score (1-5)",
    "m_score": "Monetary score (1-5)",
    "recency_days": "Days since last purchase",
    "frequency": "Purchases (frequency)",
    "monetary_amount": "Total spend (monetary)",
    "count_views": "Product views",
    "count_cart_adds": "Cart adds",
    "count_orders": "Orders",
    "gmv_amount": "GMV",
    "cart_to_purchase_ratio": "Orders per cart add",
    "p_alive": "Probability still active (P alive)",
    "expected_purchases_90": "Expected purchases, next 90 days",
    "clv_amount": "Customer lifetime value (CLV)",
    "first_event_at": "First visit",
    "last_event_at": "Last visit",
    "last_purchase_at": "Last purchase",
}
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


def field_options() -> list[dict[str, str]]:
    """Options of the field dropdown, in the whitelist's order."""
    return [{"label": FIELD_LABELS.get(name, name), "value": name} for name in FIELD_TYPES]


def op_options(field: str | None) -> list[dict[str, str]]:
    """Operators allowed for ``field`` (none until a field is chosen)."""
    kind = FIELD_TYPES.get(field or "")
    if kind is None:
        return []
    return [{"label": OP_LABELS[kind][op], "value": op} for op in OPS_BY_TYPE[kind]]


def value_hint(field: str | None, op: str | None = None) -> str:
    """Placeholder of the value box: what to type for this field and operator."""
    kind = FIELD_TYPES.get(field or "")
    if kind is None:
        return "choose a field first"
    if op in ("top_pct", "bottom_pct"):
        return "a percentage, e.g. 20"
    if op == "in":
        return "names separated by commas"
    return VALUE_HINTS[kind]


def _parse_value(field: str | None, op: str | None, text: Any) -> Any:
    """The typed value as the rule expects it; left as typed when it does not parse, so that
    validation names the field and what it needed."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if not isinstance(text, str):
        return text
    text = text.strip()
    kind = FIELD_TYPES.get(field or "")
    if kind == NUMBER:
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return text
        return int(number) if number.is_integer() else number
    if op == "in":
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def rows_to_conditions(
    fields: list[str | None], ops: list[str | None], values: list[Any]
) -> list[dict[str, Any]]:
    """Editor rows → conditions (AND). Rows left completely blank are ignored."""
    conditions = []
    for field, op, value in zip(fields, ops, values, strict=True):
        parsed = _parse_value(field, op, value)
        if not field and parsed is None:
            continue
        conditions.append({"field": field, "op": op, "value": parsed})
    return conditions


def _format_value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def conditions_to_rows(conditions: list[dict[str, Any]]) -> list[tuple[str, str, str]] | None:
    """(field, op, value text) per condition, or None when an OR group needs the JSON editor."""
    if any("any" in item for item in conditions):
        return None
    return [(item["field"], item["op"], _format_value(item["value"])) for item in conditions]


def _describe_one(item: dict[str, Any]) -> str:
    field, op, value = item.get("field"), item.get("op"), item.get("value")
    label = FIELD_LABELS.get(field, str(field)).lower()
    if op == "top_pct":
        return f"{label} in the top {_format_value(value)}%"
    if op == "bottom_pct":
        return f"{label} in the bottom {_format_value(value)}%"
    kind = FIELD_TYPES.get(field, NUMBER)
    if op == "in":
        return f"{label} is one of {_format_value(value)}"
    words = OP_LABELS[kind].get(op, op)
    shown = f"'{value}'" if kind == TEXT else _format_value(value)
    return f"{label} {words} {shown}"


def describe_conditions(conditions: list[dict[str, Any]]) -> str:
    """A rule's conditions as a sentence: ``total spend (monetary) in the top 20% AND (…)``."""
    parts = []
    for item in conditions:
        if "any" in item:
            parts.append("(" + " OR ".join(_describe_one(inner) for inner in item["any"]) + ")")
        else:
            parts.append(_describe_one(item))
    return " AND ".join(parts)
