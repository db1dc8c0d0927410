"""Shared layout pieces: grid columns never narrower than their header and values need."""

from __future__ import annotations

from dashboard import components


def test_grid_columns_are_as_wide_as_their_longest_value_and_header_word():
    defs = {d["field"]: d for d in components.column_defs({
        "customer_id": ("Customer", None),
        "clv_amount": ("CLV", ",.2f"),
        "r_score": ("R", "d"),
        "expected": ("Expected purchases, 90 days", ".2f"),
    }, pinned=("customer_id",))}
    # "9,999,999.99" is 12 characters of about 8 px, plus the cell's padding
    assert defs["clv_amount"]["minWidth"] >= 12 * 8 + 36
    # "purchases," is the longest header word; its sort and filter icons sit beside it
    assert defs["expected"]["minWidth"] >= len("purchases,") * 8 + 56
    assert min(d["minWidth"] for d in defs.values()) == components.GRID_MIN_WIDTH
    assert defs["customer_id"]["pinned"] == "left"
    assert defs["clv_amount"]["type"] == "numericColumn"
    assert "valueFormatter" not in defs["customer_id"]
