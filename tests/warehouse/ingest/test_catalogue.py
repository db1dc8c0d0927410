"""An item catalogue loaded with an orders file: one transaction, upserts, bad rows, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.raw_files import query, table_contents, write_csv
from warehouse.ingest.orders import IngestError, ingest_orders

ORDERS_HEADER = ("customer_id", "order_id", "ordered_at", "amount", "item_id", "quantity")
ORDERS = [("c1", "o1", "2024-01-05", "3.00", "i1", "1"),
          ("c1", "o1", "2024-01-05", "2.5", "i2", "1")]
ITEMS_HEADER = ("item_id", "name", "category", "price")
ITEMS = [("i1", "Whole Milk 1L", "dairy eggs / milk", "1.29"),
         ("i2", "Sourdough Loaf", "bakery / bread", "2.50")]


def load(tmp_path: Path, items: list[tuple[str, ...]], header=ITEMS_HEADER, db_name="w.duckdb"):
    db = tmp_path / db_name
    orders = write_csv(tmp_path / "orders.csv", ORDERS_HEADER, ORDERS)
    catalogue = write_csv(tmp_path / "items.csv", header, items)
    return db, ingest_orders(db, orders, progress=False, items=catalogue)


def items(db: Path) -> list[tuple]:
    return query(db, "SELECT * FROM items ORDER BY item_id")


def test_orders_and_their_catalogue_load_in_one_load(tmp_path):
    db, summary = load(tmp_path, ITEMS)
    assert items(db) == [("i1", "Whole Milk 1L", "dairy eggs / milk", 1.29),
                         ("i2", "Sourdough Loaf", "bakery / bread", 2.5)]
    assert [(f.file, f.rows_loaded) for f in summary.files] == [("items.csv", 2),
                                                                  ("orders.csv", 2)]
    assert query(db, "SELECT DISTINCT load_id, kind FROM loads") == [(1, "orders")]


def test_a_catalogue_delivered_again_replaces_each_items_row(tmp_path):
    db, _ = load(tmp_path, ITEMS)
    changed = [("i1", "Whole Milk 1L", "dairy eggs / milk", "1.39"),
               ("i3", "Cheddar 250g", "dairy eggs / cheese", "3.10")]
    load(tmp_path, changed)
    assert items(db) == [("i1", "Whole Milk 1L", "dairy eggs / milk", 1.39),
                         ("i2", "Sourdough Loaf", "bakery / bread", 2.5),
                         ("i3", "Cheddar 250g", "dairy eggs / cheese", 3.1)]
    assert query(db, "SELECT count(*) FROM orders") == [(2,)]  # the orders were there already


def test_only_item_id_is_required(tmp_path):
    db, _ = load(tmp_path, [("i1",), ("i2",)], header=("item_id",))
    assert items(db) == [("i1", None, None, None), ("i2", None, None, None)]


BAD = [
    (("", "Nameless", "x", "1"), "item_id is empty"),
    (("i9", "Dear Cheese", "dairy", "-2"), "price -2 is negative"),
    (("i9", "Odd Cheese", "dairy", "cheap"), "price 'cheap' is not a number"),
]


@pytest.mark.parametrize(("bad", "reason"), BAD, ids=[r for _, r in BAD])
def test_a_bad_catalogue_row_is_rejected_with_its_line_and_reason(tmp_path, bad, reason):
    good = [(f"g{i}", f"Good {i}", "pantry / spreads", "1.00") for i in range(30)]
    db, summary = load(tmp_path, [*good[:5], bad, *good[5:]])
    assert query(db, "SELECT file, line_number, reason FROM rejected_rows") == [
        ("items.csv", 7, reason)]
    assert summary.files[0].rows_loaded == 30


def test_an_item_listed_twice_with_different_values_is_rejected_both_times(tmp_path):
    good = [(f"g{i}", f"Good {i}", "pantry / spreads", "1.00") for i in range(60)]
    twice = [("i1", "Milk", "dairy", "1"), ("i1", "Milk", "dairy", "2")]
    db, _ = load(tmp_path, [*twice, *good])
    assert query(db, "SELECT line_number, reason FROM rejected_rows ORDER BY line_number") == [
        (2, "item i1 is listed more than once with different values"),
        (3, "item i1 is listed more than once with different values")]


def test_a_refused_catalogue_loads_no_orders_either(tmp_path):
    db, _ = load(tmp_path, ITEMS)
    before = table_contents(db)
    with pytest.raises(IngestError, match=r"items\.csv: 1 of 2 rows"):
        load(tmp_path, [("i5", "Five", "x", "1"), ("i6", "Six", "x", "free")])
    assert table_contents(db) == before


def test_a_missing_catalogue_file_is_named(tmp_path):
    orders = write_csv(tmp_path / "orders.csv", ORDERS_HEADER, ORDERS)
    with pytest.raises(FileNotFoundError, match="No item catalogue"):
        ingest_orders(tmp_path / "w.duckdb", orders, progress=False, items=tmp_path / "no.csv")
