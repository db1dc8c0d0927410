"""Rules in the operational store, on SQLite and PostgreSQL: checked against the snapshot's
fields, kept in priority order 1..n, with unique names and ids, every change audited."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import duckdb
import pandas as pd
import pytest

from tests.support.ops_store import StoreCase
from tests.support.rule_snapshots import (
    FIELDS,
    matching,
    publish,
    rule,
    shop,
)
from warehouse.commands import (
    RuleError,
    audit_log,
    create_rule,
    delete_rule,
    get_rule,
    list_rules,
    move_rule,
    set_rule_enabled,
    update_rule,
)
from warehouse.snapshots import (
    NoSnapshotError,
    current_snapshot,
)

FREQUENT = [{"field": "frequency", "op": ">", "value": 1}]


def test_an_invalid_rule_is_not_saved(store: StoreCase) -> None:
    db, url = store.db, store.url
    before = list_rules(db, ops_url=url)
    with pytest.raises(RuleError, match="channel must be one of"):
        create_rule(db, replace(rule("Bad", FREQUENT), channel="fax"), fields=FIELDS,
                    user="ana", ops_url=url)
    with pytest.raises(RuleError, match="unknown field"):
        create_rule(db, rule("Bad", [{"field": "nope", "op": ">", "value": 1}]), fields=FIELDS,
                    user="ana", ops_url=url)
    assert list_rules(db, ops_url=url) == before
    assert audit_log(db, ops_url=url).empty


def test_rules_are_checked_against_the_fields_of_the_current_snapshot(store: StoreCase) -> None:
    db, url = store.db, store.url
    probe = rule("Spenders", [{"field": "clv_amount", "op": ">", "value": 1}])
    with pytest.raises(NoSnapshotError, match=r"python app\.py refresh"):
        create_rule(db, probe, user="ana", ops_url=url)
    path = publish(db, shop())
    with duckdb.connect(str(path)) as con:  # a snapshot whose data has no CLV field
        con.execute("DELETE FROM field_catalogue WHERE name = 'clv_amount'")
    with pytest.raises(RuleError, match="unknown field 'clv_amount'"):
        create_rule(db, probe, user="ana", ops_url=url)
    assert create_rule(db, replace(probe, conditions=[
        {"field": "monetary_amount", "op": ">", "value": 1}]), user="ana",
        ops_url=url).name == "Spenders"


def test_a_rule_that_no_longer_fits_the_fields_can_still_be_moved_and_switched_off(
    store: StoreCase,
) -> None:
    db, url = store.db, store.url
    stored = create_rule(db, rule("Old", [{"field": "clv_amount", "op": ">", "value": 1}]),
                         fields=FIELDS, user="ana", ops_url=url)
    publish(db, shop())  # any check now reads the snapshot's catalogue
    path = current_snapshot(db)
    with duckdb.connect(str(path)) as con:
        con.execute("DELETE FROM field_catalogue WHERE name = 'clv_amount'")
    assert set_rule_enabled(db, stored.rule_id, False, user="ana", ops_url=url).enabled is False
    assert move_rule(db, stored.rule_id, 1, user="ana", ops_url=url)[0].rule_id == stored.rule_id


def test_timestamp_values_are_stored_as_the_iso_text_duckdb_casts(store: StoreCase) -> None:
    saved = create_rule(store.db, rule("Recent", [
        {"field": "last_event_at", "op": ">=", "value": "20150801"},
        {"any": [{"field": "first_event_at", "op": "<", "value": "2015-06-01T10:00:00+02:00"}]},
    ]), fields=FIELDS, user="ana", ops_url=store.url)
    assert saved.conditions == [
        {"field": "last_event_at", "op": ">=", "value": "2015-08-01"},
        {"any": [{"field": "first_event_at", "op": "<", "value": "2015-06-01 08:00:00"}]},
    ]
    assert get_rule(store.db, saved.rule_id, ops_url=store.url).conditions == saved.conditions
    customers = shop(3).assign(last_event_at=pd.to_datetime(["2015-07-31", "2015-08-01",
                                                             "2015-08-02"]),
                               first_event_at=pd.to_datetime(["2015-06-01 07:59", "2015-06-01 "
                                                              "08:00", "2015-05-01 00:00"]))
    assert matching(store.db.parent, customers, saved.conditions) == ["c03"]


def test_concurrent_saves_all_get_distinct_ids(store: StoreCase) -> None:
    db, url = store.db, store.url
    before = len(list_rules(db, ops_url=url))
    names = [f"Rule {i}" for i in range(6)]
    with ThreadPoolExecutor(len(names)) as pool:
        saved = list(pool.map(
            lambda name: create_rule(db, rule(name, FREQUENT), fields=FIELDS, user="ana",
                                     ops_url=url), names))
    assert len({r.rule_id for r in saved}) == len(names)
    rules = list_rules(db, ops_url=url)
    assert len(rules) == before + len(names)
    assert [r.priority for r in rules] == list(range(1, len(rules) + 1))


def test_priorities_stay_one_to_n_when_rules_are_added_moved_and_deleted(
    store: StoreCase,
) -> None:
    db, url = store.db, store.url
    new = create_rule(db, rule("First now", FREQUENT, priority=1), fields=FIELDS, user="ana",
                      ops_url=url)
    rules = list_rules(db, ops_url=url)
    assert rules[0].rule_id == new.rule_id
    assert [r.priority for r in rules] == [1, 2, 3, 4, 5]
    moved = move_rule(db, new.rule_id, 4, user="ana", ops_url=url)
    assert [r.rule_id for r in moved] == [r.rule_id for r in rules[1:4]] + [
        new.rule_id, rules[4].rule_id]
    assert [r.priority for r in moved] == [1, 2, 3, 4, 5]
    delete_rule(db, rules[2].rule_id, user="ana", ops_url=url)
    assert [r.priority for r in list_rules(db, ops_url=url)] == [1, 2, 3, 4]


def test_an_update_saves_every_attribute_and_a_new_priority_renumbers(store: StoreCase) -> None:
    db, url = store.db, store.url
    last = list_rules(db, ops_url=url)[-1]
    changed = replace(last, name="Renamed", offer="New offer", enabled=False, priority=1,
                      conditions=FREQUENT)
    saved = update_rule(db, changed, fields=FIELDS, user="ana", ops_url=url)
    assert (saved.name, saved.offer, saved.enabled, saved.priority, saved.conditions) == (
        "Renamed", "New offer", False, 1, FREQUENT)
    assert list_rules(db, ops_url=url)[0].rule_id == last.rule_id
    assert saved.updated_at > last.updated_at and saved.created_at == last.created_at


def test_rule_names_are_unique_whatever_their_case(store: StoreCase) -> None:
    db, url = store.db, store.url
    for name in ("loyal vip", "LOYAL VIP", " Loyal VIP "):
        with pytest.raises(RuleError, match="already exists"):
            create_rule(db, rule(name, FREQUENT), fields=FIELDS, user="ana", ops_url=url)
    other = list_rules(db, ops_url=url)[0]
    with pytest.raises(RuleError, match="already exists"):
        update_rule(db, replace(other, name="Loyal vip"), fields=FIELDS, user="ana",
                    ops_url=url)


def test_disabling_a_rule_is_stored(store: StoreCase) -> None:
    db, url = store.db, store.url
    first = list_rules(db, ops_url=url)[0]
    assert set_rule_enabled(db, first.rule_id, False, user="ana", ops_url=url).enabled is False
    assert list_rules(db, ops_url=url)[0].enabled is False


def test_every_rule_change_is_audited_with_its_user_and_what_changed(store: StoreCase) -> None:
    db, url = store.db, store.url
    new = create_rule(db, rule("Audited", FREQUENT), fields=FIELDS, user="ana", ops_url=url)
    update_rule(db, replace(new, offer="Other"), fields=FIELDS, user="ben", ops_url=url)
    move_rule(db, new.rule_id, 1, user="cy", ops_url=url)
    move_rule(db, new.rule_id, 1, user="cy", ops_url=url)  # no change: not logged
    set_rule_enabled(db, new.rule_id, False, user="dee", ops_url=url)
    set_rule_enabled(db, new.rule_id, False, user="dee", ops_url=url)  # no change: not logged
    delete_rule(db, new.rule_id, user="eve", ops_url=url)
    log = audit_log(db, ops_url=url).iloc[::-1]  # oldest first
    assert log["event"].unique().tolist() == ["rule_change"]
    assert log["rule_id"].tolist() == [new.rule_id] * 5
    assert log["user_name"].tolist() == ["ana", "ben", "cy", "dee", "eve"]
    details = [json.loads(d) for d in log["detail"]]
    assert [d["change"] for d in details] == ["create", "update", "move", "enable", "delete"]
    assert details[0]["priority"] == 5 and details[1]["changed"] == ["offer"]
    assert (details[2]["from"], details[2]["to"]) == (5, 1)
    assert details[3]["enabled"] is False and details[4]["name"] == "Audited"


def test_a_change_without_a_user_is_refused_and_stores_nothing(store: StoreCase) -> None:
    db, url = store.db, store.url
    before = list_rules(db, ops_url=url)
    for user in ("", "   ", None):
        with pytest.raises(ValueError, match="acting user"):
            create_rule(db, rule("Nobody", FREQUENT), fields=FIELDS, user=user, ops_url=url)
        with pytest.raises(ValueError, match="acting user"):
            delete_rule(db, before[0].rule_id, user=user, ops_url=url)
    assert list_rules(db, ops_url=url) == before and audit_log(db, ops_url=url).empty


def test_an_unknown_rule_is_a_clear_error(store: StoreCase) -> None:
    for change in (lambda: get_rule(store.db, 99, ops_url=store.url),
                   lambda: move_rule(store.db, 99, 1, user="ana", ops_url=store.url),
                   lambda: delete_rule(store.db, 99, user="ana", ops_url=store.url)):
        with pytest.raises(RuleError, match="no rule with id 99"):
            change()
