"""Rule validation against the field catalogue: every mistake refused with a message naming it."""

from __future__ import annotations

import pytest

from tests.support.rule_snapshots import (
    FIELDS,
)
from warehouse.commands import (
    RuleError,
)
from warehouse.commands.rules.validation import validate_conditions


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ([], "conditions are empty"),
        ([{"field": "shoe_size", "op": ">", "value": 3}], "unknown field 'shoe_size'"),
        ([{"field": "segment", "op": "top_pct", "value": 3}],
         "operator 'top_pct' is not allowed for text field 'segment'"),
        ([{"field": "recency_days", "op": "<", "value": "ten"}],
         "value for 'recency_days' must be a number"),
        ([{"field": "clv_amount", "op": "top_pct", "value": 120}],
         "percentage for top_pct on 'clv_amount' must be a number above 0 and at most 100; "
         "got 120"),
        ([{"field": "clv_amount", "op": "top_pct", "value": None}],
         "percentage for top_pct on 'clv_amount' must be a number above 0 and at most 100, and "
         "it is empty"),
        ([{"field": "recency_days", "op": ">=", "value": None}],
         "the value for 'recency_days' must be a number, and it is empty"),
        ([{"field": "segment", "op": "in", "value": []}],
         "'in' on 'segment' needs a list of names separated by commas, and it is empty"),
        ([{"any": []}], "'any' needs a non-empty list"),
        ([{"field": "last_event_at", "op": ">", "value": "June"}], "must be a date YYYY-MM-DD"),
        ([{"field": "last_event_at", "op": ">", "value": "2015-08-01xyz"}],
         "must be a date YYYY-MM-DD"),
        ([{"field": "last_event_at", "op": ">", "value": 20150801}], "must be a date YYYY-MM-DD"),
        ("[{", "not valid JSON"),
    ],
)
def test_invalid_conditions_are_refused_with_a_message_naming_the_problem(
    conditions: object, message: str
) -> None:
    with pytest.raises(RuleError, match=None) as error:
        validate_conditions(conditions, FIELDS)
    assert message in str(error.value)


def test_an_unknown_segment_name_is_refused_with_the_segments_that_exist() -> None:
    with pytest.raises(RuleError) as error:
        validate_conditions([{"field": "segment", "op": "in", "value": ["Champs", "Lost"]}],
                            FIELDS, known_segments={"Lost", "Champions", "At Risk"})
    assert str(error.value) == ("condition 1: no segment named 'Champs' in the current data; "
                                "existing segments: At Risk, Champions, Lost")
    assert validate_conditions([{"field": "segment", "op": "=", "value": "Champs"}],
                               FIELDS) == []  # without the snapshot's names, nothing to compare
