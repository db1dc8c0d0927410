"""The decline profile from the event warehouse, on a hand-made shop: the out-of-time label,
who qualifies, features computed by hand, and nothing at or after the cut-off read."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.support.raw_warehouse import add_raw_rows, ms
from warehouse.decline.sources import events_profiles, last_data_day
from warehouse.features import build_features, open_raw
from warehouse.frames import insert_frame
from warehouse.queries.decline import CONTACT_COLUMNS

AS_OF = date(2015, 9, 18)  # cut-off 09-19 00:00; training cut-off T = 08-20 00:00
T = datetime(2015, 8, 20)
PRICES = [  # item 10: 100, 80 from 07-25, 100 again from 08-01 (usual price: the median, 100)
    (ms("2015-05-01 00:00:00"), 10, "790", "n100.000"),
    (ms("2015-07-25 00:00:00"), 10, "790", "n80.000"),
    (ms("2015-08-01 00:00:00"), 10, "790", "n100.000"),
    (ms("2015-05-01 00:00:00"), 11, "790", "n200.000"),
    (ms("2015-05-01 00:00:00"), 12, "790", "n50.000"),
    (ms("2015-05-01 00:00:00"), 10, "categoryid", "2"),
    (ms("2015-05-01 00:00:00"), 11, "categoryid", "3"),
    (ms("2015-05-01 00:00:00"), 12, "categoryid", "3"),
]
TREE = [(1, None), (2, 1), (3, 1)]
_order = iter(range(1000, 2000))


def buy(visitor: int, at: str, item: int = 10) -> tuple:
    return (ms(at), visitor, "transaction", item, next(_order))


def event(visitor: int, at: str, kind: str, item: int) -> tuple:
    return (ms(at), visitor, kind, item, None)


# Months before T: m3 = [05-22, 06-21), m2 = [06-21, 07-21), m1 = [07-21, 08-20); the label
# period is [08-20, 09-19).
EVENTS = [
    # 1 halves: two purchases a month, then one. In m1: a visit on 07-26 (view, cart add, buy
    # at the reduced price 80), a visit on 08-01 (views item 12, adds it, never buys it), a
    # visit on 08-12 (two views, buys item 10 while in a campaign with an offer).
    buy(1, "2015-06-01 10:00:00"), buy(1, "2015-06-10 10:00:00"),
    buy(1, "2015-07-01 10:00:00"), buy(1, "2015-07-10 10:00:00"),
    event(1, "2015-07-26 10:00:00", "view", 10), event(1, "2015-07-26 10:05:00", "addtocart", 10),
    buy(1, "2015-07-26 10:10:00"),
    event(1, "2015-08-01 09:00:00", "view", 12), event(1, "2015-08-01 09:20:00", "addtocart", 12),
    event(1, "2015-08-12 12:00:00", "view", 10), event(1, "2015-08-12 12:10:00", "view", 11),
    buy(1, "2015-08-12 12:15:00"),
    buy(1, "2015-09-01 10:00:00"),
    # 2 steady: two purchases a month, the label period too
    *(buy(2, f"2015-{m:02d}-{d:02d} 10:00:00") for m, d in
      [(6, 1), (6, 10), (7, 1), (7, 10), (7, 25), (8, 5), (8, 25), (9, 5)]),
    # 3 same number of orders, half the revenue: item 11 (200) monthly, then item 10 (100)
    buy(3, "2015-06-01 11:00:00", 11), buy(3, "2015-07-01 11:00:00", 11),
    buy(3, "2015-08-05 11:00:00", 11), buy(3, "2015-09-01 11:00:00", 10),
    # 4 stops: one purchase a month, nothing after T
    buy(4, "2015-06-01 12:00:00"), buy(4, "2015-07-01 12:00:00"), buy(4, "2015-08-05 12:00:00"),
    # 5 misses m2: does not qualify
    buy(5, "2015-06-01 13:00:00"), buy(5, "2015-08-01 13:00:00"), buy(5, "2015-09-01 13:00:00"),
]
CONTACTS = pd.DataFrame({
    "customer_id": ["1", "1"],
    "launched_at": [datetime(2015, 8, 10), datetime(2015, 8, 25)],  # the second after T
    "ends_at": [datetime(2015, 8, 25), datetime(2015, 9, 10)],
    "has_offer": [True, True],
})


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("decline-shop") / "w.duckdb"
    return add_raw_rows(db, events=EVENTS, item_properties=PRICES, category_tree=TREE)


@pytest.fixture(scope="module")
def profiles(shop):
    return events_profiles(shop, AS_OF, CONTACTS, period_days=30, decline_share=0.8)


def test_the_label_compares_the_period_after_the_cutoff_with_the_three_before(profiles) -> None:
    assert profiles.train_cutoff_at == T
    labels = profiles.train.set_index("customer_id")["purchase_activity"].to_dict()
    assert labels == {
        "1": "decreased",  # buying halves: 1 order < 0.8 × 2
        "2": "previous level",
        "3": "decreased",  # as many orders, revenue 100 < 0.8 × 200
        "4": "decreased",  # nothing after T
    }  # 5 did not buy in each of the three months before T


def test_scored_customers_bought_in_each_of_the_three_months_before_the_as_of_date(
    profiles
) -> None:
    assert profiles.cutoff_at == datetime(2015, 9, 19)
    assert profiles.score["customer_id"].tolist() == ["1", "2", "3"]
    assert profiles.score["purchase_activity"].isna().all()


def test_features_are_the_hand_computed_ones(profiles) -> None:
    one = profiles.train.set_index("customer_id").loc["1"]
    expected = {
        "revenue_current_month": 80.0 + 100.0,  # 07-26 at the reduced price, 08-12
        "revenue_previous_month": 200.0,
        "revenue_earlier_month": 200.0,
        "marketing_contacts_current_month": 1.0,  # launched 08-10; the 08-25 one is after T
        "marketing_contacts_6m": 1 / 6,
        "promotion_share": 2 / 6,  # 07-26 below the usual price; 08-12 under the offer
        "popular_category": "category 1",
        "unpaid_items_3m": 1.0,  # item 12, added on 08-01, never bought
        "categories_per_visit": (1 + 1 + 2) / 3,  # visits of m1: 07-26, 08-01, 08-12
        "pages_per_visit": 4 / 7,  # 4 views over 7 visits in months 1-3
        "minutes_current_month": 10.0 + 20.0 + 15.0,
        "minutes_previous_month": 0.0,  # single-purchase visits
        "tenure_days": (T - datetime(2015, 6, 1, 10)).total_seconds() / 86400,
    }
    for name, value in expected.items():
        assert one[name] == pytest.approx(value), name
    # no source in the warehouse: absent, not invented
    assert not {"service_type", "allows_notifications", "service_errors"} & set(
        profiles.train.columns)


def _cut(source: Path, target: Path, cutoff: datetime) -> Path:
    """A copy of warehouse ``source`` without any raw row dated at or after ``cutoff``."""
    shutil.copy(source, target)
    cutoff_ms = int(pd.Timestamp(cutoff, tz="UTC").timestamp() * 1000)
    with duckdb.connect(str(target)) as con:
        con.execute('DELETE FROM events WHERE "timestamp" >= ?', [cutoff_ms])
        con.execute('DELETE FROM item_properties WHERE "timestamp" >= ?', [cutoff_ms])
    return target


def _features(db: Path, cutoff: datetime, contacts: pd.DataFrame) -> pd.DataFrame:
    with open_raw(db) as con:
        con.execute("CREATE TEMP TABLE campaign_contacts (customer_id VARCHAR, "
                    "launched_at TIMESTAMP, ends_at TIMESTAMP, has_offer BOOLEAN)")
        insert_frame(con, "campaign_contacts", contacts[list(CONTACT_COLUMNS)])
        table = build_features(con, "decline_features", cutoff)
        return con.sql(f"SELECT * FROM {table} ORDER BY customer_id").df()


def test_no_feature_reads_data_at_or_after_the_cutoff(shop, tmp_path) -> None:
    # after T: more purchases, a price cut, a category change, another campaign contact
    later = add_raw_rows(
        shutil.copy(shop, tmp_path / "later.duckdb"),
        events=[buy(1, "2015-08-20 00:00:00"), buy(2, "2015-08-21 10:00:00", 12),
                event(1, "2015-08-22 10:00:00", "addtocart", 11)],
        item_properties=[(ms("2015-08-20 00:00:00"), 10, "790", "n1.000"),
                         (ms("2015-08-20 00:00:00"), 10, "categoryid", "3")])
    more_contacts = pd.concat([CONTACTS, CONTACTS.assign(launched_at=T, customer_id="2")])
    before = _features(_cut(later, tmp_path / "cut.duckdb", T), T, CONTACTS)
    pd.testing.assert_frame_equal(_features(later, T, more_contacts), before)
    # ... while the same rows do count one day later
    assert not _features(later, T + timedelta(days=1), more_contacts).equals(before)


def test_the_last_data_day_is_that_of_the_last_event(shop) -> None:
    assert last_data_day(shop) == date(2015, 9, 5)
