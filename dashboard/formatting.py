"""How numbers read on the dashboard: compact money, counts with separators, percentages, and
p-values and confidence intervals written one way everywhere.

Money is in the shop's currency units (the data carries no currency code), so no symbol is shown.
Missing values (None, NaN) read as an em dash.
"""

from __future__ import annotations

import math
from collections.abc import Callable

MISSING = "—"


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def money(value: float | None) -> str:
    """Money as an executive reads it: ``842.50``, ``84,321``, ``1.23 M``, ``4.56 B``."""
    if _missing(value):
        return MISSING
    size = abs(value)
    if size < 1e3:
        return f"{value:,.2f}"
    if size < 1e6:
        return f"{value:,.0f}"
    if size < 1e9:
        return f"{value / 1e6:,.2f} M"
    return f"{value / 1e9:,.2f} B"


def count(value: float | None) -> str:
    """A whole number with thousands separators: ``12,345``."""
    if _missing(value):
        return MISSING
    return f"{round(value):,}"


def number(value: float | None, digits: int = 1) -> str:
    """A plain number with separators and ``digits`` decimals: ``1,234.5``."""
    if _missing(value):
        return MISSING
    return f"{value:,.{digits}f}"


def percent(value: float | None, digits: int = 1) -> str:
    """A ratio as a percentage: ``0.01234`` → ``1.23%`` with ``digits=2``."""
    if _missing(value):
        return MISSING
    return f"{value * 100:.{digits}f}%"


def signed(text: str, value: float) -> str:
    """Prefix ``text`` (already formatted from ``abs(value)``) with the sign of ``value``."""
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"−{text}"
    return text


def relative_change(current: float | None, previous: float | None) -> float | None:
    """(current − previous) ÷ previous, or None when there is nothing to compare with."""
    if _missing(current) or _missing(previous) or previous == 0:
        return None
    return (current - previous) / previous


P_FLOOR = 0.001  # smaller p-values read "< 0.001": more digits would claim a precision no test has
NO_UPPER_LIMIT, NO_LOWER_LIMIT = "no upper limit", "no lower limit"


def p_value(value: float | None) -> str:
    """A p-value as a table cell shows it: ``0.012``, ``< 0.001``, an em dash when missing."""
    if _missing(value):
        return MISSING
    if value < P_FLOOR:
        return f"< {P_FLOOR:g}"
    return f"{value:.3f}"


def p_statement(value: float | None) -> str:
    """A p-value in a sentence: ``p = 0.012``, ``p < 0.001``, ``p not available``."""
    if _missing(value):
        return "p not available"
    text = p_value(value)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def interval(low: float | None, high: float | None, fmt: Callable[[float], str]) -> str:
    """A confidence interval ``[low, high]`` with each end written by ``fmt``; an infinite end
    (a relative lift over a control that may be 0) reads ``no upper limit`` / ``no lower limit``,
    a missing one an em dash."""

    def end(value: float | None, infinite: str) -> str:
        if _missing(value):
            return MISSING
        if math.isinf(value):
            return infinite
        return fmt(value)

    return f"[{end(low, NO_LOWER_LIMIT)}, {end(high, NO_UPPER_LIMIT)}]"
