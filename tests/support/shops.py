"""Hand-made raw warehouses for the mart, refresh and step tests: a few rows whose marts can be
computed by hand, written with SQL into a real DuckDB file."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

import warehouse.pipeline.steps  # noqa: F401 -- registers the steps whose fields are published
from warehouse.ingest.raw import ensure_raw_schema
from warehouse.pipeline.context import RefreshContext
from warehouse.pipeline.registry import REGISTRY


def ms(text: str) -> int:
    """Epoch milliseconds of an ISO datetime read as UTC, the unit of the RetailRocket files."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def step_context(as_of: date, **settings: object) -> RefreshContext:
    """A refresh context for calling one step directly (paths unused by the model steps)."""
    fields: dict[str, object] = {
        "db": Path("unused.duckdb"), "snapshot": Path("unused.duckdb"), "as_of": as_of,
        "period_start": as_of, "last_data_date": as_of, "price_property": "790",
        "refreshed_at": datetime(2024, 1, 1),
        "published_fields": tuple((step.name, field) for step, field in REGISTRY.fields()),
    }
    return RefreshContext(**{**fields, **settings})


def build_warehouse(
    db: Path,
    *,
    events: Iterable[Sequence[object]] = (),
    item_properties: Iterable[Sequence[object]] = (),
    category_tree: Iterable[Sequence[object]] = (),
    orders: Iterable[Sequence[object]] = (),
    price_property: str | None = None,
) -> Path:
    """Create the raw schema in ``db`` and insert the given rows (raw column order)."""
    con = duckdb.connect(str(db))
    try:
        ensure_raw_schema(con)
        for table, rows, width in (
            ("events", list(events), 5),
            ("item_properties", list(item_properties), 4),
            ("category_tree", list(category_tree), 2),
            ("orders", list(orders), 6),
        ):
            if rows:
                marks = ", ".join("?" * width)
                con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        if price_property is not None:
            con.execute("INSERT INTO settings VALUES ('price_property', ?)", [price_property])
    finally:
        con.close()
    return db


# The RetailRocket shop used by most tests. Days of June 2015 (UTC):
#   06-01  visitor 1 views, carts and buys item 100 (order 5001); visitor 2 views item 100
#   06-02  visitor 3 views item 200 and buys items 200 and 300 in one basket (order 5002)
#   06-03  nothing happens
#   06-04  visitor 1 views and buys item 100 (order 5003); visitor 4 views item 200
#   06-05  visitor 2 buys item 200 (order 5004)
#   06-06  visitor 5 views and buys item 100 (order 5005)
# Prices (property 790): item 100 is 100 from 06-01, 120 from 06-03, 130 from 06-04 09:00 (after
# order 5003 at 08:30); item 200 is 50 from 06-05 (after order 5002); item 300 is never priced.
# Categories: item 100 is 3 from 06-01 and 11 from 06-03; item 200 is 2 from 06-05; item 300 is 11.
# Tree: 1 > 2 > 3 and 10 > 11.
SHOP_EVENTS = [
    (ms("2015-06-01 10:00"), 1, "view", 100, None),
    (ms("2015-06-01 10:05"), 1, "addtocart", 100, None),
    (ms("2015-06-01 10:10"), 1, "transaction", 100, 5001),
    (ms("2015-06-01 12:00"), 2, "view", 100, None),
    (ms("2015-06-02 09:00"), 3, "view", 200, None),
    (ms("2015-06-02 09:30"), 3, "transaction", 200, 5002),
    (ms("2015-06-02 09:30"), 3, "transaction", 300, 5002),
    (ms("2015-06-04 08:00"), 1, "view", 100, None),
    (ms("2015-06-04 08:30"), 1, "transaction", 100, 5003),
    (ms("2015-06-04 20:00"), 4, "view", 200, None),
    (ms("2015-06-05 12:00"), 2, "transaction", 200, 5004),
    (ms("2015-06-06 07:00"), 5, "view", 100, None),
    (ms("2015-06-06 07:15"), 5, "transaction", 100, 5005),
]
SHOP_PROPERTIES = [
    (ms("2015-06-01 00:00"), 100, "790", "n100.000"),
    (ms("2015-06-03 00:00"), 100, "790", "n120.000"),
    (ms("2015-06-04 09:00"), 100, "790", "n130.000"),
    (ms("2015-06-05 00:00"), 200, "790", "n50.000"),
    (ms("2015-06-01 00:00"), 100, "categoryid", "3"),
    (ms("2015-06-03 00:00"), 100, "categoryid", "11"),
    (ms("2015-06-05 00:00"), 200, "categoryid", "2"),
    (ms("2015-06-01 00:00"), 300, "categoryid", "11"),
    (ms("2015-06-01 00:00"), 100, "available", "1"),
    (ms("2015-06-01 00:00"), 300, "888", "n7.000"),  # not the price property
]
SHOP_TREE = [(1, None), (2, 1), (3, 2), (10, None), (11, 10)]


def build_shop(db: Path) -> Path:
    """The RetailRocket shop described above."""
    return build_warehouse(
        db, events=SHOP_EVENTS, item_properties=SHOP_PROPERTIES, category_tree=SHOP_TREE
    )


# An orders-only shop (generic orders file), July 2015:
#   07-01 09:00  c-1 order o-1: sku-1 × 3 for 30.0, and a line without item for 10.0
#   07-01 18:00  c-2 order o-2: sku-2 × 1 for 25.0
#   07-03 12:00  c-1 order o-3: sku-2 × 2 for 40.0
ORDERS = [
    ("c-1", "o-1", datetime(2015, 7, 1, 9), 30.0, "sku-1", 3),
    ("c-1", "o-1", datetime(2015, 7, 1, 9), 10.0, None, 1),
    ("c-2", "o-2", datetime(2015, 7, 1, 18), 25.0, "sku-2", 1),
    ("c-1", "o-3", datetime(2015, 7, 3, 12), 40.0, "sku-2", 2),
]


def build_orders_shop(db: Path) -> Path:
    """The orders-only shop described above."""
    return build_warehouse(db, orders=ORDERS)
