"""The CLV refresh step on a small order_lines table, and the CLV page's read queries."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.support.btyd_orders import START, make_order_lines
from tests.support.shops import step_context
from warehouse.pipeline.steps.clv import build_clv, holdout_days
from warehouse.queries import clv as queries

AS_OF = date(2024, 4, 29)  # 120 days of data


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "snapshot.duckdb"))
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    """One step run shared by the tests that only read its output."""
    connection = duckdb.connect(str(tmp_path_factory.mktemp("clv") / "snapshot.duckdb"))
    make_order_lines(connection, n=400, days=120, seed=3)
    ctx = step_context(AS_OF)
    build_clv(connection, ctx)
    yield connection, ctx
    connection.close()


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("clv_inputs", "customer_id"),
        ("customer_clv", "customer_id"),
        ("clv_holdout", "frequency_bucket"),
        ("model_params", "model, parameter, fitted_at"),
    ],
)
def test_step_writes_each_table_with_a_unique_non_null_key(refreshed, table, key):
    con, _ = refreshed
    rows = _count(con, f"SELECT count(*) FROM {table}")
    assert rows > 0
    assert _count(con, f"SELECT count(DISTINCT ({key})) FROM {table}") == rows
    for column in key.split(", "):
        assert _count(con, f"SELECT count(*) FROM {table} WHERE {column} IS NULL") == 0


def test_every_buyer_gets_a_clv_row_with_valid_values(refreshed):
    con, ctx = refreshed
    joined = con.execute(
        """
        SELECT i.customer_id, i.frequency, i.recency, i."T", c.*
        FROM clv_inputs AS i FULL JOIN customer_clv AS c USING (customer_id)
        """
    ).df()
    assert joined["p_alive"].between(0, 1).all()
    assert (joined["clv_amount"] >= 0).all()
    assert (joined["is_one_time_buyer"] == (joined["frequency"] == 0)).all()
    assert (joined["days_since_purchase"] == joined["T"] - joined["recency"]).all()
    assert _count(con, "SELECT count(DISTINCT customer_id) FROM order_lines") == len(joined)
    assert ctx.warnings == []


def test_fitted_parameters_carry_standard_errors_and_the_calibration_end(refreshed):
    con, _ = refreshed
    params = con.execute("SELECT * FROM model_params").df().set_index(["model", "parameter"])
    for name in ("r", "alpha", "a", "b"):
        assert params.loc[("bg_nbd", name), "standard_error"] > 0
        assert params.loc[("bg_nbd", name), "calibration_end"] == pd.Timestamp(AS_OF)
    for name in ("p", "q", "v"):
        assert params.loc[("gamma_gamma", name), "value"] > 0
    assert params.loc[("gamma_gamma", "q"), "value"] > 1
    assert params.loc[("validation", "holdout_days"), "value"] == 56
    assert params.loc[("validation", "mae_per_customer"), "calibration_end"] == pd.Timestamp(
        AS_OF - timedelta(days=56)
    )
    assert (params["time_unit"] == "days").all()
    assert params["fitted_at"].nunique() == 1


def test_fitted_at_is_the_refresh_time(con):
    make_order_lines(con, n=400, days=120, seed=3)
    refreshed_at = datetime(2024, 4, 30, 6, 0)
    build_clv(con, step_context(AS_OF, refreshed_at=refreshed_at))
    stamps = con.execute("SELECT DISTINCT fitted_at FROM model_params").fetchall()
    assert stamps == [(refreshed_at,)]


def test_validation_totals_match_the_holdout_purchases_in_the_data(refreshed):
    con, _ = refreshed
    calibration_end = AS_OF - timedelta(days=56)
    actual = _count(
        con,
        f"""
        SELECT count(DISTINCT (customer_id, order_date)) FROM order_lines
        WHERE order_date > DATE '{calibration_end}' AND customer_id IN (
            SELECT customer_id FROM order_lines WHERE order_date <= DATE '{calibration_end}')
        """,
    )
    buyers = _count(
        con,
        f"SELECT count(DISTINCT customer_id) FROM order_lines "
        f"WHERE order_date <= DATE '{calibration_end}'",
    )
    metrics = dict(
        con.execute(
            "SELECT parameter, value FROM model_params WHERE model = 'validation' "
            "AND value IS NOT NULL"
        ).fetchall()
    )
    assert metrics["total_actual"] == actual
    assert all(np.isfinite(value) for value in metrics.values())
    assert metrics["customers"] == buyers
    holdout = con.execute("SELECT * FROM clv_holdout").df()
    assert holdout["customers"].sum() == buyers
    assert (holdout["actual_mean"] * holdout["customers"]).sum() == pytest.approx(actual)


def test_settings_come_from_the_refresh_context(con):
    make_order_lines(con, n=400, days=120, seed=3)
    build_clv(con, step_context(AS_OF, clv_horizon_months=6), holdout_weeks=4)
    params = dict(con.execute("SELECT parameter, value FROM model_params").fetchall())
    assert params["horizon_months"] == 6
    assert params["holdout_days"] == 28
    short = con.execute("SELECT customer_id, clv_amount FROM customer_clv").df()
    build_clv(con, step_context(AS_OF))
    long = con.execute("SELECT customer_id, clv_amount FROM customer_clv").df()
    merged = short.merge(long, on="customer_id", suffixes=("_6", "_12"))
    assert (merged["clv_amount_6"] < merged["clv_amount_12"]).all()


def test_holdout_shrinks_to_half_the_data_span():
    assert holdout_days(date(2024, 1, 1), date(2024, 5, 18), weeks=8) == 56  # 138-day span
    assert holdout_days(date(2024, 1, 1), date(2024, 1, 31), weeks=8) == 15  # 30-day span
    assert holdout_days(None, date(2024, 1, 31), weeks=8) == 0


def test_short_data_skips_validation_with_a_warning(con):
    make_order_lines(con, n=200, days=10, seed=4)
    ctx = step_context(START + timedelta(days=9))
    build_clv(con, ctx)
    assert _count(con, "SELECT count(*) FROM clv_holdout") == 0
    note = con.execute(
        "SELECT note FROM model_params WHERE model = 'validation' AND parameter = 'skipped'"
    ).fetchone()[0]
    assert "4-day holdout" in note
    assert note in ctx.warnings
    assert _count(con, "SELECT count(*) FROM customer_clv") > 0


def test_no_purchases_writes_empty_tables_and_the_reason(con):
    make_order_lines(con, n=50, days=30, seed=5)
    build_clv(con, step_context(START - timedelta(days=1)))
    for table in ("clv_inputs", "customer_clv", "clv_holdout"):
        assert _count(con, f"SELECT count(*) FROM {table}") == 0
    note = con.execute(
        "SELECT note FROM model_params WHERE model = 'clv' AND parameter = 'not_computed'"
    ).fetchone()[0]
    assert "no purchases" in note


def test_clv_distribution_bins_are_contiguous_and_count_every_customer(refreshed):
    con, _ = refreshed
    bins = queries.clv_distribution(con, bins=10)
    assert bins["bin_index"].tolist() == list(range(10))
    assert bins["customers"].sum() == _count(
        con, "SELECT count(clv_amount) FROM customer_clv"
    )
    assert (bins["bin_start"].iloc[1:].to_numpy() == pytest.approx(bins["bin_end"].iloc[:-1]))
    assert bins["bin_end"].iloc[-1] == pytest.approx(
        _count(con, "SELECT max(clv_amount) FROM customer_clv")
    )


def test_p_alive_matrix_partitions_buyers(refreshed):
    con, _ = refreshed
    matrix = queries.p_alive_matrix(con, day_buckets=5)
    assert matrix["customers"].sum() == _count(con, "SELECT count(*) FROM customer_clv")
    assert matrix["mean_p_alive"].between(0, 1).all()
    assert set(matrix["days_bucket"]) <= set(range(5))
    longest = _count(con, "SELECT max(days_since_purchase) FROM customer_clv")
    assert matrix["days_end"].max() >= longest and matrix["days_start"].min() == 0
    assert matrix.loc[matrix["frequency_bucket"] == 7, "frequency_label"].eq("7+").all()


def _chosen(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute(
        "SELECT note FROM model_params WHERE model = 'clv' AND parameter = 'purchase_model'"
    ).fetchone()[0]


def test_the_purchase_model_with_the_lower_holdout_error_is_used(refreshed):
    con, _ = refreshed
    errors = dict(
        con.execute(
            "SELECT model, value FROM model_params WHERE parameter = 'bucket_rmse' "
            "AND model LIKE 'validation_%'"
        ).fetchall()
    )
    assert set(errors) == {"validation_bg_nbd", "validation_mbg_nbd"}
    better = min(errors, key=errors.get).removeprefix("validation_")
    assert _chosen(con) == better == queries.purchase_model(con)
    reason = con.execute(
        "SELECT note FROM model_params WHERE model = 'validation' AND parameter = 'purchase_model'"
    ).fetchone()[0]
    assert reason.startswith(f"{better}: ")
    chart_error = con.execute(
        "SELECT value FROM model_params WHERE model = 'validation' AND parameter = 'bucket_rmse'"
    ).fetchone()[0]
    assert chart_error == errors[f"validation_{better}"]
    # both final fits are on record, each with its four parameters
    fitted = con.execute(
        "SELECT model, count(*) FROM model_params WHERE parameter IN ('r', 'alpha', 'a', 'b') "
        "GROUP BY model ORDER BY model"
    ).fetchall()
    assert fitted == [("bg_nbd", 4), ("bg_nbd_calibration", 4), ("mbg_nbd", 4),
                      ("mbg_nbd_calibration", 4)]


def test_one_time_buyers_p_alive_follows_the_chosen_model(refreshed):
    """BG/NBD gives every one-time buyer P(alive) = 1; MBG/NBD lets it fall with the time since
    their purchase."""
    con, _ = refreshed
    one_time = con.execute(
        "SELECT days_since_purchase, p_alive FROM customer_clv WHERE is_one_time_buyer "
        "ORDER BY days_since_purchase"
    ).df()
    if _chosen(con) == "bg_nbd":
        assert (one_time["p_alive"] == 1.0).all()
    else:
        assert (one_time["p_alive"] < 1.0).all()
        by_age = one_time.groupby("days_since_purchase")["p_alive"].mean()
        assert by_age.is_monotonic_decreasing
        assert by_age.iloc[0] > by_age.iloc[-1]


def test_a_one_time_buyers_first_order_informs_their_clv(refreshed):
    """Two one-time buyers bought the same day: the one who spent more is worth more."""
    con, _ = refreshed
    pairs = con.execute(
        """
        SELECT "T", corr(first_purchase_value, clv_amount) AS r
        FROM customer_clv WHERE is_one_time_buyer GROUP BY "T" HAVING count(*) >= 2
        """
    ).df()
    assert len(pairs) > 10
    assert (pairs["r"] > 0.999).all()  # same T: CLV is linear in the first order's value


def test_top_customers_are_sorted_by_clv_and_limited(refreshed):
    con, _ = refreshed
    top = queries.top_customers(con, limit=5)
    assert len(top) == 5
    assert top["clv_amount"].is_monotonic_decreasing
    assert top["clv_amount"].iloc[0] == pytest.approx(
        _count(con, "SELECT max(clv_amount) FROM customer_clv")
    )
    with pytest.raises(ValueError, match="limit must be a positive integer"):
        queries.top_customers(con, limit=0)


def test_parameters_and_holdout_chart_read_what_the_step_wrote(refreshed):
    con, _ = refreshed
    params = queries.model_parameters(con)
    assert set(params["model"]) == {
        "bg_nbd", "mbg_nbd", "gamma_gamma", "clv", "bg_nbd_calibration", "mbg_nbd_calibration",
        "validation", "validation_bg_nbd", "validation_mbg_nbd",
    }
    chart = queries.holdout_chart(con)
    assert chart["frequency_bucket"].is_monotonic_increasing
    assert chart["frequency_label"].iloc[0] == "0"
    assert queries.correlation_warning(con) is None


def test_too_few_repeat_buyers_leave_clv_empty_with_a_verdict_saying_what_to_do(con):
    # 60 buyers on 60 days, two of whom come back once
    lines = [(f"c{i:02d}", f"o{i}", datetime(2024, 1, 1) + timedelta(days=i), 50.0 + i)
             for i in range(60)]
    lines += [("c00", "r1", datetime(2024, 1, 20), 40.0), ("c01", "r2", datetime(2024, 2, 1), 30.0)]
    frame = pd.DataFrame(lines, columns=["customer_id", "order_id", "ordered_at", "line_amount"])
    con.register("lines", frame)
    con.execute("CREATE TABLE order_lines AS SELECT *, CAST(ordered_at AS DATE) AS order_date "
                "FROM lines")
    ctx = step_context(date(2024, 3, 1))
    build_clv(con, ctx)
    verdict = con.execute(
        "SELECT note FROM model_params WHERE model = 'clv' AND parameter = 'spend_verdict'"
    ).fetchone()[0]
    assert verdict.startswith("CLV is not shown: only 2 customers have bought on more than one day")
    assert "What to do" in verdict
    assert _count(con, "SELECT count(clv_amount) FROM customer_clv") == 0


def test_spend_rising_with_frequency_raises_the_correlation_warning(con):
    make_order_lines(con, n=400, days=120, seed=3, spend_per_day=10.0)
    ctx = step_context(AS_OF)
    build_clv(con, ctx)
    warning = queries.correlation_warning(con)
    assert warning is not None and "independence assumption" in warning
    assert warning in ctx.warnings
    corr = con.execute(
        "SELECT value FROM model_params WHERE parameter = 'freq_monetary_corr'"
    ).fetchone()[0]
    assert corr >= 0.3
