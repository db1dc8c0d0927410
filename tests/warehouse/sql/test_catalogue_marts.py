"""The item catalogue and push consent in the snapshot: item_catalogue, customer_push_consent,
and orders-file lines taking their category from the catalogue; warehouses loaded before
catalogues existed still refresh."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from tests.support.raw_files import write_csv
from warehouse.ingest.consent import ingest_consent
from warehouse.ingest.orders import ingest_orders
from warehouse.pipeline.refresh import refresh
from warehouse.snapshots import open_snapshot

ORDERS_HEADER = ("customer_id", "order_id", "ordered_at", "amount", "item_id", "quantity")
ORDERS = [
    ("1", "o1", "2024-06-01 10:00:00", "2.58", "milk", "2"),
    ("1", "o1", "2024-06-01 10:00:00", "2.50", "bread", "1"),
    ("2", "o2", "2024-06-20 09:00:00", "1.29", "milk", "1"),
    ("2", "o3", "2024-04-01 09:00:00", "4.00", "jam", "1"),
]
ITEMS = [("milk", "Whole Milk 1L", "dairy eggs / milk", "1.29"),
         ("bread", "Sourdough Loaf", "bakery", "2.50"),
         ("tea", "Earl Grey Tea", "beverages / tea", "2.20")]


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("catalogue-shop")
    db = folder / "w.duckdb"
    ingest_orders(db, write_csv(folder / "orders.csv", ORDERS_HEADER, ORDERS), progress=False,
                  items=write_csv(folder / "items.csv", ("item_id", "name", "category", "price"),
                                  ITEMS))
    ingest_consent(db, write_csv(folder / "consent.csv",
                                 ("customer_id", "consent", "opted_out_at", "time_zone"),
                                 [("1", "1", "", "Europe/Paris"), ("2", "0", "2024-05-01", "")]),
                   progress=False)
    refresh(db, progress=False)
    return db


def rows(db: Path, sql: str) -> list[tuple]:
    with open_snapshot(db) as con:
        return con.execute(sql).fetchall()


def test_item_catalogue_holds_listed_and_sold_items_with_names_and_recent_sales(shop):
    # As of 2024-06-20: milk sold in o1 (06-01) and o2 (06-20), both within 28 days; jam sold
    # on 04-01 only, and has no catalogue row; tea is listed but never sold.
    assert rows(shop, "SELECT item_id, item_name, category, price_amount, count_orders, "
                      "count_orders_28d, count_buyers_28d FROM item_catalogue "
                      "ORDER BY item_id") == [
        ("bread", "Sourdough Loaf", "bakery", 2.5, 1, 1, 1),
        ("jam", None, None, 4.0, 1, 0, 0),
        ("milk", "Whole Milk 1L", "dairy eggs / milk", 1.29, 2, 2, 2),
        ("tea", "Earl Grey Tea", "beverages / tea", 2.2, 0, 0, 0),
    ]
    assert rows(shop, "SELECT search_text FROM item_catalogue WHERE item_id = 'milk'") == [
        ("milk whole milk 1l dairy eggs / milk",)]


def test_orders_file_lines_take_their_category_and_its_top_level_from_the_catalogue(shop):
    assert rows(shop, "SELECT item_id, category_id, root_category_id FROM order_lines "
                      "ORDER BY order_id, item_id") == [
        ("bread", "bakery", "bakery"),
        ("milk", "dairy eggs / milk", "dairy eggs"),
        ("milk", "dairy eggs / milk", "dairy eggs"),
        ("jam", None, None),
    ]


def test_customer_push_consent_says_who_may_be_pushed_to(shop):
    assert rows(shop, "SELECT * FROM customer_push_consent") == [
        ("1", True, None, "Europe/Paris", True),
        ("2", False, datetime(2024, 5, 1), None, False),
    ]


def test_a_warehouse_loaded_before_catalogues_and_consent_existed_still_refreshes(tmp_path):
    db = tmp_path / "w.duckdb"
    ingest_orders(db, write_csv(tmp_path / "orders.csv", ORDERS_HEADER, ORDERS), progress=False)
    with duckdb.connect(str(db)) as con:
        con.execute("DROP TABLE items")
        con.execute("DROP TABLE push_consent")
    refresh(db, progress=False)
    assert rows(db, "SELECT count(*), count(item_name) FROM item_catalogue") == [(3, 0)]
    assert rows(db, "SELECT count(*) FROM customer_push_consent") == [(0,)]
