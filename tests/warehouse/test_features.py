"""Point-in-time customer features: hand-computed values, and nothing at or after the cut-off
changes them."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.support.raw_warehouse import add_raw_rows, ms
from warehouse.clock import cutoff_after
from warehouse.features import (
    build_features,
    compute_features,
    feature_query,
    feature_sets,
    open_raw,
)
from warehouse.snapshots import open_snapshot

CUTOFF = datetime(2015, 6, 10)
DAY = 86400.0

# Items 10 and 11 are priced (11 only from 06-03), 12 never; 10 and 11 are categorised from
# 06-01, 12 only from 06-06. Categories 2 and 3 are children of 1.
PROPERTIES = [
    (ms("2015-06-01 00:00:00"), 10, "categoryid", "2"),
    (ms("2015-06-01 00:00:00"), 10, "790", "n100.000"),
    (ms("2015-06-05 00:00:00"), 10, "790", "n120.000"),
    (ms("2015-06-01 00:00:00"), 11, "categoryid", "3"),
    (ms("2015-06-03 00:00:00"), 11, "790", "n50.000"),
    (ms("2015-06-06 00:00:00"), 12, "categoryid", "2"),
]
EVENTS = [
    # visitor 1: a session of view, cart add and purchase of 10 (price 100); item 11 bought
    # before its first price (the earliest known, 50, applies); a view of 12 once it has a
    # category; 10 bought at 120; a last view 15 minutes before the cut-off.
    (ms("2015-06-01 10:00:00"), 1, "view", 10, None),
    (ms("2015-06-01 10:10:00"), 1, "addtocart", 10, None),
    (ms("2015-06-01 10:20:00"), 1, "transaction", 10, 100),
    (ms("2015-06-02 09:00:00"), 1, "transaction", 11, 101),
    (ms("2015-06-07 12:00:00"), 1, "view", 12, None),
    (ms("2015-06-09 23:30:00"), 1, "transaction", 10, 102),
    (ms("2015-06-09 23:45:00"), 1, "view", 11, None),
    # visitor 2: two views of 12 before it has a category, 29:59 apart (one session), then a
    # view of 11 30:01 later (a second session) and a purchase of the never-priced 12.
    (ms("2015-06-05 08:00:00"), 2, "view", 12, None),
    (ms("2015-06-05 08:29:59"), 2, "view", 12, None),
    (ms("2015-06-05 09:00:00"), 2, "view", 11, None),
    (ms("2015-06-05 09:10:00"), 2, "transaction", 12, 104),
]
ORDERS = [  # an orders-file customer: one order of two lines
    ("c9", "o1", datetime(2015, 6, 8, 14), 30.0, "x", 2),
    ("c9", "o1", datetime(2015, 6, 8, 14), 10.0, "y", 1),
]

EXPECTED = {
    "1": {
        "first_event_at": datetime(2015, 6, 1, 10), "last_event_at": datetime(2015, 6, 9, 23, 45),
        "days_since_first_event": 8 + 14 / 24, "days_since_last_event": 15 / 1440,
        "count_events": 7, "count_views": 3, "count_cart_adds": 1, "count_purchases": 3,
        "count_orders": 3, "count_items": 3, "count_distinct_items": 3,
        "count_distinct_categories": 2, "gmv_amount": 270.0,
        "first_purchase_at": datetime(2015, 6, 1, 10, 20),
        "last_purchase_at": datetime(2015, 6, 9, 23, 30), "days_since_last_purchase": 30 / 1440,
        # sessions: 10:00-10:20, 06-02 09:00, 06-07 12:00, 06-09 23:30-23:45
        "count_sessions": 4, "avg_session_minutes": 35 / 4, "count_active_days": 4,
        "is_repeat_visitor": True, "count_events_last_1d": 2, "count_events_last_7d": 3,
        "count_events_last_30d": 7,
        # purchase days 06-01 (100), 06-02 (50), 06-09 (120); the as-of day is 06-09
        "frequency": 2, "recency": 8, "T": 8, "monetary_value": 85.0,
        "first_purchase_value": 100.0,
    },
    "2": {
        "first_event_at": datetime(2015, 6, 5, 8),
        "last_event_at": datetime(2015, 6, 5, 9, 10),
        "days_since_first_event": 4 + 16 / 24, "days_since_last_event": 4 + 890 / 1440,
        "count_events": 4, "count_views": 3, "count_cart_adds": 0, "count_purchases": 1,
        "count_orders": 1, "count_items": 1, "count_distinct_items": 2,
        "count_distinct_categories": 1, "gmv_amount": 0.0,  # 12 has no price before the cut-off
        "first_purchase_at": datetime(2015, 6, 5, 9, 10),
        "last_purchase_at": datetime(2015, 6, 5, 9, 10),
        "days_since_last_purchase": 4 + 890 / 1440,
        # sessions: 08:00-08:29:59 and 09:00-09:10
        "count_sessions": 2, "avg_session_minutes": (29 + 59 / 60 + 10) / 2,
        "count_active_days": 1, "is_repeat_visitor": False, "count_events_last_1d": 0,
        "count_events_last_7d": 4, "count_events_last_30d": 4,
        "frequency": 0, "recency": 0, "T": 4, "monetary_value": 0.0,
        "first_purchase_value": 0.0,  # its one item was never priced
    },

    "c9": {
        "first_event_at": datetime(2015, 6, 8, 14), "last_event_at": datetime(2015, 6, 8, 14),
        "days_since_first_event": 1 + 10 / 24, "days_since_last_event": 1 + 10 / 24,
        "count_events": 2, "count_views": 0, "count_cart_adds": 0, "count_purchases": 2,
        "count_orders": 1, "count_items": 3, "count_distinct_items": 2,
        "count_distinct_categories": 0, "gmv_amount": 40.0,
        "first_purchase_at": datetime(2015, 6, 8, 14),
        "last_purchase_at": datetime(2015, 6, 8, 14), "days_since_last_purchase": 1 + 10 / 24,
        "count_sessions": 1, "avg_session_minutes": 0.0, "count_active_days": 1,
        "is_repeat_visitor": False, "count_events_last_1d": 0, "count_events_last_7d": 2,
        "count_events_last_30d": 2,
        "frequency": 0, "recency": 0, "T": 1, "monetary_value": 0.0,
        "first_purchase_value": 40.0,  # one order of two lines
    },
}

# Rows at or after the cut-off: events and orders of known and new customers, and price and
# category changes of the items bought or viewed before it.
LATER_EVENTS = [
    (ms("2015-06-10 00:00:00"), 1, "transaction", 12, 103),
    (ms("2015-06-10 00:05:00"), 2, "addtocart", 10, None),
    (ms("2015-06-11 09:00:00"), 3, "view", 10, None),
]
LATER_ORDERS = [
    ("c9", "o2", datetime(2015, 6, 10), 99.0, "x", 1),
    ("c8", "o3", datetime(2015, 6, 12), 5.0, None, 1),
]
LATER_PROPERTIES = [
    (ms("2015-06-10 00:00:00"), 10, "790", "n1.000"),
    (ms("2015-06-10 00:00:00"), 11, "categoryid", "2"),
    (ms("2015-06-11 00:00:00"), 12, "790", "n7.000"),
    (ms("2015-06-11 00:00:00"), 12, "categoryid", "3"),
]


@pytest.fixture
def raw_db(tmp_path: Path) -> Path:
    return add_raw_rows(
        tmp_path / "w.duckdb", events=EVENTS, item_properties=PROPERTIES, orders=ORDERS,
        category_tree=[(1, None), (2, 1), (3, 1)], settings=[("price_property", "790")])


def _values(frame: pd.DataFrame, customer_id: str) -> dict[str, object]:
    row = frame.set_index("customer_id").loc[customer_id].to_dict()
    return {name: (None if pd.isna(value) else value) for name, value in row.items()}


def test_customer_features_is_a_shipped_feature_set() -> None:
    assert "customer_features" in feature_sets()
    with pytest.raises(ValueError, match="no feature set 'churn_features'"):
        feature_query("churn_features")


def test_each_customer_gets_the_hand_computed_features(raw_db: Path) -> None:
    frame = compute_features(raw_db, CUTOFF)
    assert frame["customer_id"].tolist() == ["1", "2", "c9"]
    assert (frame["cutoff_at"] == CUTOFF).all()
    for customer_id, expected in EXPECTED.items():
        got = _values(frame, customer_id)
        assert set(got) == set(expected) | {"cutoff_at"}
        for name, value in expected.items():
            if isinstance(value, float):
                assert got[name] == pytest.approx(value, rel=1e-12), (customer_id, name)
            else:
                assert got[name] == value, (customer_id, name)


def test_rows_at_or_after_the_cutoff_change_no_feature(raw_db: Path) -> None:
    before = compute_features(raw_db, CUTOFF)
    add_raw_rows(raw_db, events=LATER_EVENTS, orders=LATER_ORDERS,
                 item_properties=LATER_PROPERTIES)
    pd.testing.assert_frame_equal(compute_features(raw_db, CUTOFF), before)
    # The added rows are real data: a later cut-off sees them.
    later = compute_features(raw_db, CUTOFF + timedelta(days=3))
    assert later["customer_id"].tolist() == ["1", "2", "3", "c8", "c9"]
    assert _values(later, "1")["count_purchases"] == 4


def test_a_cutoff_with_a_time_zone_is_the_same_instant_in_utc(raw_db: Path) -> None:
    plus_two = timezone(timedelta(hours=2))
    pd.testing.assert_frame_equal(
        compute_features(raw_db, datetime(2015, 6, 10, 2, tzinfo=plus_two)).drop(
            columns="cutoff_at"),
        compute_features(raw_db, CUTOFF).drop(columns="cutoff_at"))


def test_features_are_built_as_a_table_under_the_name_asked_for(raw_db: Path) -> None:
    with open_raw(raw_db) as con:
        assert build_features(con, "customer_features", CUTOFF, "train_2015_06_10") == \
            "train_2015_06_10"
        assert con.sql("SELECT count(*) FROM train_2015_06_10").fetchall() == [(3,)]
        with pytest.raises(ValueError, match="not a plain lower-case SQL identifier"):
            build_features(con, "customer_features", CUTOFF, "x; DROP TABLE y")


def test_the_demo_features_equal_those_of_the_warehouse_cut_at_the_cutoff(
    demo_db: Path, tmp_path: Path
) -> None:
    cutoff = datetime(2015, 7, 15, 10, 30)
    cut = tmp_path / "cut.duckdb"
    shutil.copy(demo_db, cut)
    with duckdb.connect(str(cut)) as con:
        removed = sum(con.execute(sql, [value]).fetchall()[0][0] for sql, value in (
            ('DELETE FROM events WHERE "timestamp" >= ?', ms("2015-07-15 10:30:00")),
            ('DELETE FROM item_properties WHERE "timestamp" >= ?', ms("2015-07-15 10:30:00")),
            ("DELETE FROM orders WHERE ordered_at >= ?", cutoff),
        ))
    assert removed > 1000
    pd.testing.assert_frame_equal(compute_features(demo_db, cutoff), compute_features(cut, cutoff))


def test_the_clv_inputs_equal_those_the_refresh_fitted_on(demo_db: Path) -> None:
    with open_snapshot(demo_db) as snap:
        [(as_of,)] = snap.execute("SELECT as_of_date FROM refresh_info").fetchall()
        refreshed = snap.execute("SELECT * FROM clv_inputs ORDER BY customer_id").df()
    features = compute_features(demo_db, cutoff_after(as_of))
    buyers = features.loc[features["frequency"].notna(), list(refreshed.columns)]
    assert len(refreshed) > 100
    pd.testing.assert_frame_equal(buyers.reset_index(drop=True), refreshed, check_dtype=False)
