"""The Action board's page and rules card: callbacks called directly on a private copy of the
demo warehouse."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import dash
import pytest
from sqlalchemy import insert

from dashboard.app import create_app
from dashboard.pages.board import (
    common,
    design,
    ids,
    layout,
    rules,
)
from tests.support.board import only_segment_rules
from tests.support.components import find, text_of
from warehouse.commands import (
    list_rules,
)
from warehouse.ops import ops_store, ops_transaction
from warehouse.ops.schema import rules as rules_table


def test_board_page_is_registered_at_board_as_the_fifth_page(page) -> None:
    registered = [p for p in dash.page_registry.values() if p["path"] == "/board"]
    assert len(registered) == 1
    assert registered[0]["name"] == "Action board" and registered[0]["order"] == 4


def test_without_published_data_the_page_asks_for_a_refresh(tmp_path: Path) -> None:
    create_app(tmp_path / "empty.duckdb")
    assert "python app.py refresh" in text_of(find(layout.layout(), ids.BOARD_MESSAGE))


def test_rules_grid_lists_every_rule_in_priority_order_with_hand_counted_figures(
    page, board_db: Path
) -> None:
    n_a, n_b, total = only_segment_rules(board_db)
    rows, summary, _, options, value, problem = rules.render_rules({"n": 0}, None)
    assert problem is None
    assert [(r["priority"], r["name"], r["count_matched"], r["count_won"]) for r in rows] == [
        (1, "A", n_a, n_a), (2, "A or B", n_a + n_b, n_b)]  # A's customers are shadowed in 2
    assert all(row["conditions"] for row in rows)  # in words
    assert f"{n_a + n_b:,} of {total:,} customers" in summary
    assert f"{n_a:,} customers match two or more" in summary
    assert value == options[0]["value"] == str(rows[0]["rule_id"])


def test_a_stored_rule_that_cannot_be_evaluated_is_named_and_can_still_be_deleted(
    page, board_db: Path
) -> None:
    bad = '[{"field": "last_event_at", "op": ">", "value": "2015-08-01xyz"}]'
    now = datetime(2015, 9, 1)
    with ops_transaction(ops_store(board_db)) as connection:  # saved before dates were checked
        connection.execute(insert(rules_table).values(
            rule_id=99, name="Old rule", priority=99, conditions=bad, action="A",
            channel="email", offer="O", kpi="K", enabled=True, created_at=now, updated_at=now))
    rows, _, _, options, _, problem = rules.render_rules({"n": 0, "rule_id": 99}, None)
    assert rows == [] and "rule 'Old rule' cannot be evaluated" in text_of(problem)
    assert "2015-08-01xyz" in text_of(problem)
    baseline_text, _ = design.update_design("99", 20, 5, 80, 2, "pp", 10, {})
    assert "Old rule" in text_of(baseline_text)
    assert "99" in [o["value"] for o in options]  # still selectable
    rules.update_rule_list(ids.BOARD_DELETE_CONFIRM, None, None, None, 1, "99", {"n": 1})
    *_, problem = rules.render_rules({"n": 2}, None)
    assert problem is None


def test_rules_move_up_down_switch_off_and_delete_after_confirmation(page, board_db) -> None:
    first, second = list_rules(board_db)[:2]
    state = {"n": 3}
    message, version = rules.update_rule_list(ids.BOARD_RULE_DOWN, None, 1, None, None,
                                              str(first.rule_id), state)
    assert [r.rule_id for r in list_rules(board_db)][:2] == [second.rule_id, first.rule_id]
    assert version == {"n": 4, "rule_id": first.rule_id} and "priority 2" in text_of(message)
    rules.update_rule_list(ids.BOARD_RULE_UP, 1, 1, None, None, str(first.rule_id), state)
    assert list_rules(board_db)[0].rule_id == first.rule_id
    rules.update_rule_list(ids.BOARD_RULE_TOGGLE, 1, 1, 1, None, str(first.rule_id), state)
    assert list_rules(board_db)[0].enabled is False
    assert rules.toggle_label(str(first.rule_id), state) == "Turn on"
    shown, question = rules.ask_before_delete(1, str(first.rule_id))
    assert shown and first.name in question
    assert any(r.rule_id == first.rule_id for r in list_rules(board_db))  # not yet deleted
    rules.update_rule_list(ids.BOARD_DELETE_CONFIRM, 1, 1, 1, 1, str(first.rule_id), state)
    assert [r.priority for r in list_rules(board_db)] == list(range(1, len(list_rules(board_db))
                                                                    + 1))
    assert all(r.rule_id != first.rule_id for r in list_rules(board_db))


def test_clicking_a_grid_row_selects_its_id_and_a_click_off_the_rows_does_nothing(page) -> None:
    assert common.clicked_row_id({"rowId": 7, "colId": "name"}) == "7"
    with pytest.raises(dash.exceptions.PreventUpdate):
        common.clicked_row_id({"colId": "name"})
