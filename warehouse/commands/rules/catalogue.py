"""What a rule condition may name: the fields of the current snapshot's field catalogue
(``warehouse.schema.fields``), and the operators each field type allows."""

from __future__ import annotations

from pathlib import Path

from warehouse.schema.fields import NUMBER, TEXT, TIMESTAMP, FieldCatalogue, read_field_catalogue
from warehouse.snapshots import open_snapshot

COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
RELATIVE = ("top_pct", "bottom_pct")
OPS_BY_TYPE: dict[str, tuple[str, ...]] = {
    NUMBER: (*COMPARISONS, *RELATIVE),
    TEXT: ("=", "!=", "in"),
    TIMESTAMP: ("<", "<=", ">", ">="),
}


def snapshot_fields(db: Path) -> FieldCatalogue:
    """The rule fields of the warehouse's current snapshot (NoSnapshotError before a refresh)."""
    with open_snapshot(db) as con:
        return read_field_catalogue(con)
