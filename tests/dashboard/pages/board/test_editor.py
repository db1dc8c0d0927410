"""The Action board's rule editor card: callbacks called directly on a private copy of the demo
warehouse."""

from __future__ import annotations

from pathlib import Path

import dash
import pytest

from dashboard.pages.board import (
    editor,
    forms,
    ids,
    rules,
)
from tests.support.board import CART, FIELDS, save, snapshot_stats
from tests.support.components import find, text_of
from warehouse.commands import (
    RuleError,
    list_rules,
)
from warehouse.commands.rules.validation import validate_conditions


@pytest.mark.parametrize(
    ("fields", "ops", "values"),
    [
        (["frequency"], [">="], ["two"]),  # not a number
        ([None], [None], [""]),  # empty
        (["segment"], ["in"], [""]),  # empty list
    ],
)
def test_an_invalid_condition_is_refused_with_the_rule_error_and_nothing_is_saved(
    page, board_db: Path, fields: list, ops: list, values: list
) -> None:
    before = list_rules(board_db)
    conditions = forms.rows_to_conditions(fields, ops, values, FIELDS)
    with pytest.raises(RuleError) as expected:
        validate_conditions(conditions, FIELDS)
    message, version, edit_id, _ = save("New rule", fields, ops, values)
    assert message.color == "danger"
    assert str(expected.value) in text_of(message)
    assert version is dash.no_update and edit_id is dash.no_update
    assert list_rules(board_db) == before


def test_invalid_json_conditions_are_refused_with_the_parser_message(page, board_db) -> None:
    before = list_rules(board_db)
    message, *_ = save("New rule", [], [], [], mode="json", json_text='[{"field": ')
    assert "conditions are not valid JSON" in text_of(message)
    assert list_rules(board_db) == before


def test_a_valid_rule_is_saved_last_and_shows_the_audience_rule_stats_gives_it(
    page, board_db: Path
) -> None:
    message, version, edit_id, title = save("Cart abandoners", *CART)
    saved = list_rules(board_db)[-1]
    assert saved.name == "Cart abandoners" and saved.rule_id == edit_id
    assert saved.conditions == [{"field": "segment", "op": "=", "value": "Cart Abandoners"}]
    assert version["rule_id"] == saved.rule_id and title == "Editing rule 'Cart abandoners'"
    expected = snapshot_stats(board_db).rules.set_index("rule_id").loc[saved.rule_id]
    assert expected["count_won"] > 0
    assert f"{expected['count_won']:,} customers get its action" in text_of(message)
    rows, *_, value, _ = rules.render_rules(version, None)
    row = next(r for r in rows if r["rule_id"] == saved.rule_id)
    assert row["count_won"] == expected["count_won"] and value == str(saved.rule_id)


def test_saving_an_edited_rule_updates_it_in_place(page, board_db: Path) -> None:
    *_, edit_id, _ = save("Cart abandoners", *CART)
    save("Cart abandoners, many views", ["segment", "count_views"], ["=", ">="],
         ["Cart Abandoners", "3"], edit_id=edit_id)
    rules = list_rules(board_db)
    assert [r.name for r in rules].count("Cart abandoners, many views") == 1
    assert rules[-1].conditions[1] == {"field": "count_views", "op": ">=", "value": 3}


def test_editing_a_rule_with_an_or_group_opens_the_json_editor(page, board_db) -> None:
    rule_with_group = next(r for r in list_rules(board_db)
                           if any("any" in c for c in r.conditions))
    out = editor.edit_form(ids.BOARD_RULE_EDIT, None, 1, None, [None],
                           str(rule_with_group.rule_id), [None], [None], [""])
    _rows, edit_id, _, name, *_, json_text, mode = out
    assert (edit_id, name, mode) == (rule_with_group.rule_id, rule_with_group.name, "json")
    assert editor.read_conditions(mode, [], [], [], json_text) == rule_with_group.conditions


def test_condition_rows_are_added_and_removed_keeping_what_was_typed(page) -> None:
    added, *rest = editor.edit_form(ids.BOARD_CONDITION_ADD, None, None,
                             1, [None], None, ["frequency"], [">="], ["2"])
    assert len(added) == 2 and all(r is dash.no_update for r in rest)
    remove = {"index": 0, "type": ids.BOARD_COND_REMOVE}
    kept, *_ = editor.edit_form(remove, None, None, 1, [1, None], None,
                         ["frequency", "segment"], [">=", "="], ["2", "Lost"])
    assert len(kept) == 1
    field = find(kept[0], {"type": ids.BOARD_COND_FIELD, "index": 0})
    value = find(kept[0], {"type": ids.BOARD_COND_VALUE, "index": 0})
    assert (field.value, value.value) == ("segment", "Lost")
