"""The Promote page's read queries on a hand-made shop: item search and large-basket counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.raw_files import write_csv
from warehouse.ingest.orders import ingest_orders
from warehouse.pipeline.refresh import refresh
from warehouse.queries.promote import basket_counts, search_items
from warehouse.snapshots import open_snapshot

ITEMS = [("i1", "Organic Grapes", "produce / fresh fruits", "2.50"),
         ("i2", "Green Grapes", "produce / fresh fruits", "2.00"),
         ("i3", "Whole Milk", "dairy eggs / milk", "1.00"),
         ("i4", "Rye Bread", "bakery / bread", "3.00"),
         ("i5", "Butter", "dairy eggs / butter", "2.20")]
ORDERS = [  # customer, order, time, items
    ("c1", "o1", "2024-03-01 10:00:00", ("i1", "i2", "i3", "i4", "i5")),
    ("c2", "o2", "2024-03-02 10:00:00", ("i2", "i3")),
    ("c3", "o3", "2024-03-03 10:00:00", ("i2",)),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("promote-queries")
    lines = [(c, o, at, "1.00", item, "1") for c, o, at, items in ORDERS for item in items]
    orders = write_csv(folder / "orders.csv", ("customer_id", "order_id", "ordered_at",
                                               "amount", "item_id", "quantity"), lines)
    items = write_csv(folder / "items.csv", ("item_id", "name", "category", "price"), ITEMS)
    warehouse = folder / "w.duckdb"
    ingest_orders(warehouse, orders, progress=False, items=items)
    refresh(warehouse, progress=False)
    return warehouse


def test_search_matches_id_name_or_category_in_any_case_best_sellers_first(db):
    with open_snapshot(db) as con:
        assert search_items(con, "GRAPES")["item_id"].tolist() == ["i2", "i1"]  # 3 orders vs 1
        assert search_items(con, "dairy eggs")["item_id"].tolist() == ["i3", "i5"]
        assert search_items(con, "i4")["item_name"].tolist() == ["Rye Bread"]
        assert search_items(con, "50%").empty  # no wildcard: nothing is named so
        assert len(search_items(con, "e", limit=2)) == 2


def test_basket_counts_count_orders_with_at_least_n_items(db):
    with open_snapshot(db) as con:
        assert basket_counts(con, 5) == (3, 1)
        assert basket_counts(con, 2) == (3, 2)
