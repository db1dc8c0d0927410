"""A segment's profile in words and cards: its size, its figures, what the customer grid holds and
the name of its CSV export. Pure functions (no Dash state, no data access).

A segment's share is of the customers it is drawn from: an RFM segment's of the buyers, a
behavioural segment's of the visitors who never bought (a share of all customers would make
Champions "0.1%" in a shop where most visitors never buy).
"""

from __future__ import annotations

import re

import dash_bootstrap_components as dbc
import pandas as pd

from analytics.clv_constants import PURCHASE_MODEL_LABELS
from dashboard import components, formatting

BASE_NAMES = {"rfm": "buyers", "behavioural": "visitors who never bought"}


def base_name(segment_kind: str | None) -> str:
    """What a segment of this kind is a share of."""
    return BASE_NAMES.get(segment_kind or "", "customers")


def kind_totals(overview: pd.DataFrame) -> dict[str, int]:
    """Customers per segment kind (``segment_overview`` rows): the base of each kind's shares."""
    return {str(k): int(n) for k, n in overview.groupby("segment_kind")["customers"].sum().items()}


def size_text(customers: int, base: int, segment_kind: str | None) -> str:
    """``137 customers (11.8% of buyers)``: the profile's size line."""
    share = customers / base if base else None
    return (f"{formatting.count(customers)} customers ({formatting.percent(share)} of "
            f"{base_name(segment_kind)})")


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


def p_alive_footnote(purchase_model: str | None) -> str:
    """What the average P(alive) is: an estimate of the model in use, not an observed fact."""
    label = PURCHASE_MODEL_LABELS.get(purchase_model or "")
    if label is None:
        return "estimated chance the buyer is still active"
    return f"{label} estimate of the chance the buyer is still active"


def profile_stats(row: pd.Series, base: int, purchase_model: str | None = None) -> list[dbc.Col]:
    """Cards: customers and their share of the segment's base, GMV and its share, average CLV,
    average P(alive) of one segment."""
    is_buyer = row["segment_kind"] != "behavioural"
    none_text = formatting.MISSING if is_buyer else "none"
    share = row["customers"] / base if base else None
    return [
        _stat(
            "Customers",
            formatting.count(row["customers"]),
            f"{formatting.percent(share)} of {base_name(row['segment_kind'])}",
        ),
        _stat(
            "GMV",
            formatting.money(row["gmv_amount"]),
            f"{formatting.percent(row['gmv_share'])} of all GMV",
        ),
        _stat(
            "Average CLV",
            formatting.money(row["avg_clv_amount"]) if is_buyer else none_text,
            "predicted spend over the CLV horizon" if is_buyer else "non-buyers have no CLV",
        ),
        _stat(
            "Average P(alive)",
            formatting.percent(row["avg_p_alive"]) if is_buyer else none_text,
            p_alive_footnote(purchase_model) if is_buyer else "non-buyers have no P(alive)",
        ),
    ]
