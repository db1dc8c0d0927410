"""The Migration page's filters, applied alike to the Sankey and the matrix."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.pages.migration.flows import FlowFilter, filter_flows, filter_sizes

KINDS = {"Champions": "rfm", "Lost": "rfm", "New Customers": "rfm", "Browsers": "behavioural",
         "One-visit Browsers": "behavioural"}
COUNTS = pd.DataFrame(
    [
        ("Champions", "Champions", 5),
        ("Champions", "Lost", 2),
        ("Browsers", "New Customers", 3),  # a visitor who became a buyer
        ("Browsers", "Browsers", 40),
        ("One-visit Browsers", "Browsers", 7),
        ("Lost", "(gone)", 4),
        ("(new)", "New Customers", 6),
        ("(new)", "One-visit Browsers", 900),
        ("Lost", "Lost", 0),
    ],
    columns=["from_segment", "to_segment", "customers"],
)


def _pairs(flows: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(flows["from_segment"], flows["to_segment"], strict=True))


def test_buyers_only_keeps_customers_in_a_buyer_segment_at_either_date():
    kept = _pairs(filter_flows(COUNTS, KINDS, FlowFilter("rfm")))
    assert kept == {("Champions", "Champions"), ("Champions", "Lost"),
                    ("Browsers", "New Customers"), ("Lost", "(gone)"), ("(new)", "New Customers")}


def test_movers_only_drops_stayers_and_arrivals_in_every_scope():
    everyone = filter_flows(COUNTS, KINDS, FlowFilter("all", movers_only=True))
    assert _pairs(everyone) == {("Champions", "Lost"), ("Browsers", "New Customers"),
                                ("One-visit Browsers", "Browsers")}
    buyers = filter_flows(COUNTS, KINDS, FlowFilter("rfm", movers_only=True))
    assert _pairs(buyers) == {("Champions", "Lost"), ("Browsers", "New Customers")}


def test_arrivals_can_be_left_out_and_zero_rows_never_show():
    kept = filter_flows(COUNTS, KINDS, FlowFilter("all", arrivals=False))
    assert not kept["from_segment"].eq("(new)").any() and not kept["to_segment"].eq("(gone)").any()
    assert kept["customers"].sum() == 5 + 2 + 3 + 40 + 7
    assert ("Lost", "Lost") not in _pairs(filter_flows(COUNTS, KINDS, FlowFilter("all")))


def test_the_filter_says_what_it_shows_and_refuses_an_unknown_scope():
    assert FlowFilter("rfm", movers_only=True).describe() == (
        "buyers only, customers who changed segment")
    assert FlowFilter("all", arrivals=False).describe() == (
        "all customers, without new and departed customers")
    with pytest.raises(ValueError, match="scope"):
        FlowFilter("everyone")


def test_sizes_follow_the_same_scope():
    sizes = pd.DataFrame({"segment": ["Champions", "Browsers"], "segment_kind": ["rfm",
                          "behavioural"], "customers": [1, 2]})
    assert filter_sizes(sizes, "rfm")["segment"].tolist() == ["Champions"]
    assert len(filter_sizes(sizes, "all")) == 2
