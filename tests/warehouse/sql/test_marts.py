"""The SQL marts on hand-made warehouses: expected values are worked out from the fixtures in
tests/support/shops.py (see the story told there)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.support.shops import (
    SHOP_EVENTS,
    SHOP_PROPERTIES,
    SHOP_TREE,
    build_orders_shop,
    build_shop,
    build_warehouse,
    ms,
)
from warehouse.pipeline.refresh import refresh
from warehouse.pipeline.steps.marts import SQL_MODEL_STEPS

KEYS = {
    "order_lines": ("order_id", "line_number"),
    "daily_kpis": ("kpi_date",),
    "daily_category_gmv": ("kpi_date", "category_id"),
    "daily_leaf_category_gmv": ("kpi_date", "category_id"),
    "daily_item_gmv": ("kpi_date", "item_id"),
    "customers": ("customer_id",),  # the published form of customer_summary
    "item_catalogue": ("item_id",),
    "customer_push_consent": ("customer_id",),
}


def _snapshot(db: Path, as_of: date | None = None) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(refresh(db, as_of=as_of, progress=False)), read_only=True)


def _frame(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    return con.table(table).df()


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    con = _snapshot(build_shop(tmp_path_factory.mktemp("shop") / "shop.duckdb"))
    yield con
    con.close()


@pytest.fixture(scope="module")
def orders_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    con = _snapshot(build_orders_shop(tmp_path_factory.mktemp("orders") / "orders.duckdb"))
    yield con
    con.close()


def _lines(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], dict]:
    frame = _frame(con, "order_lines")
    return {(row.order_id, row.item_id): row._asdict() for row in frame.itertuples(index=False)}


@pytest.mark.parametrize("table", sorted(KEYS))
@pytest.mark.parametrize("fixture", ["shop", "orders_shop"])
def test_every_mart_key_is_unique_and_not_null(table, fixture, request):
    con = request.getfixturevalue(fixture)
    frame = _frame(con, table)
    key = list(KEYS[table])
    assert frame[key].notna().all().all()
    assert not frame.duplicated(key).any()


def test_order_lines_contract_key_with_item_is_unique(shop):
    frame = _frame(shop, "order_lines")
    assert not frame.duplicated(["order_id", "item_id", "line_number"]).any()


def test_every_mart_is_built():
    tables = {table for step in SQL_MODEL_STEPS for table in step.reported}
    scratch = {table for step in SQL_MODEL_STEPS for table in step.scratch}
    assert set(KEYS) - {"customers"} | {"refresh_info"} == tables - scratch
    assert scratch == {"customer_summary"}


def test_price_is_the_one_in_force_at_the_purchase(shop):
    lines = _lines(shop)
    assert lines[("5001", "100")]["price_amount"] == 100.0  # price 100 since 06-01
    assert lines[("5003", "100")]["price_amount"] == 120.0  # 120 since 06-03
    assert lines[("5005", "100")]["price_amount"] == 130.0  # 130 since 06-04 09:00
    assert lines[("5004", "200")]["price_amount"] == 50.0  # bought the day its price appeared
    assert not lines[("5004", "200")]["is_price_imputed"]


def test_price_recorded_later_the_same_day_is_not_used(shop):
    line = _lines(shop)[("5003", "100")]  # bought 06-04 08:30; 130 recorded 06-04 09:00
    assert line["line_amount"] == 120.0
    assert not line["is_price_imputed"]


def test_purchase_before_first_known_price_takes_earliest_price_and_is_flagged(shop):
    line = _lines(shop)[("5002", "200")]  # bought 06-02; first price 50 recorded 06-05
    assert line["price_amount"] == 50.0
    assert line["line_amount"] == 50.0
    assert line["is_price_imputed"]


def test_never_priced_item_has_no_price_zero_amount_and_is_counted(shop):
    line = _lines(shop)[("5002", "300")]
    assert pd.isna(line["price_amount"])
    assert line["line_amount"] == 0.0
    assert line["is_price_imputed"]
    info = _frame(shop, "refresh_info").iloc[0]
    assert info["count_unpriced_lines"] == 1
    assert info["count_imputed_price_lines"] == 1


def test_category_and_root_are_those_in_force_at_the_purchase(shop):
    lines = _lines(shop)
    assert (lines[("5001", "100")]["category_id"], lines[("5001", "100")]["root_category_id"]) == (
        "3",
        "1",
    )  # category 3 on 06-01; tree 1 > 2 > 3
    assert (lines[("5003", "100")]["category_id"], lines[("5003", "100")]["root_category_id"]) == (
        "11",
        "10",
    )  # moved to category 11 on 06-03
    assert lines[("5002", "200")]["category_id"] == "2"  # earliest known category, from 06-05


def test_basket_size_and_line_numbers_follow_the_order(shop):
    lines = _frame(shop, "order_lines").set_index(["order_id", "item_id"])
    assert lines.loc[("5002", "200"), "basket_size"] == 2
    assert sorted(lines.loc["5002", "line_number"]) == [1, 2]
    assert lines.loc[("5001", "100"), "basket_size"] == 1
    assert set(lines["source"]) == {"events"}
    assert (lines["quantity"] == 1).all()


def test_ids_are_text_and_times_are_utc_timestamps(shop):
    line = _lines(shop)[("5001", "100")]
    assert line["customer_id"] == "1"
    assert line["ordered_at"] == pd.Timestamp("2015-06-01 10:10")
    assert line["order_date"] == pd.Timestamp("2015-06-01")


def test_daily_kpis_has_every_day_including_quiet_ones(shop):
    days = _frame(shop, "daily_kpis")["kpi_date"]
    assert list(days) == list(pd.date_range("2015-06-01", "2015-06-06"))
    quiet = _frame(shop, "daily_kpis").set_index("kpi_date").loc["2015-06-03"]
    assert quiet[["traffic", "count_orders", "gmv_amount", "conversion_rate"]].sum() == 0


def test_daily_kpis_hand_computed_first_day(shop):
    day = _frame(shop, "daily_kpis").set_index("kpi_date").loc["2015-06-01"]
    # visitors 1 and 2 active and viewing, 1 adds to cart and buys item 100 at 100
    assert day["traffic"] == 2
    assert day["count_viewers"] == 2
    assert day["count_cart_adders"] == 1
    assert day["count_buyers"] == 1
    assert day["count_orders"] == 1
    assert day["gmv_amount"] == 100.0
    assert day["conversion_rate"] == 1 / 2
    assert day["avg_ticket_amount"] == 100.0 / 1


def test_daily_kpis_gmv_counts_prices_of_a_basket(shop):
    day = _frame(shop, "daily_kpis").set_index("kpi_date").loc["2015-06-02"]
    assert (day["count_orders"], day["gmv_amount"]) == (1, 50.0 + 0.0)


def test_gmv_equals_traffic_times_conversion_times_ticket_every_day(shop, orders_shop):
    for con in (shop, orders_shop):
        kpis = _frame(con, "daily_kpis")
        product = kpis["traffic"] * kpis["conversion_rate"] * kpis["avg_ticket_amount"]
        assert all(map(math.isclose, product, kpis["gmv_amount"]))


def test_daily_gmv_reconciles_with_order_lines(shop):
    total = _frame(shop, "order_lines")["line_amount"].sum()
    assert _frame(shop, "daily_kpis")["gmv_amount"].sum() == total
    assert _frame(shop, "daily_item_gmv")["gmv_amount"].sum() == total
    assert _frame(shop, "daily_category_gmv")["gmv_amount"].sum() == total


def test_daily_category_gmv_is_by_root_category(shop):
    by_root = _frame(shop, "daily_category_gmv").groupby("category_id")["gmv_amount"].sum()
    # root 1: 100 (06-01) + 50 (06-02) + 50 (06-05); root 10: 0 + 120 + 130
    assert by_root.to_dict() == {"1": 200.0, "10": 250.0}


def test_customer_summary_counts(shop):
    summary = _frame(shop, "customers").set_index("customer_id")
    assert set(summary.index) == {"1", "2", "3", "4", "5"}
    one = summary.loc["1"]
    assert (one["count_events"], one["count_views"], one["count_cart_adds"]) == (5, 2, 1)
    assert (one["count_orders"], one["count_items"], one["gmv_amount"]) == (2, 2, 220.0)
    assert one["first_event_at"] == pd.Timestamp("2015-06-01 10:00")
    assert one["last_event_at"] == pd.Timestamp("2015-06-04 08:30")
    assert one["first_purchase_at"] == pd.Timestamp("2015-06-01 10:10")
    assert one["last_purchase_at"] == pd.Timestamp("2015-06-04 08:30")
    assert summary.loc["3", "avg_basket_size"] == 2 / 1
    # visitor 1 was active from 06-01 to 06-04; visitor 3 only on 06-02 (two events)
    assert summary["is_single_visit"].to_dict() == {
        "1": False, "2": False, "3": True, "4": True, "5": True}
    window_shopper = summary.loc["4"]
    assert (window_shopper["count_orders"], window_shopper["gmv_amount"]) == (0, 0.0)
    assert pd.isna(window_shopper["first_purchase_at"])


def test_as_of_excludes_later_events_and_later_prices(tmp_path):
    con = _snapshot(build_shop(tmp_path / "shop.duckdb"), as_of=date(2015, 6, 4))
    kpis = _frame(con, "daily_kpis")
    assert kpis["kpi_date"].max() == pd.Timestamp("2015-06-04")
    assert set(_frame(con, "order_lines")["order_id"]) == {"5001", "5002", "5003"}
    # item 200's first price (06-05) lies after the as-of date: unknown then
    assert pd.isna(_lines(con)[("5002", "200")]["price_amount"])
    summary = _frame(con, "customers").set_index("customer_id")
    assert "5" not in summary.index
    assert summary.loc["2", "count_events"] == 1
    info = _frame(con, "refresh_info").iloc[0]
    assert info["as_of_date"] == pd.Timestamp("2015-06-04")
    assert info["count_unpriced_lines"] == 2
    con.close()


def test_as_of_later_than_data_adds_empty_days(tmp_path):
    con = _snapshot(build_shop(tmp_path / "shop.duckdb"), as_of=date(2015, 6, 8))
    kpis = _frame(con, "daily_kpis").set_index("kpi_date")
    assert len(kpis) == 8
    assert kpis.loc["2015-06-07":, "traffic"].sum() == 0
    info = _frame(con, "refresh_info").iloc[0]
    assert info["last_event_date"] == pd.Timestamp("2015-06-06")
    con.close()


def test_refresh_info_describes_the_refresh(tmp_path):
    db = build_warehouse(
        tmp_path / "w.duckdb",
        events=[(ms("2015-06-01 10:00"), 1, "transaction", 7, 1)],
        item_properties=[
            (ms("2015-06-01 00:00"), 7, "888", "n40.000"),
            (ms("2015-06-01 00:00"), 7, "790", "n99.000"),
        ],
        price_property="888",
    )
    con = _snapshot(db)
    info = _frame(con, "refresh_info").iloc[0]
    assert info["price_property"] == "888"
    assert (info["first_event_date"], info["last_event_date"]) == (
        pd.Timestamp("2015-06-01"),
        pd.Timestamp("2015-06-01"),
    )
    assert _frame(con, "order_lines")["price_amount"].tolist() == [40.0]
    con.close()


def test_orders_file_rows_flow_into_order_lines(orders_shop):
    lines = _frame(orders_shop, "order_lines")
    assert set(lines["source"]) == {"orders"}
    assert lines["category_id"].isna().all()
    sku1 = lines[lines["item_id"] == "sku-1"].iloc[0]
    assert (sku1["line_amount"], sku1["price_amount"], sku1["quantity"]) == (30.0, 30.0 / 3, 3)
    assert sku1["basket_size"] == 2
    assert not lines["is_price_imputed"].any()


def test_orders_file_rows_flow_into_daily_kpis(orders_shop):
    kpis = _frame(orders_shop, "daily_kpis").set_index("kpi_date")
    assert list(kpis.index) == list(pd.date_range("2015-07-01", "2015-07-03"))
    first = kpis.loc["2015-07-01"]  # c-1 (o-1: 30 + 10) and c-2 (o-2: 25)
    assert (first["traffic"], first["count_buyers"], first["count_orders"]) == (2, 2, 2)
    assert first["gmv_amount"] == 30.0 + 10.0 + 25.0
    assert first["conversion_rate"] == 2 / 2
    assert first["avg_ticket_amount"] == (30.0 + 10.0 + 25.0) / 2
    assert kpis.loc["2015-07-02", "traffic"] == 0


def test_orders_file_customers_are_summarised(orders_shop):
    summary = _frame(orders_shop, "customers").set_index("customer_id")
    c1 = summary.loc["c-1"]
    assert (c1["count_orders"], c1["count_items"], c1["gmv_amount"]) == (2, 3 + 1 + 2, 80.0)
    assert c1["avg_basket_size"] == 3 / 2  # three lines over two orders
    assert (c1["count_events"], c1["count_views"]) == (3, 0)
    assert c1["last_purchase_at"] == pd.Timestamp(datetime(2015, 7, 3, 12))


def test_item_gmv_leaves_out_lines_without_item(orders_shop):
    items = _frame(orders_shop, "daily_item_gmv")
    assert set(items["item_id"]) == {"sku-1", "sku-2"}
    assert items["gmv_amount"].sum() == 30.0 + 25.0 + 40.0


def test_a_visitor_also_in_the_orders_file_is_one_visit_a_day(tmp_path):
    # Orders-file customer "4" is visitor 4, who viewed on 06-04: one visit that day, and one
    # customer. "04" is another id (text, not a number), and "2" orders on a day without events.
    orders = [
        ("4", "o-1", datetime(2015, 6, 4, 21), 10.0, "sku-1", 1),
        ("04", "o-2", datetime(2015, 6, 4, 22), 20.0, "sku-1", 1),
        ("2", "o-3", datetime(2015, 6, 3, 10), 30.0, "sku-1", 1),
    ]
    db = build_warehouse(tmp_path / "mixed.duckdb", events=SHOP_EVENTS,
                         item_properties=SHOP_PROPERTIES, category_tree=SHOP_TREE, orders=orders)
    con = _snapshot(db)
    kpis = _frame(con, "daily_kpis").set_index("kpi_date")
    customers = _frame(con, "customers").set_index("customer_id")
    con.close()
    # 06-04: visitors 1 and 4 by events, plus "04" from the orders file
    assert kpis.loc["2015-06-04", ["traffic", "count_viewers"]].tolist() == [3, 2]
    assert kpis.loc["2015-06-03", ["traffic", "count_viewers"]].tolist() == [1, 0]
    assert (customers.loc["4", "count_events"], customers.loc["4", "count_orders"]) == (2, 1)
    assert customers.loc["04", "count_views"] == 0
