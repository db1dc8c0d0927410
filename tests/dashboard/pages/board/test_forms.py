"""The rule editor's words: editor rows to conditions and back, conditions as a sentence."""

from __future__ import annotations

from dashboard.pages.board import (
    forms,
)
from tests.support.board import FIELDS
from warehouse.commands.rules.validation import validate_conditions


def test_rows_become_typed_conditions_and_blank_rows_are_ignored() -> None:
    conditions = forms.rows_to_conditions(
        ["recency_days", "segment", None, "last_event_at", "p_alive"],
        ["top_pct", "in", None, ">=", "<"],
        ["30", "Lost, At Risk ", "", "2015-08-01", "0,5"],
        FIELDS,
    )
    assert conditions == [
        {"field": "recency_days", "op": "top_pct", "value": 30},
        {"field": "segment", "op": "in", "value": ["Lost", "At Risk"]},
        {"field": "last_event_at", "op": ">=", "value": "2015-08-01"},
        {"field": "p_alive", "op": "<", "value": 0.5},
    ]
    assert validate_conditions(conditions, FIELDS) == []


def test_conditions_read_as_words_with_or_groups_in_brackets() -> None:
    words = forms.describe_conditions([
        {"field": "monetary_amount", "op": "top_pct", "value": 20},
        {"any": [{"field": "segment", "op": "=", "value": "Lost"},
                 {"field": "last_event_at", "op": "<", "value": "2015-08-01"}]},
    ], FIELDS)
    assert words == ("total spend (monetary) in the top 20% AND (segment is 'Lost' OR "
                     "last visit before 2015-08-01)")


def test_operators_follow_the_field_type() -> None:
    assert [o["value"] for o in forms.op_options("segment", FIELDS)] == ["=", "!=", "in"]
    assert "top_pct" in [o["value"] for o in forms.op_options("clv_amount", FIELDS)]
    assert forms.op_options(None, FIELDS) == []


def test_rows_joined_by_or_form_one_group_and_come_back_as_the_same_rows() -> None:
    rows = [("monetary_amount", "top_pct", "20", "and"), ("recency_days", "top_pct", "30", "and"),
            ("p_alive", "<", "0.5", "or"), ("segment", "=", "Lost", "or")]
    fields, ops, values, joins = (list(column) for column in zip(*rows, strict=True))
    conditions = forms.rows_to_conditions(fields, ops, values, FIELDS, joins)
    assert conditions == [
        {"field": "monetary_amount", "op": "top_pct", "value": 20},
        {"any": [{"field": "recency_days", "op": "top_pct", "value": 30},
                 {"field": "p_alive", "op": "<", "value": 0.5},
                 {"field": "segment", "op": "=", "value": "Lost"}]},
    ]
    assert forms.conditions_to_rows(conditions) == rows
    assert forms.conditions_to_rows([{"any": [{"field": "segment"}]}]) is None  # JSON only
