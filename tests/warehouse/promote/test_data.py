"""The item propensity rows at a cut-off, on a hand-made orders file: the label's basket
condition and window, and features that read nothing after the cut-off."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from tests.support.raw_files import write_csv
from warehouse.ingest.orders import ingest_orders
from warehouse.pipeline.refresh import refresh
from warehouse.promote.data import PeriodData, PromoteSettings, plan_cutoffs

CUTOFF = datetime(2024, 3, 1)
BASKETS = [  # customer, order, time, items
    ("c1", "o1", "2024-02-10 12:00:00", ("i1", "i2", "i3", "i4", "i5")),  # large
    ("c1", "o2", "2024-02-27 12:00:00", ("i1", "i6")),
    ("c2", "o3", "2024-02-20 12:00:00", ("i2",)),
    ("c3", "o4", "2024-02-21 12:00:00", ("i3", "i4")),
    # the label window [2024-03-01, 2024-03-15)
    ("c1", "o5", "2024-03-03 12:00:00", ("i1", "i2", "i3", "i4", "i5")),  # large: positives
    ("c2", "o6", "2024-03-04 12:00:00", ("i1", "i2")),  # small: not a qualifying purchase
    ("c3", "o7", "2024-03-15 00:00:00", ("i1", "i2", "i3", "i4", "i5")),  # at the window's end
    ("c3", "o8", "2024-03-20 12:00:00", ("i6",)),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("promote-rows")
    lines = [(customer, order, at, "1.00", item, "1")
             for customer, order, at, items in BASKETS for item in items]
    orders = write_csv(folder / "orders.csv", ("customer_id", "order_id", "ordered_at", "amount",
                                               "item_id", "quantity"), lines)
    warehouse = folder / "w.duckdb"
    ingest_orders(warehouse, orders, progress=False)
    refresh(warehouse, progress=False)
    return warehouse


def rows_at(db: Path, **settings: int):
    period = PeriodData(db, PromoteSettings(min_item_buyers=1, **settings))
    with period.open() as data:
        rows = data.rows(CUTOFF, 10, sample=False)
    return rows.set_index(["customer_id", "item_id"]).sort_index()


def positives(rows) -> set[tuple[str, str]]:
    return set(rows.index[rows["label"] == 1])


def test_a_purchase_counts_only_in_a_large_enough_basket_inside_the_window(db):
    rows = rows_at(db, min_basket=5, horizon_days=14)
    # c2's small basket and c3's order at the window's end are negatives
    assert positives(rows) == {("c1", f"i{k}") for k in range(1, 6)}
    assert len(rows) == 3 * 6  # every customer with an order before the cut-off × every item


def test_the_basket_size_is_a_setting_of_the_label(db):
    rows = rows_at(db, min_basket=2, horizon_days=14)
    assert positives(rows) == {("c1", f"i{k}") for k in range(1, 6)} | {("c2", "i1"),
                                                                          ("c2", "i2")}


def test_features_read_nothing_from_the_cutoff_on(db):
    rows = rows_at(db, min_basket=5, horizon_days=14)
    c1_i1 = rows.loc[("c1", "i1")]
    assert c1_i1["count_orders"] == 2  # o5, after the cut-off, is not counted
    assert c1_i1["count_large_orders"] == 1
    assert c1_i1["count_bought"] == 2
    assert c1_i1["count_bought_large"] == 1
    assert c1_i1["days_since_bought"] == pytest.approx(2.5)  # 2024 is a leap year
    assert c1_i1["mean_gap_days"] == pytest.approx(17.0)
    assert c1_i1["count_buyers_28d"] == 1  # c2 buys i1 only after the cut-off
    assert pd.isna(rows.loc[("c2", "i1")]["count_bought"])  # no history before the cut-off
    assert rows.loc[("c3", "i6")]["count_buyers_28d"] == 1  # o8 is in the future


def test_cutoffs_are_consecutive_windows_ending_at_the_end_of_the_data():
    settings = PromoteSettings(horizon_days=14, train_periods=3)
    cutoffs = plan_cutoffs(datetime(2024, 1, 1), datetime(2024, 7, 1), settings)
    assert cutoffs.test == datetime(2024, 6, 17)
    assert cutoffs.validation == datetime(2024, 6, 3)
    assert cutoffs.train == (datetime(2024, 4, 22), datetime(2024, 5, 6), datetime(2024, 5, 20))


def test_data_too_short_for_three_windows_is_refused_with_the_days_needed():
    with pytest.raises(ValueError, match="at least 70 days"):
        plan_cutoffs(datetime(2024, 1, 1), datetime(2024, 2, 15), PromoteSettings())
