"""Driving the Action board's callbacks as a marketer would: saving rules through the editor,
and the figures those rules should have, counted from the snapshot."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from dashboard.pages.board import editor
from tests.support.catalogue import refresh_catalogue
from warehouse.commands import delete_rule, list_rules
from warehouse.queries.board import rule_stats
from warehouse.snapshots import current_snapshot

BROWSERS = (["segment"], ["="], ["Browsers"])
FIELDS = refresh_catalogue()


def save(name: str, fields: list, ops: list, values: list, *, offer: str = "Offer",
         edit_id: int | None = None, mode: str = "rows", json_text: str = "") -> tuple:
    """Click "Save rule" in the editor with these contents (no priority typed: last); returns
    the message, the rules version, the id in the editor and the editor's title."""
    return editor.save_rule(1, edit_id, name, "Action", "email", offer, "retention", True, mode,
                            fields, ops, values, json_text, {"n": 0})[:4]


def snapshot_stats(db: Path):
    """``rule_stats`` of the stored rules on the current snapshot."""
    with duckdb.connect(str(current_snapshot(db)), read_only=True) as con:
        return rule_stats(con, list_rules(db))


def segment_sizes(db: Path) -> pd.Series:
    """Customers per segment in the current snapshot, largest first."""
    with duckdb.connect(str(current_snapshot(db)), read_only=True) as con:
        frame = con.execute("SELECT segment, count(*) AS n FROM customers GROUP BY segment "
                            "ORDER BY n DESC, segment").df()
    return frame.set_index("segment")["n"]


def only_segment_rules(db: Path) -> tuple[int, int, int]:
    """Replace the rules by 'A' (the largest segment) then 'A or B' (the two largest): their
    figures are counted by hand from segment sizes. Returns (size of A, size of B, customers)."""
    for stored in list_rules(db):
        delete_rule(db, stored.rule_id, user="test")
    sizes = segment_sizes(db)
    a, b = sizes.index[:2]
    save("A", ["segment"], ["="], [a])
    save("A or B", ["segment"], ["in"], [f"{a}, {b}"])
    return int(sizes[a]), int(sizes[b]), int(sizes.sum())
