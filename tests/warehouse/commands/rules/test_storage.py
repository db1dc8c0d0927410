"""Rules in the operational store: checked against the snapshot's fields, seeded once, kept in
priority order 1..n, with unique names and ids."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.support.rule_snapshots import (
    FIELDS,
    matching,
    publish,
    rule,
    shop,
)
from warehouse.commands import (
    RuleError,
    create_rule,
    delete_rule,
    list_rules,
    move_rule,
    set_rule_enabled,
)
from warehouse.commands.default_rules import DEFAULT_RULES
from warehouse.commands.ops_store import open_ops
from warehouse.snapshots import (
    NoSnapshotError,
    current_snapshot,
)


def test_an_invalid_rule_is_not_saved(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    before = list_rules(db)
    with pytest.raises(RuleError, match="channel must be one of"):
        create_rule(db, replace(rule("Bad", [{"field": "frequency", "op": ">", "value": 1}]),
                                channel="fax"), fields=FIELDS)
    with pytest.raises(RuleError, match="unknown field"):
        create_rule(db, rule("Bad", [{"field": "nope", "op": ">", "value": 1}]), fields=FIELDS)
    assert list_rules(db) == before


def test_rules_are_checked_against_the_fields_of_the_current_snapshot(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    probe = rule("Spenders", [{"field": "clv_amount", "op": ">", "value": 1}])
    with pytest.raises(NoSnapshotError, match=r"python app\.py refresh"):
        create_rule(db, probe)
    path = publish(db, shop())
    with duckdb.connect(str(path)) as con:  # a snapshot whose data has no CLV field
        con.execute("DELETE FROM field_catalogue WHERE name = 'clv_amount'")
    with pytest.raises(RuleError, match="unknown field 'clv_amount'"):
        create_rule(db, probe)
    assert create_rule(db, replace(probe, conditions=[
        {"field": "monetary_amount", "op": ">", "value": 1}])).name == "Spenders"


def test_a_rule_that_no_longer_fits_the_fields_can_still_be_moved_and_switched_off(
    tmp_path: Path,
) -> None:
    db = tmp_path / "w.duckdb"
    stored = create_rule(db, rule("Old", [{"field": "clv_amount", "op": ">", "value": 1}]),
                         fields=FIELDS)
    publish(db, shop())  # any check now reads the snapshot's catalogue
    path = current_snapshot(db)
    with duckdb.connect(str(path)) as con:
        con.execute("DELETE FROM field_catalogue WHERE name = 'clv_amount'")
    assert set_rule_enabled(db, stored.rule_id, False).enabled is False
    assert move_rule(db, stored.rule_id, 1)[0].rule_id == stored.rule_id


def test_timestamp_values_are_stored_as_the_iso_text_duckdb_casts(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    saved = create_rule(db, rule("Recent", [
        {"field": "last_event_at", "op": ">=", "value": "20150801"},
        {"any": [{"field": "first_event_at", "op": "<", "value": "2015-06-01T10:00:00+02:00"}]},
    ]), fields=FIELDS)
    assert saved.conditions == [
        {"field": "last_event_at", "op": ">=", "value": "2015-08-01"},
        {"any": [{"field": "first_event_at", "op": "<", "value": "2015-06-01 08:00:00"}]},
    ]
    customers = shop(3).assign(last_event_at=pd.to_datetime(["2015-07-31", "2015-08-01",
                                                             "2015-08-02"]),
                               first_event_at=pd.to_datetime(["2015-06-01 07:59", "2015-06-01 "
                                                              "08:00", "2015-05-01 00:00"]))
    assert matching(tmp_path, customers, saved.conditions) == ["c03"]


def test_concurrent_saves_all_get_distinct_ids(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    before = len(list_rules(db))
    names = [f"Rule {i}" for i in range(6)]
    with ThreadPoolExecutor(len(names)) as pool:
        saved = list(pool.map(
            lambda name: create_rule(db, rule(name, [{"field": "frequency", "op": ">",
                                                      "value": 1}]), fields=FIELDS), names))
    assert len({r.rule_id for r in saved}) == len(names)
    assert len(list_rules(db)) == before + len(names)


def test_default_rules_are_seeded_once(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    rules = list_rules(db)
    assert [r.name for r in rules] == [r["name"] for r in DEFAULT_RULES]
    assert [r.priority for r in rules] == [1, 2, 3, 4]
    delete_rule(db, rules[0].rule_id)
    with open_ops(db):
        pass
    assert [r.name for r in list_rules(db)] == [r["name"] for r in DEFAULT_RULES[1:]]


def test_priorities_stay_one_to_n_when_rules_are_added_moved_and_deleted(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    new = create_rule(db, rule("First now", [{"field": "frequency", "op": ">", "value": 1}],
                               priority=1), fields=FIELDS)
    rules = list_rules(db)
    assert rules[0].rule_id == new.rule_id
    assert [r.priority for r in rules] == [1, 2, 3, 4, 5]
    moved = move_rule(db, new.rule_id, 4)
    assert [r.rule_id for r in moved] == [r.rule_id for r in rules[1:4]] + [
        new.rule_id, rules[4].rule_id]
    assert [r.priority for r in moved] == [1, 2, 3, 4, 5]
    delete_rule(db, rules[2].rule_id)
    assert [r.priority for r in list_rules(db)] == [1, 2, 3, 4]


def test_rule_names_are_unique(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with pytest.raises(RuleError, match="already exists"):
        create_rule(db, rule("loyal vip", [{"field": "frequency", "op": ">", "value": 1}]),
                    fields=FIELDS)


def test_disabling_a_rule_is_stored(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    first = list_rules(db)[0]
    assert set_rule_enabled(db, first.rule_id, False).enabled is False
    assert list_rules(db)[0].enabled is False
