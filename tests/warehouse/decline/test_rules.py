"""The decline rules: valid against a snapshot's field catalogue, added once by name."""

from __future__ import annotations

import shutil

from warehouse.commands import Rule, list_rules, validate_rule
from warehouse.decline.rules import DECLINE_RULES, seed_decline_rules
from warehouse.paths import ops_path
from warehouse.schema.fields import read_field_catalogue
from warehouse.snapshots import open_snapshot


def test_the_decline_rules_are_valid_rules_of_a_published_snapshot(decline_db) -> None:
    with open_snapshot(decline_db) as con:
        fields = read_field_catalogue(con)
    for rule in DECLINE_RULES:
        validate_rule(Rule(**rule), fields=fields)


def test_seeding_adds_the_missing_rules_once_by_name(decline_db, tmp_path) -> None:
    shutil.copytree(decline_db.parent, tmp_path / "copy")
    db = tmp_path / "copy" / decline_db.name
    ops_path(db).unlink(missing_ok=True)  # a new store: the four default rules only
    before = [rule.name for rule in list_rules(db)]
    assert seed_decline_rules(db) == [rule["name"] for rule in DECLINE_RULES]
    assert [rule.name for rule in list_rules(db)] == before + [r["name"] for r in DECLINE_RULES]
    assert seed_decline_rules(db) == []
