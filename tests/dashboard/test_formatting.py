"""How numbers read on the dashboard: one way for money, counts, p-values and intervals."""

from __future__ import annotations

import math

import pytest

from dashboard import formatting


def _relative(value: float) -> str:
    return formatting.signed(f"{abs(value) * 100:.1f}%", value)


@pytest.mark.parametrize(
    ("value", "cell", "sentence"),
    [(0.012345, "0.012", "p = 0.012"), (0.98, "0.980", "p = 0.980"),
     (0.0004, "< 0.001", "p < 0.001"), (1e-12, "< 0.001", "p < 0.001"),
     (math.nan, "—", "p not available"), (None, "—", "p not available")],
)
def test_p_values_read_the_same_in_tables_and_sentences(value, cell, sentence):
    assert formatting.p_value(value) == cell
    assert formatting.p_statement(value) == sentence


def test_an_interval_without_an_upper_end_says_so():
    assert formatting.interval(-0.381, math.inf, _relative) == "[−38.1%, no upper limit]"
    assert formatting.interval(0.031, 0.253, _relative) == "[+3.1%, +25.3%]"
    assert formatting.interval(-math.inf, 2.0, _relative) == "[no lower limit, +200.0%]"
    assert formatting.interval(math.nan, 0.5, _relative) == "[—, +50.0%]"


def test_numbers_money_and_counts():
    assert formatting.number(1234.56, 1) == "1,234.6"
    assert formatting.money(1_234_567) == "1.23 M"
    assert formatting.count(12345.4) == "12,345"
    assert formatting.number(None) == formatting.MISSING
