"""Rules in the operational store: list, create, update, reorder, switch on or off, delete.

Priorities are kept 1..n without gaps (1 = highest). A rule is validated against the current
snapshot's field catalogue before it is stored.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import duckdb

from warehouse.clock import utc_now
from warehouse.commands.ops_store import open_ops, write
from warehouse.commands.rules.catalogue import snapshot_fields
from warehouse.commands.rules.model import Rule, RuleError
from warehouse.commands.rules.validation import (
    normalise_conditions,
    parse_conditions,
    validate_rule,
)
from warehouse.schema.fields import FieldCatalogue

log = logging.getLogger(__name__)

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


def list_rules(db: Path) -> list[Rule]:
    """All rules in priority order (1 first)."""
    with open_ops(db) as con:
        return _fetch_rules(con)


def get_rule(db: Path, rule_id: int) -> Rule:
    with open_ops(db) as con:
        return _fetch_rule(con, rule_id)


def _checked_conditions(
    db: Path, rule: Rule, known_segments: set[str] | None, fields: FieldCatalogue | None
) -> str:
    """The rule's conditions as stored (JSON), once the rule is valid against ``fields`` (by
    default the fields of the current snapshot)."""
    fields = snapshot_fields(db) if fields is None else fields
    validate_rule(rule, fields, known_segments)
    return json.dumps(normalise_conditions(parse_conditions(rule.conditions), fields))


def create_rule(
    db: Path,
    rule: Rule,
    known_segments: set[str] | None = None,
    *,
    fields: FieldCatalogue | None = None,
) -> Rule:
    """Validate and insert ``rule`` at ``rule.priority`` (None = last), shifting the others.

    Conditions are checked against ``fields`` (default: the current snapshot's catalogue);
    ``known_segments`` turns unknown segment names into warnings (``validate_rule``)."""
    conditions = _checked_conditions(db, rule, known_segments, fields)

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

    created = write(db, work)
    log.info("created rule %d %r", created.rule_id, created.name)
    return created


def update_rule(
    db: Path,
    rule: Rule,
    known_segments: set[str] | None = None,
    *,
    fields: FieldCatalogue | None = None,
) -> Rule:
    """Validate and save every attribute of an existing rule; a new priority renumbers."""
    if rule.rule_id is None:
        raise RuleError("update_rule needs a rule_id; use create_rule for a new rule")
    conditions = _checked_conditions(db, rule, known_segments, fields)

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

    updated = write(db, work)
    log.info("updated rule %d %r", updated.rule_id, updated.name)
    return updated


def move_rule(db: Path, rule_id: int, priority: int) -> list[Rule]:
    """Give ``rule_id`` priority ``priority`` (clamped to 1..n); others renumber 1..n. Returns
    the rules in their new order. Conditions are not re-checked: they do not change."""

    def work(con: duckdb.DuckDBPyConnection) -> list[Rule]:
        current = _fetch_rule(con, rule_id)
        if priority != current.priority:
            ids = [r.rule_id for r in _fetch_rules(con)]
            _renumber(con, _place(ids, rule_id, priority))
            con.execute("UPDATE rules SET updated_at = ? WHERE rule_id = ?", [utc_now(), rule_id])
        return _fetch_rules(con)

    return write(db, work)


def set_rule_enabled(db: Path, rule_id: int, enabled: bool) -> Rule:
    """Switch a rule on or off. Conditions are not re-checked, so a rule that no longer fits the
    data's fields can still be switched off."""

    def work(con: duckdb.DuckDBPyConnection) -> Rule:
        _fetch_rule(con, rule_id)
        con.execute("UPDATE rules SET enabled = ?, updated_at = ? WHERE rule_id = ?",
                    [bool(enabled), utc_now(), rule_id])
        return _fetch_rule(con, rule_id)

    return write(db, work)


def delete_rule(db: Path, rule_id: int) -> None:
    """Remove a rule (campaigns already launched keep its name and action); renumber the rest."""

    def work(con: duckdb.DuckDBPyConnection) -> None:
        _fetch_rule(con, rule_id)
        con.execute("DELETE FROM rules WHERE rule_id = ?", [rule_id])
        _renumber(con, [r.rule_id for r in _fetch_rules(con)])

    write(db, work)
    log.info("deleted rule %d", rule_id)
