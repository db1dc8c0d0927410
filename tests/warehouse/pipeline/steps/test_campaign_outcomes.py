"""The campaign-outcomes refresh step on a hand-made snapshot: windows, conversion, results,
with the campaigns read from a store on each backend."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.support.campaigns import write_campaign_file
from tests.support.ops_store import StoreCase
from tests.support.rule_snapshots import write_snapshot
from warehouse.commands import import_campaign_file
from warehouse.ops import sqlite_path
from warehouse.pipeline.context import RefreshContext
from warehouse.pipeline.steps.campaign_outcomes import build_campaign_outcomes
from warehouse.queries.board import campaign_results

CAMPAIGN = "demo-1,Test,Voucher,email,10% off,reactivation,2015-06-10,2015-06-19,0.4"
# Customers 1-4 in control, 5-10 in treatment.
ROWS = [f"{CAMPAIGN},{i},{'control' if i <= 4 else 'treatment'}" for i in range(1, 11)]
ORDERS = [
    ("1", "o1", "2015-06-05 10:00", 50.0),  # before launch: not counted
    ("2", "o2", "2015-06-12 10:00", 30.0),  # control, converted
    ("5", "o3", "2015-06-11 10:00", 10.0),  # treatment: order o3 has two lines (15) ...
    ("5", "o3", "2015-06-11 10:00", 5.0),
    ("5", "o4", "2015-06-15 10:00", 20.0),  # ... and a second order: 2 orders, 35
    ("6", "o5", "2015-06-19 23:00", 40.0),  # last day of the campaign: counted
    ("7", "o6", "2015-06-20 00:00", 60.0),  # after the last day: not counted
    ("8", "o7", "2015-06-25 10:00", 70.0),
]


# Segments by period end; the campaign launches on 2015-06-10, so 2015-06-09 is the last period
# end before it. Customer 10 was not active yet then; today (the customers table) they all moved.
SNAPSHOTS = [
    *[("2015-05-31", str(i), "Promising") for i in range(1, 10)],
    *[("2015-06-09", str(i), "Champions" if i <= 5 else "Lost") for i in range(1, 10)],
    *[("2015-06-10", str(i), "At Risk") for i in range(1, 11)],
]


def context(db: Path, snapshot: Path, as_of: date, ops_url: str | None = None
            ) -> RefreshContext:
    return RefreshContext(db=db, snapshot=snapshot, as_of=as_of, period_start=date(2015, 6, 1),
                          last_data_date=as_of, price_property="790",
                          refreshed_at=datetime.now(UTC).replace(tzinfo=None), ops_url=ops_url)


def run_step(store: StoreCase, as_of: date) -> Path:
    db, tmp_path = store.db, store.db.parent
    import_campaign_file(db, write_campaign_file(tmp_path / "demo_campaign.csv", ROWS),
                         ops_url=store.url)
    customers = pd.DataFrame({"customer_id": [str(i) for i in range(1, 11)],
                              "segment": "Hibernating"})
    snapshot = write_snapshot(tmp_path / f"snap-{as_of}.duckdb", customers, ORDERS,
                              as_of=str(as_of), segment_snapshots=SNAPSHOTS)
    with duckdb.connect(str(snapshot)) as con:
        build_campaign_outcomes(con, context(db, snapshot, as_of, store.url))
    return snapshot


def test_outcomes_count_orders_inside_the_campaign_window_only(store: StoreCase) -> None:
    snapshot = run_step(store, date(2015, 6, 30))
    with duckdb.connect(str(snapshot), read_only=True) as con:
        outcomes = con.execute(
            "SELECT customer_id, group_name, segment, is_converted, count_orders, gmv_amount "
            "FROM campaign_outcomes ORDER BY CAST(customer_id AS INTEGER)").df()
        status = con.execute("SELECT status, measured_until_at FROM campaigns").fetchone()
        copied = con.execute("SELECT source, clock, audience_size FROM campaigns").fetchall()
        means = campaign_results(con, "demo-1").set_index("metric")
    assert outcomes["count_orders"].tolist() == [0, 1, 0, 0, 2, 1, 0, 0, 0, 0]
    assert outcomes["gmv_amount"].tolist() == [0, 30, 0, 0, 35, 40, 0, 0, 0, 0]
    assert outcomes["is_converted"].tolist() == [n > 0 for n in [0, 1, 0, 0, 2, 1, 0, 0, 0, 0]]
    # filled in as of the last period end before the launch, not from today's segments
    assert outcomes["segment"].tolist() == ["Champions"] * 5 + ["Lost"] * 4 + [None]
    assert status == ("completed", datetime(2015, 6, 20))
    assert copied == [("demo", "given", 10)]
    assert means.loc["conversion", "control_mean"] == 1 / 4
    assert means.loc["conversion", "treatment_mean"] == 2 / 6
    assert means.loc["orders_per_customer", "treatment_mean"] == 3 / 6
    assert means.loc["gmv_per_customer", "control_mean"] == 30 / 4
    assert means.loc["gmv_per_customer", "treatment_mean"] == 75 / 6


def test_results_hold_one_row_per_metric_with_the_hand_computed_lift(store: StoreCase) -> None:
    snapshot = run_step(store, date(2015, 6, 30))
    with duckdb.connect(str(snapshot), read_only=True) as con:
        results = campaign_results(con, "demo-1").set_index("metric")
    assert results.index.tolist() == ["conversion", "orders_per_customer", "gmv_per_customer"]
    conversion = results.loc["conversion"]
    assert (conversion["n_control"], conversion["n_treatment"]) == (4, 6)
    assert conversion["abs_lift"] == pytest.approx(2 / 6 - 1 / 4)
    se = math.sqrt((1 / 3) * (2 / 3) / 6 + 0.25 * 0.75 / 4)
    assert conversion["abs_ci_low"] == pytest.approx(1 / 12 - 1.959964 * se, abs=1e-6)
    assert conversion["rel_lift"] == pytest.approx((1 / 3) / (1 / 4) - 1)
    assert results.loc["gmv_per_customer", "abs_lift"] == pytest.approx(75 / 6 - 30 / 4)
    # 6 treatment : 4 control is exactly the planned 60:40 split.
    assert results["srm_p_value"].tolist() == [1.0, 1.0, 1.0]
    assert not results["is_srm"].any()


def test_a_running_campaign_is_measured_up_to_the_as_of_day(store: StoreCase) -> None:
    snapshot = run_step(store, date(2015, 6, 14))
    with duckdb.connect(str(snapshot), read_only=True) as con:
        status = con.execute("SELECT status, measured_until_at FROM campaigns").fetchone()
        orders = con.execute("SELECT customer_id, count_orders, gmv_amount FROM campaign_outcomes "
                             "WHERE count_orders > 0 ORDER BY customer_id").fetchall()
    assert status == ("running", datetime(2015, 6, 15))
    assert orders == [("2", 1, 30.0), ("5", 1, 15.0)]


def test_without_an_operational_store_the_tables_exist_and_are_empty(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    snapshot = write_snapshot(tmp_path / "snap.duckdb", pd.DataFrame({"customer_id": ["1"]}))
    with duckdb.connect(str(snapshot)) as con:
        build_campaign_outcomes(con, context(db, snapshot, date(2015, 6, 30)))
        counts = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in
                  ("campaigns", "campaign_assignments", "campaign_outcomes", "campaign_results")]
        assert campaign_results(con).empty
    assert counts == [0, 0, 0, 0]
    assert not sqlite_path(db).exists()  # the refresh only reads the store, never creates it
