"""How numbers read on the dashboard: compact money, counts with separators, percentages.

Money is in the shop's currency units (the data carries no currency code), so no symbol is shown.
Missing values (None, NaN) read as an em dash.
"""

from __future__ import annotations

import math

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
