"""The daily list's reads of the warehouse: the candidates of a report date are exactly the
visitors active in the 24 hours before it, their features are the hand-computed ones, nothing
at or after the date changes them, and outcomes and segments read the right windows."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from tests.support.raw_warehouse import add_raw_rows, ms
from warehouse.daily import data
from warehouse.features import feature_sets, open_raw

DAY = date(2015, 6, 10)  # the report date: cut-off 2015-06-10 00:00 UTC, window from 06-09 00:00

PROPERTIES = [
    (ms("2015-06-01 00:00:00"), 10, "categoryid", "2"),
    (ms("2015-06-01 00:00:00"), 10, "790", "n100.000"),
    (ms("2015-06-05 00:00:00"), 10, "790", "n120.000"),
    (ms("2015-06-01 00:00:00"), 11, "categoryid", "3"),
    (ms("2015-06-03 00:00:00"), 11, "790", "n50.000"),
    (ms("2015-06-06 00:00:00"), 12, "categoryid", "2"),
]
EVENTS = [
    # visitor 1: bought item 10 (price 100) on 06-01; in the window two sessions: views of 11
    # (50) and 10 (120) and a cart add of 10 at 08:00-08:20, a view of the unpriced 12 at 20:00.
    (ms("2015-06-01 10:00:00"), 1, "view", 10, None),
    (ms("2015-06-01 10:10:00"), 1, "addtocart", 10, None),
    (ms("2015-06-01 10:20:00"), 1, "transaction", 10, 100),
    (ms("2015-06-09 08:00:00"), 1, "view", 11, None),
    (ms("2015-06-09 08:10:00"), 1, "view", 10, None),
    (ms("2015-06-09 08:20:00"), 1, "addtocart", 10, None),
    (ms("2015-06-09 20:00:00"), 1, "view", 12, None),
    # visitor 2: active only before the window
    (ms("2015-06-05 09:00:00"), 2, "view", 11, None),
    # visitor 3: one view at the very start of the window
    (ms("2015-06-09 00:00:00"), 3, "view", 11, None),
    # visitor 4: a view a millisecond before the window
    (ms("2015-06-08 23:59:59.999"), 4, "view", 10, None),
    # visitor 5: a purchase session in the window
    (ms("2015-06-09 12:00:00"), 5, "view", 10, None),
    (ms("2015-06-09 12:05:00"), 5, "addtocart", 10, None),
    (ms("2015-06-09 12:06:00"), 5, "transaction", 10, 105),
]
ORDERS = [  # an orders-file customer: one order of two lines in the window
    ("c9", "o1", datetime(2015, 6, 9, 14), 30.0, "x", 2),
    ("c9", "o1", datetime(2015, 6, 9, 14), 10.0, "y", 1),
]
LATER_EVENTS = [
    (ms("2015-06-10 00:00:00"), 1, "transaction", 11, 103),
    (ms("2015-06-10 00:00:00"), 3, "view", 10, None),
    (ms("2015-06-12 23:59:59.999"), 5, "transaction", 11, 106),
    (ms("2015-06-13 00:00:00"), 3, "transaction", 10, 107),
    (ms("2015-06-11 09:00:00"), 6, "view", 10, None),
]
LATER_ORDERS = [
    ("c9", "o2", datetime(2015, 6, 12, 23), 99.0, "x", 1),
    ("c8", "o3", datetime(2015, 6, 11), 5.0, None, 1),
]
LATER_PROPERTIES = [
    (ms("2015-06-10 00:00:00"), 10, "790", "n1.000"),
    (ms("2015-06-10 00:00:00"), 12, "790", "n7.000"),
    (ms("2015-06-10 00:00:00"), 11, "categoryid", "2"),
]

EXPECTED = {
    "1": {
        "count_events_24h": 4, "count_views_24h": 3, "count_cart_adds_24h": 1,
        "count_carted_items_24h": 1, "count_purchases_24h": 0, "count_distinct_items_24h": 3,
        "count_distinct_categories_24h": 2, "avg_view_price_24h": 85.0,
        "max_view_price_24h": 120.0, "avg_cart_price_24h": 120.0, "count_sessions_24h": 2,
        "session_minutes_24h": 20.0, "hour_of_last_activity": 20,
        "hours_since_last_activity": 4.0, "is_repeat_visitor": True,
        "days_since_previous_visit": 8 + 820 / 1440, "days_since_first_activity": 8 + 14 / 24,
        "count_active_days": 2, "is_single_visit": False, "count_sessions": 3,
        "avg_session_minutes": 40 / 3, "count_views": 4, "count_cart_adds": 2,
        "count_distinct_items": 3, "count_orders": 1, "gmv_amount": 100.0,
        "days_since_last_purchase": 8 + 820 / 1440, "recency_days": 8,
    },
    "3": {
        "count_events_24h": 1, "count_views_24h": 1, "count_cart_adds_24h": 0,
        "count_carted_items_24h": 0, "count_purchases_24h": 0, "count_distinct_items_24h": 1,
        "count_distinct_categories_24h": 1, "avg_view_price_24h": 50.0,
        "max_view_price_24h": 50.0, "avg_cart_price_24h": None, "count_sessions_24h": 1,
        "session_minutes_24h": 0.0, "hour_of_last_activity": 0,
        "hours_since_last_activity": 24.0, "is_repeat_visitor": False,
        "days_since_previous_visit": None, "days_since_first_activity": 1.0,
        "count_active_days": 1, "is_single_visit": True, "count_sessions": 1,
        "avg_session_minutes": 0.0, "count_views": 1, "count_cart_adds": 0,
        "count_distinct_items": 1, "count_orders": 0, "gmv_amount": 0.0,
        "days_since_last_purchase": None, "recency_days": None,
    },
    "5": {
        "count_events_24h": 3, "count_views_24h": 1, "count_cart_adds_24h": 1,
        "count_carted_items_24h": 1, "count_purchases_24h": 1, "count_distinct_items_24h": 1,
        "count_distinct_categories_24h": 1, "avg_view_price_24h": 120.0,
        "max_view_price_24h": 120.0, "avg_cart_price_24h": 120.0, "count_sessions_24h": 1,
        "session_minutes_24h": 6.0, "hour_of_last_activity": 12,
        "hours_since_last_activity": 12 - 6 / 60, "is_repeat_visitor": False,
        "days_since_previous_visit": None, "days_since_first_activity": 0.5,
        "count_active_days": 1, "is_single_visit": True, "count_sessions": 1,
        "avg_session_minutes": 6.0, "count_views": 1, "count_cart_adds": 1,
        "count_distinct_items": 1, "count_orders": 1, "gmv_amount": 120.0,
        "days_since_last_purchase": (12 - 6 / 60) / 24, "recency_days": 0,
    },
    "c9": {
        "count_events_24h": 2, "count_views_24h": 0, "count_cart_adds_24h": 0,
        "count_carted_items_24h": 0, "count_purchases_24h": 2, "count_distinct_items_24h": 0,
        "count_distinct_categories_24h": 0, "avg_view_price_24h": None,
        "max_view_price_24h": None, "avg_cart_price_24h": None, "count_sessions_24h": 1,
        "session_minutes_24h": 0.0, "hour_of_last_activity": 14,
        "hours_since_last_activity": 10.0, "is_repeat_visitor": False,
        "days_since_previous_visit": None, "days_since_first_activity": 10 / 24,
        "count_active_days": 1, "is_single_visit": True, "count_sessions": 1,
        "avg_session_minutes": 0.0, "count_views": 0, "count_cart_adds": 0,
        "count_distinct_items": 0, "count_orders": 1, "gmv_amount": 40.0,
        "days_since_last_purchase": 10 / 24, "recency_days": 0,
    },
}


@pytest.fixture
def raw_db(tmp_path: Path) -> Path:
    return add_raw_rows(
        tmp_path / "w.duckdb", events=EVENTS, item_properties=PROPERTIES, orders=ORDERS,
        category_tree=[(1, None), (2, 1), (3, 1)], settings=[("price_property", "790")])


def _features(db: Path, day: date = DAY) -> pd.DataFrame:
    with open_raw(db) as con:
        data.point_at(con, day)
        return data.candidate_features(con)


def _values(frame: pd.DataFrame, customer_id: str) -> dict[str, object]:
    row = frame.set_index("customer_id").loc[customer_id].to_dict()
    return {name: (None if pd.isna(value) else value) for name, value in row.items()}


def test_daily_candidates_is_a_shipped_feature_set() -> None:
    assert "daily_candidates" in feature_sets()


def test_the_candidates_are_exactly_the_visitors_active_in_the_24_hours_before_the_date(
    raw_db: Path,
) -> None:
    frame = _features(raw_db)
    # 2 and 4 were active only before the window; the window's start is in, its end is out.
    assert frame["customer_id"].tolist() == ["1", "3", "5", "c9"]
    assert (frame["cutoff_at"] == datetime(2015, 6, 10)).all()


def test_each_candidate_gets_the_hand_computed_features(raw_db: Path) -> None:
    frame = _features(raw_db)
    for customer_id, expected in EXPECTED.items():
        got = _values(frame, customer_id)
        assert set(got) == set(expected) | {"cutoff_at"}
        for name, value in expected.items():
            if isinstance(value, float):
                assert got[name] == pytest.approx(value, rel=1e-12), (customer_id, name)
            else:
                assert got[name] == value, (customer_id, name)


def test_rows_at_or_after_the_report_date_change_no_candidate_and_no_feature(
    raw_db: Path,
) -> None:
    before = _features(raw_db)
    add_raw_rows(raw_db, events=LATER_EVENTS, orders=LATER_ORDERS,
                 item_properties=LATER_PROPERTIES)
    pd.testing.assert_frame_equal(_features(raw_db), before)
    # The added rows are real data: the next report date sees them.
    later = _features(raw_db, DAY + timedelta(days=1))
    assert later["customer_id"].tolist() == ["1", "3"]


def test_outcomes_count_the_purchases_in_the_three_days_from_the_date(raw_db: Path) -> None:
    add_raw_rows(raw_db, events=LATER_EVENTS, orders=LATER_ORDERS,
                 item_properties=LATER_PROPERTIES)
    with open_raw(raw_db) as con:
        data.point_at(con, DAY + timedelta(days=3))
        frame = data.outcomes(con, DAY, ["1", "3", "5", "c9"], 3).set_index("customer_id")
        with pytest.raises(ValueError, match="are read at 2015-06-13"):
            data.point_at(con, DAY)
            data.outcomes(con, DAY, ["1"], 3)
    # 1 bought 11 at 06-10 00:00 (price 50); 5 at 06-12 23:59:59.999 (50); 3's purchase at
    # 06-13 00:00 is after the window; c9's second order on 06-12; the order of the unknown c8
    # is not a candidate's.
    assert frame["is_converted"].to_dict() == {"1": True, "3": False, "5": True, "c9": True}
    assert frame["count_window_orders"].to_dict() == {"1": 1, "3": 0, "5": 1, "c9": 1}
    assert frame["window_amount"].to_dict() == {"1": 50.0, "3": 0.0, "5": 50.0, "c9": 99.0}
    assert (frame["report_date"] == pd.Timestamp(DAY)).all()


def test_report_dates_run_from_the_day_after_the_first_activity_to_the_day_after_the_last(
    raw_db: Path,
) -> None:
    with open_raw(raw_db) as con:
        assert data.report_dates(con) == (date(2015, 6, 2), date(2015, 6, 10))
    add_raw_rows(raw_db, orders=LATER_ORDERS)
    with open_raw(raw_db) as con:
        assert data.report_dates(con) == (date(2015, 6, 2), date(2015, 6, 13))


def test_fingerprints_count_the_raw_rows_before_each_cutoff(raw_db: Path) -> None:
    with open_raw(raw_db) as con:
        before = data.fingerprints(con, [date(2015, 6, 9), DAY])
    # events before 06-09: 1's three, 2's, 4's; properties before 06-09: all six
    assert before == {date(2015, 6, 9): [5, 0, 6], DAY: [13, 2, 6]}
    add_raw_rows(raw_db, events=LATER_EVENTS, orders=LATER_ORDERS,
                 item_properties=LATER_PROPERTIES)
    with open_raw(raw_db) as con:
        assert data.fingerprints(con, [date(2015, 6, 9), DAY]) == before
    add_raw_rows(raw_db, events=[(ms("2015-06-09 23:00:00"), 7, "view", 10, None)])
    with open_raw(raw_db) as con:
        assert data.fingerprints(con, [DAY])[DAY] == [14, 2, 6]


def test_segments_follow_the_product_rules_as_of_the_date(raw_db: Path) -> None:
    frame = _features(raw_db)
    with open_raw(raw_db) as con:
        data.point_at(con, DAY)
        segment = data.candidate_segments(con, DAY, frame)
    # Buyers are scored among the three buyers as of 06-09: recency 8, 0, 0 days gives R 1, 2,
    # 2; one order each, F 1; spend 100, 120, 40 gives M 2, 4, 1. So 1 is Lost (R 1, F 1) and
    # 5 and c9 Hibernating (R 2, F 1). Visitor 3 never bought: one view on one day.
    assert dict(zip(frame["customer_id"], segment, strict=True)) == {
        "1": "Lost", "3": "One-visit Browsers", "5": "Hibernating", "c9": "Hibernating"}


# A purchase before its item's first known price: valued at 0 until that price is recorded
# (06-14), at that price in order_lines at any later cut-off.
UNPRICED_UNTIL_LATER = {
    "events": [(ms("2015-06-08 10:00:00"), 7, "transaction", 13, 108),
               (ms("2015-06-09 10:00:00"), 7, "view", 10, None),
               (ms("2015-06-11 10:00:00"), 5, "transaction", 13, 109)],
    "item_properties": [(ms("2015-06-14 00:00:00"), 13, "790", "n70.000")],
}


def _by_date(db: Path, days: list[date], latest: date) -> tuple[dict, dict]:
    with open_raw(db) as con:
        data.point_batch(con, latest)
        features = dict(data.candidate_features_by_date(con, days))
        outcomes = dict(data.outcomes_by_date(
            con, {day: features[day]["customer_id"] for day in days}, 3))
    return features, outcomes


def _at_cutoffs(db: Path, days: list[date]) -> tuple[dict, dict]:
    features, outcomes = {}, {}
    with open_raw(db) as con:
        for day in days:
            data.point_at(con, day)
            features[day] = data.candidate_features(con)
            data.point_at(con, day + timedelta(days=3))
            outcomes[day] = data.outcomes(con, day, features[day]["customer_id"], 3)
    return features, outcomes


def test_one_pass_over_many_dates_gives_each_date_its_own_features_and_outcomes(
    raw_db: Path,
) -> None:
    add_raw_rows(raw_db, events=LATER_EVENTS, orders=LATER_ORDERS,
                 item_properties=LATER_PROPERTIES)
    add_raw_rows(raw_db, **UNPRICED_UNTIL_LATER)
    days = [date(2015, 6, 2) + timedelta(days=i) for i in range(12)]  # 06-02 .. 06-13
    features, outcomes = _by_date(raw_db, days, latest=date(2015, 6, 17))
    expected_features, expected_outcomes = _at_cutoffs(raw_db, days)
    for day in days:
        pd.testing.assert_frame_equal(features[day], expected_features[day], obj=str(day))
        pd.testing.assert_frame_equal(outcomes[day], expected_outcomes[day], obj=str(day))
    # the hand-computed values of the cases a later cut-off must not leak into
    assert _values(features[DAY], "7")["gmv_amount"] == 0.0  # price known only from 06-14
    assert _values(features[DAY], "7")["count_orders"] == 1
    for customer_id, expected in EXPECTED.items():
        assert _values(features[DAY], customer_id)["gmv_amount"] == expected["gmv_amount"]
    window = outcomes[DAY].set_index("customer_id")
    assert window.loc["5", "count_window_orders"] == 2
    assert window.loc["5", "window_amount"] == 50.0  # item 11 at 50, item 13 unpriced then
    assert features[date(2015, 6, 5)].empty  # nobody was active on 06-04


def test_a_batch_refuses_a_connection_pointed_before_its_dates(raw_db: Path) -> None:
    with open_raw(raw_db) as con:
        data.point_batch(con, DAY)
        with pytest.raises(ValueError, match="pointed at or after"):
            list(data.candidate_features_by_date(con, [DAY + timedelta(days=1)]))
        with pytest.raises(ValueError, match="pointed at or after"):
            list(data.outcomes_by_date(con, {DAY: ["1"]}, 3))
