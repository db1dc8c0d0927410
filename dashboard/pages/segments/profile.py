"""A segment's profile in words and cards: its size, its figures, what the customer grid holds and
the name of its CSV export. Pure functions (no Dash state, no data access)."""

from __future__ import annotations

import re

import dash_bootstrap_components as dbc
import pandas as pd

from dashboard import components, formatting


def size_text(customers: int, all_customers: int) -> str:
    """``1,234 customers (4.6% of all customers)``: the profile's size line."""
    share = customers / all_customers if all_customers else None
    return f"{formatting.count(customers)} customers ({formatting.percent(share)} of all customers)"


def grid_caption(shown: int, total: int) -> str:
    """Say how many of the segment's customers the grid holds and what the CSV holds."""
    if total <= shown:
        return (
            f"All {formatting.count(total)} customers, highest CLV first. Sort and filter in the "
            "column headers; Export CSV downloads them all."
        )
    return (
        f"Showing {formatting.count(shown)} of {formatting.count(total)} customers (those with "
        f"the highest CLV). Sorting and filters apply to the rows shown; Export CSV downloads all "
        f"{formatting.count(total)}."
    )


def export_file_name(segment: str) -> str:
    """``segment-cant-lose-them.csv``: a file name any system accepts."""
    words = segment.lower().replace("'", "")
    slug = re.sub(r"[^a-z0-9]+", "-", words).strip("-") or "segment"
    return f"segment-{slug}.csv"


def _stat(title: str, value: str, footnote: str) -> dbc.Col:
    card = components.stat_card(title, value, footnote)
    return dbc.Col(card, xs=12, sm=6, lg=3, className="mb-3")


def profile_stats(row: pd.Series, all_customers: int) -> list[dbc.Col]:
    """Cards: customers, GMV and its share, average CLV, average P(alive) of one segment."""
    is_buyer = row["segment_kind"] != "behavioural"
    none_text = formatting.MISSING if is_buyer else "none"
    share = row["customers"] / all_customers if all_customers else None
    return [
        _stat(
            "Customers", formatting.count(row["customers"]), f"{formatting.percent(share)} of all"
        ),
        _stat(
            "GMV",
            formatting.money(row["gmv_amount"]),
            f"{formatting.percent(row['gmv_share'])} of all GMV",
        ),
        _stat(
            "Average CLV",
            formatting.money(row["avg_clv_amount"]) if is_buyer else none_text,
            "predicted future spend" if is_buyer else "non-buyers have no CLV",
        ),
        _stat(
            "Average P(alive)",
            formatting.percent(row["avg_p_alive"]) if is_buyer else none_text,
            "chance the customer still buys" if is_buyer else "non-buyers have no P(alive)",
        ),
    ]
