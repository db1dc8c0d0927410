"""A small, realistic published snapshot with the daily contract tables (docs/ARCHITECTURE.md).

61 days (2024-03-01 to 2024-04-30, as of 2024-04-30). ``order_lines`` is the source of truth;
the daily marts are aggregated from it here as the marts define them (``daily_category_gmv`` per
root category, without uncategorised lines), so every figure a test expects can be derived from
``OverviewSnapshot.frames`` with plain pandas. Tables are stored in key order, as the marts are.

Items (price, category → root): 101 (10, 11 → 1), 102 (25, 11 → 1), 103 (40, 12 → 1),
104 (15, 21 → 2), 105 (60, 31 → 3), 106 (5, no category). Day i (0-based) has 1 + i % 4 orders;
order k buys item (i + 2k) % 6 with quantity 1 + (k == 1); on days with i % 5 == 0 the first
order also buys the next item. Traffic grows: 200 + 3i + 10 (i % 7) visits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.snapshots import new_snapshot_path, publish_snapshot

FIRST_DAY = date(2024, 3, 1)
DAYS = 61
AS_OF = FIRST_DAY + timedelta(days=DAYS - 1)
ITEMS = [  # item_id, category_id, root_category_id, price
    ("101", "11", "1", 10.0),
    ("102", "11", "1", 25.0),
    ("103", "12", "1", 40.0),
    ("104", "21", "2", 15.0),
    ("105", "31", "3", 60.0),
    ("106", None, None, 5.0),
]

DDL = """
CREATE TABLE refresh_info (as_of_date DATE, refreshed_at TIMESTAMP, first_event_date DATE,
    last_event_date DATE, price_property VARCHAR);
CREATE TABLE order_lines (customer_id VARCHAR, order_id VARCHAR, ordered_at TIMESTAMP,
    order_date DATE, item_id VARCHAR, category_id VARCHAR, root_category_id VARCHAR,
    price_amount DOUBLE, quantity INTEGER, line_amount DOUBLE, basket_size INTEGER,
    is_price_imputed BOOLEAN, source VARCHAR, line_number INTEGER);
CREATE TABLE daily_kpis (kpi_date DATE, traffic BIGINT, count_viewers BIGINT,
    count_cart_adders BIGINT, count_buyers BIGINT, count_orders BIGINT, gmv_amount DOUBLE,
    conversion_rate DOUBLE, avg_ticket_amount DOUBLE);
CREATE TABLE daily_category_gmv (kpi_date DATE, category_id VARCHAR, gmv_amount DOUBLE,
    count_orders BIGINT, count_items BIGINT);
CREATE TABLE daily_item_gmv (kpi_date DATE, item_id VARCHAR, category_id VARCHAR,
    gmv_amount DOUBLE, count_items BIGINT);
CREATE TABLE item_catalogue (item_id VARCHAR, item_name VARCHAR);
"""


@dataclass(frozen=True)
class OverviewSnapshot:
    db: Path
    path: Path
    frames: dict[str, pd.DataFrame]


def _order_lines() -> pd.DataFrame:
    rows = []
    for i in range(DAYS):
        day = FIRST_DAY + timedelta(days=i)
        for k in range(1 + i % 4):
            picks = [(i + 2 * k) % 6] + ([(i + 2 * k + 1) % 6] if k == 0 and i % 5 == 0 else [])
            for line_number, pick in enumerate(picks, start=1):
                item_id, category_id, root_id, price = ITEMS[pick]
                quantity = 2 if k == 1 else 1
                rows.append(
                    {
                        "customer_id": f"c{(7 * i + k) % 40}",
                        "order_id": f"o{i}-{k}",
                        "ordered_at": datetime.combine(day, datetime.min.time())
                        + timedelta(hours=9 + k),
                        "order_date": day,
                        "item_id": item_id,
                        "category_id": category_id,
                        "root_category_id": root_id,
                        "price_amount": price,
                        "quantity": quantity,
                        "line_amount": price * quantity,
                        "basket_size": len(picks),
                        "is_price_imputed": False,
                        "source": "events",
                        "line_number": line_number,
                    }
                )
    return pd.DataFrame(rows)


def _daily_kpis(lines: pd.DataFrame) -> pd.DataFrame:
    per_day = lines.groupby("order_date").agg(
        count_orders=("order_id", "nunique"),
        count_buyers=("customer_id", "nunique"),
        gmv_amount=("line_amount", "sum"),
    )
    days = pd.Index([FIRST_DAY + timedelta(days=i) for i in range(DAYS)], name="order_date")
    kpis = (
        per_day.reindex(days, fill_value=0).reset_index().rename(columns={"order_date": "kpi_date"})
    )
    index = pd.Series(range(DAYS))
    kpis["traffic"] = 200 + 3 * index + 10 * (index % 7)
    kpis["count_viewers"] = kpis["traffic"] - 20
    kpis["count_cart_adders"] = 15 + index % 6
    kpis["conversion_rate"] = kpis["count_orders"] / kpis["traffic"]
    kpis["avg_ticket_amount"] = kpis["gmv_amount"] / kpis["count_orders"]
    return kpis[
        [
            "kpi_date",
            "traffic",
            "count_viewers",
            "count_cart_adders",
            "count_buyers",
            "count_orders",
            "gmv_amount",
            "conversion_rate",
            "avg_ticket_amount",
        ]
    ]


def overview_frames() -> dict[str, pd.DataFrame]:
    lines = _order_lines()
    category = (  # root categories; lines without a category are left out
        lines.dropna(subset=["root_category_id"])
        .groupby(["order_date", "root_category_id"])
        .agg(
            gmv_amount=("line_amount", "sum"),
            count_orders=("order_id", "nunique"),
            count_items=("quantity", "sum"),
        )
        .reset_index()
        .rename(columns={"order_date": "kpi_date", "root_category_id": "category_id"})
    )
    item = (
        lines.groupby(["order_date", "item_id"])
        .agg(
            category_id=("category_id", "first"),
            gmv_amount=("line_amount", "sum"),
            count_items=("quantity", "sum"),
        )
        .reset_index()
        .rename(columns={"order_date": "kpi_date"})
    )
    info = pd.DataFrame(
        [
            {
                "as_of_date": AS_OF,
                "refreshed_at": datetime(2024, 5, 1, 6, 0),
                "first_event_date": FIRST_DAY,
                "last_event_date": AS_OF,
                "price_property": "790",
            }
        ]
    )
    return {
        "refresh_info": info,
        "order_lines": lines,
        "daily_kpis": _daily_kpis(lines),
        "daily_category_gmv": category,
        "daily_item_gmv": item,
        "item_catalogue": pd.DataFrame({  # names for all but item 106
            "item_id": [item_id for item_id, *_ in ITEMS],
            "item_name": [f"Product {item_id}" if item_id != "106" else None
                          for item_id, *_ in ITEMS]}),
    }


def write_overview_snapshot(db: Path) -> OverviewSnapshot:
    """Write the tables into a real snapshot file and publish it for ``db``."""
    frames = overview_frames()
    building = new_snapshot_path(db)
    con = duckdb.connect(str(building))
    try:
        con.execute(DDL)
        for table, frame in frames.items():
            con.register("frame", frame)
            columns = ", ".join(frame.columns)
            key = "kpi_date" if table.startswith("daily_") else "1"
            con.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM frame ORDER BY {key}"
            )
            con.unregister("frame")
    finally:
        con.close()
    return OverviewSnapshot(db=db, path=publish_snapshot(db, building), frames=frames)
