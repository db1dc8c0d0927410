"""The decline rules: valid against a snapshot's field catalogue, added once by name, each
addition audited as the job's."""

from __future__ import annotations

import json

from tests.support.ops_store import StoreCase
from warehouse.commands import Rule, audit_log, list_rules, validate_rule
from warehouse.decline.rules import DECLINE_RULES, JOB_USER, seed_decline_rules
from warehouse.schema.fields import read_field_catalogue
from warehouse.snapshots import open_snapshot


def test_the_decline_rules_are_valid_rules_of_a_published_snapshot(decline_db) -> None:
    with open_snapshot(decline_db) as con:
        fields = read_field_catalogue(con)
    for rule in DECLINE_RULES:
        validate_rule(Rule(**rule), fields=fields)


def test_seeding_adds_the_missing_rules_once_by_name_audited(decline_db, store: StoreCase
                                                             ) -> None:
    """Into a new store on each backend (the scored shop's snapshot is only read)."""
    url = store.url
    before = [rule.name for rule in list_rules(decline_db, ops_url=url)]  # the default rules
    names = [rule["name"] for rule in DECLINE_RULES]
    assert seed_decline_rules(decline_db, ops_url=url) == names
    rules = list_rules(decline_db, ops_url=url)
    assert [rule.name for rule in rules] == before + names
    logged = audit_log(decline_db, ops_url=url)
    assert logged[["user_name", "event"]].drop_duplicates().values.tolist() == [
        [JOB_USER, "rule_change"]]
    assert sorted(json.loads(detail)["name"] for detail in logged["detail"]) == sorted(names)
    assert seed_decline_rules(decline_db, ops_url=url) == []
    assert len(audit_log(decline_db, ops_url=url)) == len(names)
