"""Warehouses for the daily list's tests: private copies, and copies cut at an instant."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from tests.support.raw_warehouse import ms


def warehouse_copy(source: Path, folder: Path) -> Path:
    """A copy of the warehouse file alone (the daily list reads only its raw tables)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    shutil.copy2(source, target)
    return target


def cut_copy(source: Path, folder: Path, before: datetime) -> Path:
    """A copy of the warehouse without any raw row dated at or after ``before`` (naive UTC):
    the data as it stood just before that instant."""
    target = warehouse_copy(source, folder)
    cut = ms(before.isoformat(sep=" "))
    with duckdb.connect(str(target)) as con:
        con.execute('DELETE FROM events WHERE "timestamp" >= ?', [cut])
        con.execute('DELETE FROM item_properties WHERE "timestamp" >= ?', [cut])
        con.execute("DELETE FROM orders WHERE ordered_at >= ?", [before])
    return target
