"""The RFM rule table partitions the 125 score combinations; behavioural rules for non-buyers."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from analytics.segments import (
    RFM_RULES,
    RFM_SEGMENTS,
    RfmRule,
    assign_rfm_segments,
    behavioural_segments,
    expand_rules,
    group_quantiles,
    segment_definitions,
    window_shopper_threshold,
)


def test_rule_table_maps_each_of_125_combinations_to_exactly_one_segment():
    table = expand_rules()
    assert len(table) == 125
    assert not table.duplicated(["r_score", "f_score", "m_score"]).any()
    assert set(table["segment"]) == {name for name, _ in RFM_SEGMENTS}


def test_every_named_segment_has_a_rule_and_a_description():
    assert {rule.segment for rule in RFM_RULES} == {name for name, _ in RFM_SEGMENTS}
    assert len(RFM_SEGMENTS) == 11


def test_missing_rule_is_reported_with_the_unmapped_combinations():
    broken = tuple(rule for rule in RFM_RULES if rule.segment != "Lost")
    with pytest.raises(ValueError, match=r"unmapped.*111.*115"):
        expand_rules(broken)


def test_overlapping_rule_is_reported_with_both_segments():
    broken = (*RFM_RULES, RfmRule("Extra", r=(5, 5), f=(5, 5), m=(5, 5)))
    with pytest.raises(ValueError, match="555: Champions & Extra"):
        expand_rules(broken)


def test_range_outside_one_to_five_is_rejected():
    broken = (dataclasses.replace(RFM_RULES[0], r=(0, 5)), *RFM_RULES[1:])
    with pytest.raises(ValueError, match="Champions"):
        expand_rules(broken)


def test_known_combinations_get_their_segment():
    scores = pd.DataFrame(
        [(5, 5, 5), (1, 1, 1), (5, 1, 1), (4, 1, 5), (2, 5, 5), (3, 1, 2), (2, 2, 1), (3, 4, 1)],
        columns=["r_score", "f_score", "m_score"],
    )
    assert assign_rfm_segments(scores).tolist() == [
        "Champions",
        "Lost",
        "New Customers",
        "Potential Loyalists",
        "Can't Lose Them",
        "About to Sleep",
        "At Risk",
        "Loyal Customers",
    ]


def _visitors() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["cart", "window", "once", "back", "many_one_day"],
            "count_views": [10, 10, 1, 2, 5],
            "count_cart_adds": [1, 0, 0, 0, 0],
            "is_single_visit": [False, False, True, False, True],
        }
    )


def test_behavioural_segments_on_hand_made_visitors():
    # Views sorted 1, 2, 5, 10, 10: the 90th percentile is 10 (position 3.6 between two 10s).
    assert behavioural_segments(_visitors()).tolist() == [
        "Cart Abandoners",
        "Window Shoppers",
        "One-visit Browsers",
        "Browsers",
        "One-visit Browsers",
    ]


def test_window_shopper_threshold_is_relative_with_a_floor():
    assert window_shopper_threshold(pd.Series([1, 2, 5, 10, 10])) == 10
    assert window_shopper_threshold(pd.Series([1, 1, 1, 2])) == 3


def test_weighted_profiles_give_the_quantile_of_the_expanded_customers():
    # Profiles 1 view × 6 customers, 4 views × 3, 30 views × 1 stand for ten customers.
    views, weights = pd.Series([30, 1, 4]), pd.Series([1, 6, 3])
    expanded = pd.Series([1] * 6 + [4] * 3 + [30])
    for q in (0.5, 0.75, 0.9, 0.95):
        weighted = group_quantiles(views, q, weights=weights)
        assert weighted.tolist() == [pytest.approx(expanded.quantile(q))] * 3


def test_group_quantiles_are_computed_per_group():
    values = pd.Series([1, 2, 3, 10, 20, 30])
    groups = pd.Series(["a", "a", "a", "b", "b", "b"])
    assert group_quantiles(values, 0.5, groups=groups).tolist() == [2, 2, 2, 20, 20, 20]


def test_window_shopper_threshold_is_computed_per_group():
    first = _visitors().assign(period="p1")
    second = _visitors().assign(period="p2", count_views=[1, 1, 1, 1, 5])
    both = pd.concat([first, second], ignore_index=True)
    segments = behavioural_segments(both, by="period")
    # In p2 views are 1, 1, 1, 1, 5: the 90th percentile is 3.4, rounded up 4, so 5 views on one
    # day make a Window Shopper there but not in p1 (threshold 10).
    assert segments[both["period"] == "p2"].tolist() == [
        "Cart Abandoners",
        "Browsers",
        "One-visit Browsers",
        "Browsers",
        "Window Shoppers",
    ]
    assert segments[both["period"] == "p1"].iloc[4] == "One-visit Browsers"


def test_missing_behaviour_column_is_named():
    with pytest.raises(ValueError, match="is_single_visit"):
        behavioural_segments(_visitors().drop(columns="is_single_visit"))


def test_segment_definitions_list_every_segment_once_in_order():
    definitions = segment_definitions(window_threshold=14)
    assert definitions["segment"].is_unique
    assert definitions["display_order"].tolist() == list(range(1, 16))
    assert definitions.groupby("segment_kind").size().to_dict() == {"behavioural": 4, "rfm": 11}
    shoppers = definitions.set_index("segment").loc["Window Shoppers", "description"]
    assert "14" in shoppers
