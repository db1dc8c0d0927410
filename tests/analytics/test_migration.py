"""Segment sizes over time and the transition matrix between two snapshots."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics.migration import segment_sizes, transition_matrix

MAY, JUNE = date(2015, 5, 31), date(2015, 6, 30)


def _snapshots() -> pd.DataFrame:
    rows = [
        (MAY, "a", "New Customers"),
        (MAY, "b", "Lost"),
        (MAY, "c", "Browsers"),
        (MAY, "e", "New Customers"),
        (JUNE, "a", "Champions"),
        (JUNE, "b", "Lost"),
        (JUNE, "d", "Cart Abandoners"),
        (JUNE, "e", "Champions"),
    ]
    return pd.DataFrame(rows, columns=["period_end", "customer_id", "segment"])


def test_segment_sizes_count_customers_per_period_and_segment():
    sizes = segment_sizes(_snapshots())
    got = {(p, s): n for p, s, n in sizes.itertuples(index=False)}
    assert got == {
        (MAY, "Browsers"): 1,
        (MAY, "Lost"): 1,
        (MAY, "New Customers"): 2,
        (JUNE, "Cart Abandoners"): 1,
        (JUNE, "Champions"): 2,
        (JUNE, "Lost"): 1,
    }


def test_transition_matrix_counts_moves_new_and_gone():
    matrix = transition_matrix(_snapshots(), MAY, JUNE)
    assert matrix.index.tolist() == ["Browsers", "Lost", "New Customers", "(new)"]
    assert matrix.columns.tolist() == ["Cart Abandoners", "Champions", "Lost", "(gone)"]
    assert matrix.loc["New Customers", "Champions"] == 2
    assert matrix.loc["Lost", "Lost"] == 1
    assert matrix.loc["(new)", "Cart Abandoners"] == 1
    assert matrix.loc["Browsers", "(gone)"] == 1
    assert matrix.to_numpy().sum() == 5  # a, b, c, d, e


def test_transition_matrix_without_newcomers_has_no_new_row():
    matrix = transition_matrix(_snapshots(), JUNE, JUNE)
    assert "(new)" not in matrix.index and "(gone)" not in matrix.columns
    assert int(pd.Series(matrix.to_numpy().diagonal()).sum()) == 4


def test_unknown_period_is_rejected_naming_known_periods():
    with pytest.raises(ValueError, match="2015-05-31"):
        transition_matrix(_snapshots(), date(2015, 4, 30), JUNE)
