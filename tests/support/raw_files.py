"""Small hand-written input files for the ingest tests, and a way to compare warehouse contents."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Sequence
from pathlib import Path

import duckdb

EVENTS_HEADER = ("timestamp", "visitorid", "event", "itemid", "transactionid")
PROPERTIES_HEADER = ("timestamp", "itemid", "property", "value")
CATEGORY_HEADER = ("categoryid", "parentid")

# A clean RetailRocket folder: 5 events, 5 + 4 property rows of which one per part is a property
# the product does not use (888, 364), and a 3-node category tree.
CLEAN_EVENTS = [
    ("1433221332117", "257597", "view", "10", ""),
    ("1433224214164", "992329", "view", "11", ""),
    ("1433221999827", "111016", "addtocart", "10", ""),
    ("1433222276276", "483717", "transaction", "10", "4000"),
    ("1433193500981", "483717", "transaction", "11", "4000"),
]
CLEAN_PART1 = [
    ("1431226800000", "10", "categoryid", "2"),
    ("1431226800000", "10", "790", "n1500.000"),
    ("1431226800000", "10", "available", "1"),
    ("1431226800000", "10", "888", "1234 n5.000"),
    ("1431226800000", "11", "categoryid", "3"),
]
CLEAN_PART2 = [
    ("1431831600000", "10", "790", "n1200.000"),
    ("1431831600000", "11", "790", "n300.000"),
    ("1431831600000", "11", "available", "0"),
    ("1431831600000", "11", "364", "abc"),
]
CLEAN_CATEGORIES = [("1", ""), ("2", "1"), ("3", "1")]

RAW_TABLES = ("events", "item_properties", "category_tree", "orders", "rejected_rows", "loads",
              "settings")

Rows = Sequence[Sequence[str]]


def write_csv(path: Path, header: Sequence[str], rows: Rows) -> Path:
    """Write a CSV (gzipped when the name ends in .gz) with a header line."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def view_events(count: int, start: int = 0) -> list[tuple[str, ...]]:
    """``count`` distinct, valid view events (filler that keeps a few bad rows under 5%)."""
    return [(str(1433221332117 + i), str(1000 + i), "view", str(10 + i % 7), "")
            for i in range(start, start + count)]


def write_rr_folder(
    folder: Path,
    *,
    events: Rows = CLEAN_EVENTS,
    part1: Rows = CLEAN_PART1,
    part2: Rows = CLEAN_PART2,
    categories: Rows = CLEAN_CATEGORIES,
    suffix: str = ".csv",
) -> Path:
    """Write a RetailRocket folder; each file defaults to the clean rows above."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / f"events{suffix}", EVENTS_HEADER, events)
    write_csv(folder / f"item_properties_part1{suffix}", PROPERTIES_HEADER, part1)
    write_csv(folder / f"item_properties_part2{suffix}", PROPERTIES_HEADER, part2)
    write_csv(folder / f"category_tree{suffix}", CATEGORY_HEADER, categories)
    return folder


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Run one read-only query on a warehouse file and return all rows."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def table_contents(db: Path) -> dict[str, list[tuple]]:
    """Every raw table's rows, sorted: equal dicts mean equal warehouse contents."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {table: sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
                for table in RAW_TABLES}
    finally:
        con.close()


def event_line(index: int) -> bytes:
    """One valid view event as a raw CSV line (no line break): visitor 1000+index."""
    return b"%d,%d,view,%d," % (1433221332117 + index, 1000 + index, 10 + index % 7)


def write_raw(path: Path, header: Sequence[str], lines: Sequence[bytes], *,
              newline: bytes = b"\n") -> Path:
    """Write a file byte for byte: the header, then each line as given, each ended by
    ``newline`` (gzipped when the name ends in .gz). For files no CSV writer would produce."""
    data = newline.join([",".join(header).encode(), *lines]) + newline
    if path.name.endswith(".gz"):
        data = gzip.compress(data)
    path.write_bytes(data)
    return path
