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
from tests.support.board import BROWSERS, FIELDS, save, snapshot_stats
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
    message, version, edit_id, title = save("Browsers nudge", *BROWSERS)
    saved = list_rules(board_db)[-1]
    assert saved.name == "Browsers nudge" and saved.rule_id == edit_id
    assert saved.conditions == [{"field": "segment", "op": "=", "value": "Browsers"}]
    assert version["rule_id"] == saved.rule_id and title == "Editing rule 'Browsers nudge'"
    expected = snapshot_stats(board_db).rules.set_index("rule_id").loc[saved.rule_id]
    assert expected["count_won"] > 0
    assert f"{expected['count_won']:,} customers get its action" in text_of(message)
    rows, *_, value, _ = rules.render_rules(version, None)
    row = next(r for r in rows if r["rule_id"] == saved.rule_id)
    assert row["count_won"] == expected["count_won"] and value == str(saved.rule_id)


def test_saving_an_edited_rule_updates_it_in_place(page, board_db: Path) -> None:
    *_, edit_id, _ = save("Browsers nudge", *BROWSERS)
    save("Browsers nudge, many views", ["segment", "count_views"], ["=", ">="],
         ["Browsers", "3"], edit_id=edit_id)
    rules = list_rules(board_db)
    assert [r.name for r in rules].count("Browsers nudge, many views") == 1
    assert rules[-1].conditions[1] == {"field": "count_views", "op": ">=", "value": 3}


def _row_values(rows: list, kind: str) -> list:
    return [find(row, {"type": kind, "index": i}).value for i, row in enumerate(rows)]


def test_a_rule_with_an_or_group_is_edited_as_rows_joined_by_or(page, board_db) -> None:
    rule_with_group = next(r for r in list_rules(board_db)
                           if any("any" in c for c in r.conditions))
    out = editor.edit_form(ids.BOARD_RULE_EDIT, None, 1, None, [None],
                           str(rule_with_group.rule_id), ["and"], [None], [None], [""])
    rows, edit_id, _, name, *_, mode, priority = out
    assert (edit_id, name, mode) == (rule_with_group.rule_id, rule_with_group.name, "rows")
    assert priority == str(rule_with_group.priority)
    joins = _row_values(rows, ids.BOARD_COND_JOIN)
    group = next(c["any"] for c in rule_with_group.conditions if "any" in c)
    assert joins.count("or") == len(group) - 1
    read = editor.read_conditions(mode, _row_values(rows, ids.BOARD_COND_FIELD),
                                  _row_values(rows, ids.BOARD_COND_OP),
                                  _row_values(rows, ids.BOARD_COND_VALUE), "", joins)
    assert read == rule_with_group.conditions


def test_a_misspelt_segment_is_refused_with_the_segments_that_exist(page, board_db) -> None:
    before = list_rules(board_db)
    message, version, *_ = save("Champions treat", ["segment"], ["="], ["Champs"])
    assert message.color == "danger" and version is dash.no_update
    assert "no segment named 'Champs' in the current data; existing segments:" in text_of(
        message)
    assert "Cart Abandoners" in text_of(message)
    assert list_rules(board_db) == before


def test_a_new_rule_can_be_placed_at_any_priority(page, board_db) -> None:
    count = len(list_rules(board_db))
    message, *_, priority = editor.save_rule(
        1, None, "Second", "Action", "email", "Offer", "retention", True, "rows", *BROWSERS, "",
        {"n": 0}, "2", ["and"])
    assert message.color == "success" and priority == "2"
    assert [r.name for r in list_rules(board_db)][1] == "Second"
    refused, *_ = editor.save_rule(
        1, None, "Nowhere", "Action", "email", "Offer", "retention", True, "rows", *BROWSERS, "",
        {"n": 0}, "0", ["and"])
    assert (f"Priority must be a whole number from 1 (first) to {count + 2} (last), or empty; "
            "got 0.") in text_of(refused)


def test_after_its_rule_is_deleted_the_editor_no_longer_says_editing_it(page, board_db) -> None:
    *_, edit_id, title = save("Browsers nudge", *BROWSERS)
    assert title == "Editing rule 'Browsers nudge'"
    with pytest.raises(dash.exceptions.PreventUpdate):
        editor.forget_deleted_rule({"n": 1}, edit_id)  # still there
    _, version = rules.update_rule_list(ids.BOARD_DELETE_CONFIRM, None, None, None, 1,
                                        str(edit_id), {"n": 1})
    assert editor.forget_deleted_rule(version, edit_id) == (
        None, "New rule (the rule being edited was deleted)")


def test_required_fields_are_marked(page) -> None:
    card = editor.card(["Lost"], FIELDS)
    text = " ".join(text_of(card).split())
    for label in ("Rule name *", "Action *", "Channel *", "Offer *", "KPI *", "Conditions *"):
        assert label in text
    assert "Priority *" not in text


def test_condition_rows_are_added_and_removed_keeping_what_was_typed(page) -> None:
    added, *rest = editor.edit_form(ids.BOARD_CONDITION_ADD, None, None,
                                    1, [None], None, ["and"], ["frequency"], [">="], ["2"])
    assert len(added) == 2 and all(r is dash.no_update for r in rest)
    remove = {"index": 0, "type": ids.BOARD_COND_REMOVE}
    kept, *_ = editor.edit_form(remove, None, None, 1, [1, None], None, ["and", "or"],
                                ["frequency", "segment"], [">=", "="], ["2", "Lost"])
    assert len(kept) == 1
    field = find(kept[0], {"type": ids.BOARD_COND_FIELD, "index": 0})
    value = find(kept[0], {"type": ids.BOARD_COND_VALUE, "index": 0})
    assert (field.value, value.value) == ("segment", "Lost")
