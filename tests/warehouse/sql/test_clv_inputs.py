"""The BTYD summary in SQL follows lifetimes' conventions, at any cut-off."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pandas as pd
import pytest
from lifetimes.utils import summary_data_from_transaction_data

from warehouse.sql.clv_inputs import calibration_holdout, first_order_date, write_clv_inputs

CUTOFF = date(2024, 1, 31)

# customer_id, order_id, ordered_at, line_amount
LINES = [
    # a: purchase days 01-01 (10 + 5 + 20 = 35, two orders), 01-05 (30), 01-11 (50)
    ("a", "o1", datetime(2024, 1, 1, 9, 0), 10.0),
    ("a", "o1", datetime(2024, 1, 1, 9, 0), 5.0),
    ("a", "o2", datetime(2024, 1, 1, 18, 30), 20.0),
    ("a", "o3", datetime(2024, 1, 5, 12, 0), 30.0),
    ("a", "o4", datetime(2024, 1, 11, 8, 0), 50.0),
    # b: one purchase day, two lines
    ("b", "o5", datetime(2024, 1, 20, 10, 0), 60.0),
    ("b", "o5", datetime(2024, 1, 20, 10, 0), 40.0),
    # c: one day before the cut-off, one after it (holdout)
    ("c", "o6", datetime(2024, 1, 10, 10, 0), 15.0),
    ("c", "o7", datetime(2024, 2, 10, 10, 0), 25.0),
    # d: first seen after the cut-off
    ("d", "o8", datetime(2024, 2, 5, 10, 0), 70.0),
    # e: two orders two minutes apart but on two calendar days
    ("e", "o9", datetime(2024, 1, 2, 23, 59), 12.0),
    ("e", "o10", datetime(2024, 1, 3, 0, 1), 8.0),
]

# Derived by hand from LINES at CUTOFF (days):
# a: 3 purchase days → frequency 2; recency 01-01→01-11 = 10; T 01-01→01-31 = 30; (30+50)/2 = 40
# b: frequency 0, recency 0, T 01-20→01-31 = 11, monetary 0
# c: frequency 0, recency 0, T 01-10→01-31 = 21, monetary 0
# e: frequency 1, recency 1, T 01-02→01-31 = 29, monetary 8
# first purchase day's amount: a 35 (three lines, two orders), b 100, c 15, e 12
EXPECTED = pd.DataFrame({
    "customer_id": ["a", "b", "c", "e"],
    "frequency": [2, 0, 0, 1],
    "recency": [10, 0, 0, 1],
    "T": [30, 11, 21, 29],
    "monetary_value": [40.0, 0.0, 0.0, 8.0],
    "first_purchase_value": [35.0, 100.0, 15.0, 12.0],
})


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "snapshot.duckdb"))
    frame = pd.DataFrame(LINES, columns=["customer_id", "order_id", "ordered_at", "line_amount"])
    connection.register("lines", frame)
    connection.execute(
        """
        CREATE TABLE order_lines AS
        SELECT customer_id, order_id, ordered_at, CAST(ordered_at AS DATE) AS order_date,
               line_amount
        FROM lines
        """
    )
    connection.unregister("lines")
    yield connection
    connection.close()


def test_stored_inputs_agree_with_lifetimes_utility(con):
    transactions = pd.DataFrame(
        LINES, columns=["customer_id", "order_id", "ordered_at", "line_amount"]
    )
    theirs = summary_data_from_transaction_data(
        transactions, "customer_id", "ordered_at", monetary_value_col="line_amount",
        observation_period_end=pd.Timestamp(CUTOFF), freq="D",
    ).reset_index()
    ours = write_clv_inputs(con, CUTOFF).drop(columns="first_purchase_value")
    pd.testing.assert_frame_equal(
        ours, theirs[list(ours.columns)], check_dtype=False, check_exact=False
    )


def test_calibration_frame_counts_holdout_purchase_days_of_calibration_buyers(con):
    frame = calibration_holdout(con, CUTOFF, date(2024, 2, 29)).set_index("customer_id")
    # d first bought in the holdout: not a calibration customer
    assert frame.index.tolist() == ["a", "b", "c", "e"]
    assert frame["actual_purchases"].to_dict() == {"a": 0, "b": 0, "c": 1, "e": 0}
    assert frame.loc["c", "T"] == 21  # T measured to the calibration end, not the holdout end
    assert frame.loc["c", "first_purchase_value"] == 15.0  # the holdout order is not its first


def test_holdout_end_is_inclusive_and_bounds_the_window(con):
    assert calibration_holdout(con, CUTOFF, date(2024, 2, 10)).set_index("customer_id").loc[
        "c", "actual_purchases"
    ] == 1
    assert calibration_holdout(con, CUTOFF, date(2024, 2, 9)).set_index("customer_id").loc[
        "c", "actual_purchases"
    ] == 0


def test_holdout_must_end_after_calibration(con):
    with pytest.raises(ValueError, match="holdout end 2024-01-31 must be after"):
        calibration_holdout(con, CUTOFF, CUTOFF)


def test_stored_inputs_follow_btyd_conventions_one_row_per_buyer(con):
    returned = write_clv_inputs(con, CUTOFF)
    stored = con.execute("SELECT * FROM clv_inputs ORDER BY customer_id").df()
    pd.testing.assert_frame_equal(stored, EXPECTED, check_dtype=False)
    pd.testing.assert_frame_equal(returned, stored)
    dupes = con.execute(
        "SELECT count(*) - count(DISTINCT customer_id), count(*) - count(customer_id) "
        "FROM clv_inputs"
    ).fetchone()
    assert dupes == (0, 0)


def test_first_order_date_is_the_first_purchase_day_up_to_as_of(con):
    assert first_order_date(con, CUTOFF) == date(2024, 1, 1)
    assert first_order_date(con, date(2023, 12, 31)) is None
