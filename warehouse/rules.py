"""Action rules: model, validation, compilation to SQL over ``customers``, priority, storage.

A rule's ``conditions`` is a JSON list combined with AND. An item is either a condition
``{"field": ..., "op": ..., "value": ...}`` or a group ``{"any": [condition, ...]}`` (OR of
conditions, one level deep). Fields come from the snapshot's ``customers`` view (whitelist
``FIELD_TYPES``); operators depend on the field's type:

* numbers: ``= != < <= > >=`` with a number, and relative thresholds ``top_pct`` / ``bottom_pct``
  with a percentage in (0, 100] — "in the top 20 % of customers having a value";
* text: ``= !=`` with a string, ``in`` with a non-empty list of strings;
* timestamps: ``< <= > >=`` with an ISO date or date-time (stored normalised, UTC).

Relative thresholds are computed at evaluation time with ``quantile_cont`` over the same snapshot,
so a rule means the same at any scale (``winners_sql`` computes all of them in one scan).
**Ties**: ``top_pct p`` selects values strictly above the
(1 − p/100) quantile q; when nothing is above q (q is the maximum, e.g. everybody bought once) it
selects the values equal to q instead. Strictness matters because most buyers buy once: with 90 %
of buyers at frequency 1, "frequency top 20 %" means frequency > 1 (the repeat buyers), not
everyone. ``bottom_pct`` mirrors this with values below the p/100 quantile, or equal to the minimum.

Each customer gets at most one action: that of the highest-priority (1 = highest) enabled rule that
matches (``winners_sql``).
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from warehouse.clock import utc_now
from warehouse.connections import transaction
from warehouse.ops_schema import open_ops

T = TypeVar("T")

NUMBER, TEXT, TIMESTAMP = "number", "text", "timestamp"
FIELD_TYPES: dict[str, str] = {
    "segment": TEXT, "segment_kind": TEXT, "cluster_name": TEXT,
    "r_score": NUMBER, "f_score": NUMBER, "m_score": NUMBER, "recency_days": NUMBER,
    "frequency": NUMBER, "monetary_amount": NUMBER, "count_views": NUMBER,
    "count_cart_adds": NUMBER, "count_orders": NUMBER, "gmv_amount": NUMBER,
    "cart_to_purchase_ratio": NUMBER, "p_alive": NUMBER, "expected_purchases_90": NUMBER,
    "clv_amount": NUMBER,
    "first_event_at": TIMESTAMP, "last_event_at": TIMESTAMP, "last_purchase_at": TIMESTAMP,
}
COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
RELATIVE = ("top_pct", "bottom_pct")
OPS_BY_TYPE: dict[str, tuple[str, ...]] = {
    NUMBER: (*COMPARISONS, *RELATIVE),
    TEXT: ("=", "!=", "in"),
    TIMESTAMP: ("<", "<=", ">", ">="),
}
CHANNELS = ("email", "push", "sms", "onsite")
KPIS = ("reactivation", "average ticket size", "retention", "conversion rate")  # suggestions
CUSTOMERS_TABLE = "customers"


class RuleError(ValueError):
    """A rule that cannot be saved or evaluated; the message says what is wrong."""


@dataclass
class Rule:
    """One row of the ``rules`` table (``rule_id`` and ``priority`` are set by the store)."""

    name: str
    conditions: list[dict[str, Any]]
    action: str
    channel: str
    offer: str
    kpi: str
    enabled: bool = True
    priority: int | None = None
    rule_id: int | None = None
    created_at: datetime | None = field(default=None, compare=False)
    updated_at: datetime | None = field(default=None, compare=False)


# --- validation ------------------------------------------------------------------------------


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


def normalise_conditions(conditions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Valid conditions with timestamp values as ``timestamp_text``, the form that is stored."""

    def one(item: dict[str, Any]) -> dict[str, Any]:
        if "any" in item:
            return {"any": [one(inner) for inner in item["any"]]}
        if FIELD_TYPES[item["field"]] == TIMESTAMP:
            return {**item, "value": timestamp_text(item["value"])}
        return item

    return [one(item) for item in conditions]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_condition(
    item: Any, where: str, known_segments: set[str] | None, warnings: list[str]
) -> list[str]:
    if not isinstance(item, dict) or not {"field", "op", "value"} <= item.keys():
        return [f"{where}: expected an object with field, op and value, got {item!r}"]
    name, op, value = item["field"], item["op"], item["value"]
    kind = FIELD_TYPES.get(name)
    if kind is None:
        return [f"{where}: unknown field {name!r}; allowed: {', '.join(FIELD_TYPES)}"]
    if op not in OPS_BY_TYPE[kind]:
        allowed = ", ".join(OPS_BY_TYPE[kind])
        return [f"{where}: operator {op!r} is not allowed for {kind} field {name!r} "
                f"(allowed: {allowed})"]
    if kind == NUMBER:
        if not _is_number(value):
            return [f"{where}: value for {name!r} must be a number, got {value!r}"]
        if op in RELATIVE and not 0 < value <= 100:
            return [f"{where}: percentage for {op} on {name!r} must be in (0, 100], got {value}"]
    elif kind == TIMESTAMP:
        if timestamp_text(value) is None:
            return [f"{where}: value for {name!r} must be a date YYYY-MM-DD (or an ISO "
                    f"date-time), got {value!r}"]
    else:
        values = value if op == "in" else [value]
        if op == "in" and (not isinstance(value, list) or not value):
            return [f"{where}: 'in' on {name!r} needs a non-empty list of names, got {value!r}"]
        if not all(isinstance(v, str) and v for v in values):
            return [f"{where}: values for {name!r} must be non-empty text, got {value!r}"]
        if name == "segment" and known_segments is not None:
            unknown = [v for v in values if v not in known_segments]
            if unknown:
                warnings.append(f"{where}: segment(s) {', '.join(map(repr, unknown))} do not "
                                "exist in the current data; the condition matches nobody now")
    return []


def validate_conditions(
    conditions: str | list[dict[str, Any]], known_segments: set[str] | None = None
) -> list[str]:
    """Raise ``RuleError`` listing every invalid condition; return warnings (unknown segments)."""
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
                errors += _check_condition(inner, f"{where}.{sub}", known_segments, warnings)
        else:
            errors += _check_condition(item, where, known_segments, warnings)
    if errors:
        raise RuleError("; ".join(errors))
    return warnings


def validate_rule(rule: Rule, known_segments: set[str] | None = None) -> list[str]:
    """Raise ``RuleError`` naming each invalid attribute of ``rule``; return warnings."""
    errors = [f"{attr} must not be empty" for attr in ("name", "action", "offer", "kpi")
              if not str(getattr(rule, attr) or "").strip()]
    if rule.channel not in CHANNELS:
        errors.append(f"channel must be one of {', '.join(CHANNELS)}, got {rule.channel!r}")
    try:
        warnings = validate_conditions(rule.conditions, known_segments)
    except RuleError as error:
        errors.append(str(error))
        warnings = []
    if errors:
        raise RuleError("; ".join(errors))
    return warnings


# --- compilation -----------------------------------------------------------------------------


@dataclass
class Thresholds:
    """The relative thresholds of several rules as columns of one aggregate row over
    ``customers`` (one scan instead of a subquery per condition); identical ones are shared."""

    aggregates: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    aliases: dict[tuple[str, float, str], tuple[str, str]] = field(default_factory=dict)

    def refs(self, column: str, fraction: float, edge: str) -> tuple[str, str]:
        """Column names of the quantile and of the tie fallback (the edge value, else NULL)."""
        key = (column, fraction, edge)
        if key not in self.aliases:
            n = len(self.aliases)
            self.aliases[key] = (f"q_{n}", f"e_{n}")
            self.aggregates += [f"quantile_cont({column}, ?) AS q_{n}",
                                f"{edge}({column}) AS x_{n}"]
            self.params.append(fraction)
        return self.aliases[key]

    def sql(self) -> str:
        """SELECT of the one row: q_<n> (quantile), e_<n> (edge value if q_<n> is it, else NULL)."""
        if not self.aliases:
            return "SELECT NULL AS none"
        # aliases are numbered in insertion order: the n-th pair is q_<n>, e_<n>, over x_<n>
        ties = ", ".join(f"{q}, CASE WHEN {q} = x_{n} THEN x_{n} END AS {e}"
                         for n, (q, e) in enumerate(self.aliases.values()))
        # generated aliases over whitelisted columns; fractions are parameters
        return f"SELECT {ties} FROM (SELECT {', '.join(self.aggregates)} FROM {CUSTOMERS_TABLE})"  # noqa: S608


def _compile_condition(item: dict[str, Any], thresholds: Thresholds) -> tuple[str, list[Any]]:
    name, op, value = item["field"], item["op"], item["value"]
    column = f'"{name}"'  # whitelisted in FIELD_TYPES
    kind = FIELD_TYPES[name]
    if op in RELATIVE:
        top = op == "top_pct"
        fraction = 1 - value / 100 if top else value / 100
        strict, edge = (">", "max") if top else ("<", "min")
        quantile, tie = thresholds.refs(column, fraction, edge)
        return f"({column} {strict} {quantile} OR {column} = {tie})", []
    if op == "in":
        return f"list_contains(CAST(? AS VARCHAR[]), {column})", [list(value)]
    if kind == TIMESTAMP:
        return f"{column} {op} CAST(? AS TIMESTAMP)", [timestamp_text(value)]
    return f"{column} {op} ?", [value]


def compile_conditions(
    conditions: str | list[dict[str, Any]], thresholds: Thresholds
) -> tuple[str, list[Any]]:
    """A boolean SQL expression over ``customers``' columns (never NULL) and its parameters.

    Relative thresholds are columns of ``thresholds`` (the caller selects from ``customers``
    cross-joined with its one aggregate row).
    """
    validate_conditions(conditions)
    parts: list[str] = []
    params: list[Any] = []
    for item in parse_conditions(conditions):
        group = item.get("any", [item])
        compiled = [_compile_condition(inner, thresholds) for inner in group]
        parts.append("(" + " OR ".join(sql for sql, _ in compiled) + ")")
        params += [p for _, group_params in compiled for p in group_params]
    return "coalesce(" + " AND ".join(parts) + ", false)", params


def winners_sql(rules: list[Rule]) -> tuple[str, list[Any]]:
    """SELECT over ``customers``: one row per customer with its matches and winning rule.

    Columns: customer_id, segment, clv_amount, ``is_match_<i>`` (rule ``rules[i]`` matches,
    enabled or not), count_matched_rules (enabled rules matching), winner_rule_id (the
    highest-priority enabled match, NULL if none). ``rules`` must be in priority order.
    """
    flags: list[str] = []
    params: list[Any] = []
    thresholds = Thresholds()
    for index, rule in enumerate(rules):
        try:
            sql, rule_params = compile_conditions(rule.conditions, thresholds)
        except RuleError as error:
            raise RuleError(f"rule {rule.name!r} cannot be evaluated: {error}") from None
        flags.append(f"{sql} AS is_match_{index}")
        params += rule_params
    params = [*thresholds.params, *params]
    enabled = [i for i, rule in enumerate(rules) if rule.enabled]
    if enabled:
        winner = "CASE " + " ".join(f"WHEN is_match_{i} THEN ?" for i in enabled) + " END"
        params += [rules[i].rule_id for i in enabled]
        count = " + ".join(f"is_match_{i}::INTEGER" for i in enabled)
    else:
        winner, count = "NULL", "0"
    flag_sql = "".join(f", {flag}" for flag in flags)
    match_sql = "".join(f", is_match_{i}" for i in range(len(rules)))
    # only compiled conditions (parameterised) and generated aliases go into the text
    sql = (
        f"WITH thresholds AS ({thresholds.sql()}), "  # noqa: S608
        f"flags AS (SELECT customer_id, segment, clv_amount{flag_sql} "
        f"FROM {CUSTOMERS_TABLE} CROSS JOIN thresholds) "
        f"SELECT customer_id, segment, clv_amount{match_sql}, "
        f"CAST({count} AS INTEGER) AS count_matched_rules, "
        f"CAST({winner} AS INTEGER) AS winner_rule_id FROM flags"
    )
    return sql, params


# --- storage ---------------------------------------------------------------------------------

_SELECT_RULES = ("SELECT rule_id, name, priority, conditions, action, channel, offer, kpi, "
                 "enabled, created_at, updated_at FROM rules")


def _row_to_rule(row: tuple[Any, ...]) -> Rule:
    rule_id, name, priority, conditions, action, channel, offer, kpi, enabled, *stamps = row
    return Rule(name, json.loads(conditions), action, channel, offer, kpi, bool(enabled),
                priority, rule_id, *stamps)


def _fetch_rules(con: duckdb.DuckDBPyConnection) -> list[Rule]:
    rows = con.execute(_SELECT_RULES + " ORDER BY priority, rule_id").fetchall()
    return [_row_to_rule(row) for row in rows]


def _fetch_rule(con: duckdb.DuckDBPyConnection, rule_id: int) -> Rule:
    rows = con.execute(_SELECT_RULES + " WHERE rule_id = ?", [rule_id]).fetchall()
    if not rows:
        raise RuleError(f"no rule with id {rule_id}")
    return _row_to_rule(rows[0])


def _renumber(con: duckdb.DuckDBPyConnection, ordered_ids: list[int]) -> None:
    con.execute("UPDATE rules SET priority = list_position(CAST(? AS INTEGER[]), rule_id)",
                [ordered_ids])


def _place(ids: list[int], rule_id: int, priority: int | None) -> list[int]:
    rest = [i for i in ids if i != rule_id]
    position = len(rest) if priority is None else min(max(int(priority), 1), len(rest) + 1) - 1
    return [*rest[:position], rule_id, *rest[position:]]


def _check_name_free(con: duckdb.DuckDBPyConnection, name: str, rule_id: int | None) -> None:
    rows = con.execute("SELECT rule_id FROM rules WHERE lower(name) = lower(?) AND rule_id IS "
                      "DISTINCT FROM ?", [name.strip(), rule_id]).fetchall()
    if rows:
        raise RuleError(f"a rule named {name.strip()!r} already exists (rule {rows[0][0]})")


_WRITE_LOCK = threading.Lock()


def _write(db: Path, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """Run ``work`` in one ops-store transaction, one writer at a time. A new id is max + 1, so
    two saves at once (dashboard threads) would take the same id and DuckDB would refuse one;
    other processes cannot interleave, as DuckDB lets only one process open the file."""
    with _WRITE_LOCK, open_ops(db) as con, transaction(con):
        return work(con)


def list_rules(db: Path) -> list[Rule]:
    """All rules in priority order (1 first)."""
    with open_ops(db) as con:
        return _fetch_rules(con)


def get_rule(db: Path, rule_id: int) -> Rule:
    with open_ops(db) as con:
        return _fetch_rule(con, rule_id)


def create_rule(db: Path, rule: Rule, known_segments: set[str] | None = None) -> Rule:
    """Validate and insert ``rule`` at ``rule.priority`` (None = last), shifting the others."""
    validate_rule(rule, known_segments)
    conditions = json.dumps(normalise_conditions(parse_conditions(rule.conditions)))

    def work(con: duckdb.DuckDBPyConnection) -> Rule:
        _check_name_free(con, rule.name, None)
        [(new_id,)] = con.execute("SELECT coalesce(max(rule_id), 0) + 1 FROM rules").fetchall()
        now = utc_now()
        con.execute(
            "INSERT INTO rules VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)",
            [new_id, rule.name.strip(), conditions, rule.action, rule.channel, rule.offer,
             rule.kpi, rule.enabled, now, now],
        )
        ids = [r.rule_id for r in _fetch_rules(con) if r.rule_id != new_id]
        _renumber(con, _place(ids, new_id, rule.priority))
        return _fetch_rule(con, new_id)

    return _write(db, work)


def update_rule(db: Path, rule: Rule, known_segments: set[str] | None = None) -> Rule:
    """Validate and save every attribute of an existing rule; a new priority renumbers."""
    if rule.rule_id is None:
        raise RuleError("update_rule needs a rule_id; use create_rule for a new rule")
    validate_rule(rule, known_segments)
    conditions = json.dumps(normalise_conditions(parse_conditions(rule.conditions)))

    def work(con: duckdb.DuckDBPyConnection) -> Rule:
        current = _fetch_rule(con, rule.rule_id)
        _check_name_free(con, rule.name, rule.rule_id)
        con.execute(
            "UPDATE rules SET name = ?, conditions = ?, action = ?, channel = ?, offer = ?, "
            "kpi = ?, enabled = ?, updated_at = ? WHERE rule_id = ?",
            [rule.name.strip(), conditions, rule.action, rule.channel, rule.offer, rule.kpi,
             rule.enabled, utc_now(), rule.rule_id],
        )
        if rule.priority is not None and rule.priority != current.priority:
            ids = [r.rule_id for r in _fetch_rules(con)]
            _renumber(con, _place(ids, rule.rule_id, rule.priority))
        return _fetch_rule(con, rule.rule_id)

    return _write(db, work)


def move_rule(db: Path, rule_id: int, priority: int) -> list[Rule]:
    """Give ``rule_id`` priority ``priority`` (clamped to 1..n); others renumber 1..n."""
    rule = get_rule(db, rule_id)
    update_rule(db, replace(rule, priority=priority))
    return list_rules(db)


def set_rule_enabled(db: Path, rule_id: int, enabled: bool) -> Rule:
    rule = get_rule(db, rule_id)
    return update_rule(db, replace(rule, enabled=enabled))


def delete_rule(db: Path, rule_id: int) -> None:
    """Remove a rule (campaigns already launched keep its name and action); renumber the rest."""

    def work(con: duckdb.DuckDBPyConnection) -> None:
        _fetch_rule(con, rule_id)
        con.execute("DELETE FROM rules WHERE rule_id = ?", [rule_id])
        _renumber(con, [r.rule_id for r in _fetch_rules(con)])

    _write(db, work)
