"""Rules in the operational store: list, create, update, reorder, switch on or off, delete.

Priorities are kept 1..n without gaps (1 = highest). A rule is validated against the current
snapshot's field catalogue before it is stored. Every change is audited ('rule_change', with the
acting user) in its own transaction. The default rules are seeded on the store's first use
(``default_rules.seed_default_rules``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Row, bindparam, delete, insert, select, update

from warehouse.clock import utc_now
from warehouse.commands.audit import RULE_CHANGE, check_user, record
from warehouse.commands.default_rules import seed_default_rules
from warehouse.commands.rules.catalogue import snapshot_fields
from warehouse.commands.rules.model import Rule, RuleError
from warehouse.commands.rules.validation import (
    normalise_conditions,
    parse_conditions,
    validate_rule,
)
from warehouse.ops import ops_store, ops_transaction
from warehouse.ops.schema import rules as rules_table
from warehouse.schema.fields import FieldCatalogue

log = logging.getLogger(__name__)

_COLUMNS = ("rule_id", "name", "priority", "conditions", "action", "channel", "offer", "kpi",
            "enabled", "created_at", "updated_at")
_SELECT_RULES = select(*(rules_table.c[name] for name in _COLUMNS))


def _store(db: Path, ops_url: str | None) -> Engine:
    """The store of warehouse ``db`` with its default rules seeded (once)."""
    engine = ops_store(db, ops_url)
    seed_default_rules(engine)
    return engine


def _row_to_rule(row: Row[Any]) -> Rule:
    return Rule(row.name, json.loads(row.conditions), row.action, row.channel, row.offer, row.kpi,
                bool(row.enabled), row.priority, row.rule_id, row.created_at, row.updated_at)


def _fetch_rules(connection: Connection) -> list[Rule]:
    rows = connection.execute(_SELECT_RULES.order_by(rules_table.c.priority,
                                                     rules_table.c.rule_id)).all()
    return [_row_to_rule(row) for row in rows]


def _fetch_rule(connection: Connection, rule_id: int) -> Rule:
    row = connection.execute(_SELECT_RULES.where(rules_table.c.rule_id == rule_id)).first()
    if row is None:
        raise RuleError(f"no rule with id {rule_id}")
    return _row_to_rule(row)


def _ordered_ids(connection: Connection) -> list[int]:
    """Rule ids in priority order."""
    return list(connection.execute(select(rules_table.c.rule_id).order_by(
        rules_table.c.priority, rules_table.c.rule_id)).scalars())


def _renumber(connection: Connection, ordered_ids: list[int]) -> None:
    """Give the rules ``ordered_ids`` priorities 1..n in that order (only changed rows)."""
    current = dict(connection.execute(select(rules_table.c.rule_id,
                                             rules_table.c.priority)).all())
    changes = [{"id": rule_id, "new_priority": number}
               for number, rule_id in enumerate(ordered_ids, start=1)
               if current.get(rule_id) != number]
    if changes:
        connection.execute(
            update(rules_table).where(rules_table.c.rule_id == bindparam("id"))
            .values(priority=bindparam("new_priority")),
            changes,
        )


def _place(ids: list[int], rule_id: int, priority: int | None) -> list[int]:
    rest = [i for i in ids if i != rule_id]
    position = len(rest) if priority is None else min(max(int(priority), 1), len(rest) + 1) - 1
    return [*rest[:position], rule_id, *rest[position:]]


def _check_name_free(connection: Connection, name: str, rule_id: int | None) -> None:
    """Names are unique regardless of case (compared here, the same way on every backend)."""
    wanted = name.strip().casefold()
    for other_id, other in connection.execute(select(rules_table.c.rule_id,
                                                     rules_table.c.name)):
        if other_id != rule_id and other.casefold() == wanted:
            raise RuleError(f"a rule named {name.strip()!r} already exists (rule {other_id})")


def list_rules(db: Path, *, ops_url: str | None = None) -> list[Rule]:
    """All rules in priority order (1 first)."""
    with ops_transaction(_store(db, ops_url), readonly=True) as connection:
        return _fetch_rules(connection)


def get_rule(db: Path, rule_id: int, *, ops_url: str | None = None) -> Rule:
    """One rule (RuleError when there is none with this id)."""
    with ops_transaction(_store(db, ops_url), readonly=True) as connection:
        return _fetch_rule(connection, rule_id)


def _checked_conditions(
    db: Path, rule: Rule, known_segments: set[str] | None, fields: FieldCatalogue | None
) -> str:
    """The rule's conditions as stored (JSON), once the rule is valid against ``fields`` (by
    default the fields of the current snapshot)."""
    fields = snapshot_fields(db) if fields is None else fields
    validate_rule(rule, fields, known_segments)
    return json.dumps(normalise_conditions(parse_conditions(rule.conditions), fields))


def _attributes(rule: Rule, conditions: str) -> dict[str, Any]:
    return {"name": rule.name.strip(), "conditions": conditions, "action": rule.action,
            "channel": rule.channel, "offer": rule.offer, "kpi": rule.kpi,
            "enabled": bool(rule.enabled)}


def create_rule(
    db: Path,
    rule: Rule,
    known_segments: set[str] | None = None,
    *,
    user: str,
    fields: FieldCatalogue | None = None,
    ops_url: str | None = None,
) -> Rule:
    """Validate and insert ``rule`` at ``rule.priority`` (None = last), shifting the others.

    Conditions are checked against ``fields`` (default: the current snapshot's catalogue);
    ``known_segments`` turns unknown segment names into warnings (``validate_rule``)."""
    user = check_user(user)
    conditions = _checked_conditions(db, rule, known_segments, fields)
    with ops_transaction(_store(db, ops_url)) as connection:
        _check_name_free(connection, rule.name, None)
        ids = _ordered_ids(connection)
        now = utc_now()
        new_id = connection.execute(insert(rules_table).values(
            **_attributes(rule, conditions), priority=len(ids) + 1, created_at=now,
            updated_at=now).returning(rules_table.c.rule_id)).scalar_one()
        _renumber(connection, _place(ids, new_id, rule.priority))
        created = _fetch_rule(connection, new_id)
        record(connection, RULE_CHANGE, user=user, rule_id=new_id,
               detail={"change": "create", "name": created.name,
                       "priority": created.priority})
    log.info("%s created rule %d %r", user, created.rule_id, created.name)
    return created


def update_rule(
    db: Path,
    rule: Rule,
    known_segments: set[str] | None = None,
    *,
    user: str,
    fields: FieldCatalogue | None = None,
    ops_url: str | None = None,
) -> Rule:
    """Validate and save every attribute of an existing rule; a new priority renumbers."""
    if rule.rule_id is None:
        raise RuleError("update_rule needs a rule_id; use create_rule for a new rule")
    user = check_user(user)
    conditions = _checked_conditions(db, rule, known_segments, fields)
    with ops_transaction(_store(db, ops_url)) as connection:
        current = _fetch_rule(connection, rule.rule_id)
        _check_name_free(connection, rule.name, rule.rule_id)
        connection.execute(update(rules_table).where(rules_table.c.rule_id == rule.rule_id)
                           .values(**_attributes(rule, conditions), updated_at=utc_now()))
        if rule.priority is not None and rule.priority != current.priority:
            _renumber(connection, _place(_ordered_ids(connection), rule.rule_id, rule.priority))
        updated = _fetch_rule(connection, rule.rule_id)
        changed = sorted(name for name in ("name", "conditions", "action", "channel", "offer",
                                           "kpi", "enabled", "priority")
                         if getattr(current, name) != getattr(updated, name))
        record(connection, RULE_CHANGE, user=user, rule_id=rule.rule_id,
               detail={"change": "update", "name": updated.name, "changed": changed})
    log.info("%s updated rule %d %r", user, updated.rule_id, updated.name)
    return updated


def move_rule(
    db: Path, rule_id: int, priority: int, *, user: str, ops_url: str | None = None
) -> list[Rule]:
    """Give ``rule_id`` priority ``priority`` (clamped to 1..n); others renumber 1..n. Returns
    the rules in their new order. Conditions are not re-checked: they do not change."""
    user = check_user(user)
    with ops_transaction(_store(db, ops_url)) as connection:
        current = _fetch_rule(connection, rule_id)
        if priority != current.priority:
            _renumber(connection, _place(_ordered_ids(connection), rule_id, priority))
            connection.execute(update(rules_table).where(rules_table.c.rule_id == rule_id)
                               .values(updated_at=utc_now()))
        moved = _fetch_rules(connection)
        now = next(r.priority for r in moved if r.rule_id == rule_id)
        if now != current.priority:
            record(connection, RULE_CHANGE, user=user, rule_id=rule_id,
                   detail={"change": "move", "name": current.name, "from": current.priority,
                           "to": now})
    return moved


def set_rule_enabled(
    db: Path, rule_id: int, enabled: bool, *, user: str, ops_url: str | None = None
) -> Rule:
    """Switch a rule on or off. Conditions are not re-checked, so a rule that no longer fits the
    data's fields can still be switched off."""
    user = check_user(user)
    with ops_transaction(_store(db, ops_url)) as connection:
        current = _fetch_rule(connection, rule_id)
        if current.enabled != bool(enabled):
            connection.execute(update(rules_table).where(rules_table.c.rule_id == rule_id)
                               .values(enabled=bool(enabled), updated_at=utc_now()))
            record(connection, RULE_CHANGE, user=user, rule_id=rule_id,
                   detail={"change": "enable", "name": current.name, "enabled": bool(enabled)})
        return _fetch_rule(connection, rule_id)


def delete_rule(db: Path, rule_id: int, *, user: str, ops_url: str | None = None) -> None:
    """Remove a rule (campaigns already launched keep its name and action); renumber the rest."""
    user = check_user(user)
    with ops_transaction(_store(db, ops_url)) as connection:
        current = _fetch_rule(connection, rule_id)
        connection.execute(delete(rules_table).where(rules_table.c.rule_id == rule_id))
        _renumber(connection, _ordered_ids(connection))
        record(connection, RULE_CHANGE, user=user, rule_id=rule_id,
               detail={"change": "delete", "name": current.name,
                       "conditions": current.conditions})
    log.info("%s deleted rule %d", user, rule_id)
