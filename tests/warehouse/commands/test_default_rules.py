"""The default rules: seeded once per store, after a DuckDB-era store was imported, and never
again once a user deleted them (on SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.support.legacy_ops import write_legacy_store
from tests.support.ops_store import StoreCase
from warehouse.commands import delete_rule, list_rules
from warehouse.commands.default_rules import DEFAULT_RULES
from warehouse.ops import dispose_engines


def test_a_new_store_starts_with_the_default_rules_in_order(store: StoreCase) -> None:
    rules = list_rules(store.db, ops_url=store.url)
    assert [r.name for r in rules] == [r["name"] for r in DEFAULT_RULES]
    assert [r.priority for r in rules] == [1, 2, 3, 4]
    assert [r.conditions for r in rules] == [r["conditions"] for r in DEFAULT_RULES]
    assert all(r.enabled for r in rules)


def test_deleted_default_rules_stay_deleted_in_a_new_process(store: StoreCase) -> None:
    for stored in list_rules(store.db, ops_url=store.url):
        delete_rule(store.db, stored.rule_id, user="ana", ops_url=store.url)
    dispose_engines()  # as a new process: nothing remembered but the store itself
    assert list_rules(store.db, ops_url=store.url) == []


def test_rules_imported_from_a_duckdb_store_are_kept_and_nothing_is_seeded(
    store: StoreCase,
) -> None:
    write_legacy_store(store.db)  # default rule 2 deleted there, a rule added
    names = [r.name for r in list_rules(store.db, ops_url=store.url)]
    assert names == [DEFAULT_RULES[0]["name"], DEFAULT_RULES[2]["name"],
                     DEFAULT_RULES[3]["name"], "Recent buyers"]
