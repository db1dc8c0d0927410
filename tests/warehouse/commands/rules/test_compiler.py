"""Rules compiled to SQL over a real snapshot: relative thresholds and ties, AND / OR, parameters,
and the one winning rule per customer."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.support.rule_snapshots import (
    FIELDS,
    matching,
    shop,
    three_rules,
    write_snapshot,
)
from warehouse.commands import (
    winners_sql,
)


def test_top_pct_is_strict_above_the_quantile_when_values_tie(tmp_path: Path) -> None:
    # frequency is 1 for 8 of 10 customers: the 80th percentile is 1, so "top 20 %" = above 1.
    assert matching(tmp_path, shop(), [{"field": "frequency", "op": "top_pct", "value": 20}]) == [
        "c09", "c10"]


def test_top_pct_falls_back_to_the_maximum_when_nothing_is_above_the_quantile(
    tmp_path: Path,
) -> None:
    customers = shop().assign(frequency=[1] * 7 + [3] * 3)  # 80th percentile = 3 = maximum
    assert matching(tmp_path, customers, [{"field": "frequency", "op": "top_pct", "value": 20}]) \
        == ["c08", "c09", "c10"]


def test_bottom_pct_selects_values_below_the_quantile(tmp_path: Path) -> None:
    # monetary 10..100: the 30th percentile (linear) is 37, so 10, 20, 30 are below it.
    assert matching(tmp_path, shop(), [{"field": "monetary_amount", "op": "bottom_pct",
                                        "value": 30}]) == ["c01", "c02", "c03"]


def test_conditions_combine_with_and_and_any_groups_with_or(tmp_path: Path) -> None:
    conditions = [
        {"field": "segment", "op": "=", "value": "Champions"},  # c01, c03, c05, c07, c09
        {"any": [{"field": "monetary_amount", "op": "<=", "value": 20},
                 {"field": "recency_days", "op": "<", "value": 25}]},  # c01, c02 | c09, c10
    ]
    assert matching(tmp_path, shop(), conditions) == ["c01", "c09"]


def test_values_are_parameters_not_sql(tmp_path: Path) -> None:
    customers = shop().assign(segment=["O'Brien'; DROP TABLE customers; --"] + ["x"] * 9)
    conditions = [{"field": "segment", "op": "in",
                   "value": ["O'Brien'; DROP TABLE customers; --"]}]
    assert matching(tmp_path, customers, conditions) == ["c01"]


def test_null_attributes_never_match(tmp_path: Path) -> None:
    customers = shop().assign(clv_amount=[None] * 5 + [1.0, 2.0, 3.0, 4.0, 5.0])
    assert matching(tmp_path, customers, [{"field": "clv_amount", "op": ">=", "value": 0}]) == [
        "c06", "c07", "c08", "c09", "c10"]


def test_each_customer_gets_the_highest_priority_enabled_rule_only(tmp_path: Path) -> None:
    path = write_snapshot(tmp_path / "snap.duckdb", shop())
    sql, params = winners_sql(three_rules(), FIELDS)
    with duckdb.connect(str(path), read_only=True) as con:
        winners = dict(con.execute(f"SELECT customer_id, winner_rule_id FROM ({sql})",
                                   params).fetchall())
    assert winners == {"c01": 13, "c02": None, "c03": 13, "c04": None, "c05": 13, "c06": None,
                       "c07": 11, "c08": 11, "c09": 11, "c10": 11}
