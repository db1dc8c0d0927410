"""Segment and migration page queries on a small stored `customers` table and snapshots."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from analytics.migration import transition_matrix
from analytics.segments import segment_definitions
from warehouse.queries.migration import segment_sizes_over_time, snapshot_dates, transition_counts
from warehouse.queries.segments import (
    count_segment_customers,
    rf_heatmap,
    segment_customers,
    segment_overview,
)

# customer_id, segment, segment_kind, r, f, m, recency, frequency, monetary, gmv, clv, p_alive
CUSTOMERS = [
    ("a", "Champions", "rfm", 5, 5, 5, 1, 4, 400.0, 400.0, 900.0, 0.9),
    ("b", "Champions", "rfm", 5, 4, 4, 2, 3, 200.0, 200.0, 500.0, 0.7),
    ("c", "Lost", "rfm", 1, 1, 1, 90, 1, 100.0, 100.0, 10.0, 0.1),
    ("d", "Lost", "rfm", 1, 1, 2, 80, 1, 300.0, 300.0, None, None),
    ("e", "Window Shoppers", "behavioural", None, None, None, None, None, None, 0.0, None, None),
]
MAY, JUNE = date(2015, 5, 31), date(2015, 6, 30)
SNAPSHOTS = [
    (MAY, "a", "New Customers"),
    (MAY, "b", "Lost"),
    (MAY, "c", "Browsers"),
    (JUNE, "a", "Champions"),
    (JUNE, "b", "Lost"),
    (JUNE, "d", "Cart Abandoners"),
]


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "snapshot.duckdb"))
    con.execute(
        "CREATE TABLE customers (customer_id VARCHAR, segment VARCHAR, segment_kind VARCHAR,"
        " cluster_name VARCHAR, r_score TINYINT, f_score TINYINT, m_score TINYINT,"
        " recency_days INTEGER, frequency INTEGER, monetary_amount DOUBLE, count_views BIGINT,"
        " count_cart_adds BIGINT, count_orders BIGINT, gmv_amount DOUBLE,"
        " cart_to_purchase_ratio DOUBLE, first_event_at TIMESTAMP, last_event_at TIMESTAMP,"
        " last_purchase_at TIMESTAMP, p_alive DOUBLE, expected_purchases_90 DOUBLE,"
        " clv_amount DOUBLE)"
    )
    con.executemany(
        "INSERT INTO customers (customer_id, segment, segment_kind, r_score, f_score, m_score,"
        " recency_days, frequency, monetary_amount, gmv_amount, clv_amount, p_alive)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        CUSTOMERS,
    )
    definitions = segment_definitions()
    con.register("definitions_frame", definitions)
    con.execute("CREATE TABLE segment_definitions AS SELECT * FROM definitions_frame")
    con.unregister("definitions_frame")
    con.execute(
        "CREATE TABLE segment_snapshots (period_end DATE, customer_id VARCHAR, segment VARCHAR)"
    )
    con.executemany("INSERT INTO segment_snapshots VALUES (?, ?, ?)", SNAPSHOTS)
    yield con
    con.close()


def test_overview_sums_customers_gmv_share_and_averages_per_segment(con):
    overview = segment_overview(con).set_index("segment")
    assert len(overview) == 15  # every defined segment, empty ones included
    champions, lost = overview.loc["Champions"], overview.loc["Lost"]
    assert (champions["customers"], champions["gmv_amount"]) == (2, 600.0)
    assert champions["gmv_share"] == pytest.approx(600 / 1000)
    assert champions["avg_clv_amount"] == pytest.approx(700.0)
    assert champions["avg_p_alive"] == pytest.approx(0.8)
    assert lost["avg_clv_amount"] == pytest.approx(10.0)  # d has no CLV: not averaged as 0
    assert overview.loc["Promising", "customers"] == 0
    assert overview["gmv_share"].sum() == pytest.approx(1.0)
    assert overview.index[0] == "Champions"  # display order


def test_rf_heatmap_covers_the_grid_and_counts_buyers(con):
    heat = rf_heatmap(con)
    assert len(heat) == 25
    grid = heat[["r_score", "f_score", "customers"]].itertuples(index=False)
    cells = {(r, f): n for r, f, n in grid}
    assert cells[(5, 5)] == 1 and cells[(5, 4)] == 1 and cells[(1, 1)] == 2
    assert sum(cells.values()) == 4  # the behavioural customer is not in the grid


def test_segment_customers_sorts_filters_and_limits(con):
    lost = segment_customers(con, "Lost", sort_by="monetary_amount", descending=True)
    assert lost["customer_id"].tolist() == ["d", "c"]
    by_clv = segment_customers(con, sort_by="clv_amount", descending=True, limit=3)
    assert by_clv["customer_id"].tolist() == ["a", "b", "c"]  # NULL CLVs last, then cut
    rich = segment_customers(con, ranges={"monetary_amount": (150, None)}, sort_by="customer_id",
                             descending=False)
    assert rich["customer_id"].tolist() == ["a", "b", "d"]
    assert count_segment_customers(con, ranges={"monetary_amount": (150, None)}) == 3
    assert segment_customers(con, search="e")["customer_id"].tolist() == ["e"]


def test_segment_customers_rejects_unknown_columns(con):
    with pytest.raises(ValueError, match="sort by"):
        segment_customers(con, sort_by="customer_id; DROP TABLE customers")
    with pytest.raises(ValueError, match="filter"):
        segment_customers(con, ranges={"nope": (1, 2)})


def test_snapshot_dates_and_sizes_over_time(con):
    assert snapshot_dates(con) == [MAY, JUNE]
    sizes = segment_sizes_over_time(con)
    june = sizes[sizes["period_end"].dt.date == JUNE].set_index("segment")["customers"].to_dict()
    assert june == {"Champions": 1, "Lost": 1, "Cart Abandoners": 1}
    assert sizes.loc[sizes["segment"] == "Cart Abandoners", "segment_kind"].iloc[0] == "behavioural"


def test_transition_counts_in_sql_match_the_analytics_matrix(con):
    counts = transition_counts(con, MAY, JUNE)
    got = {(f, t): n for f, t, n in counts.itertuples(index=False)}
    assert got == {
        ("New Customers", "Champions"): 1,
        ("Lost", "Lost"): 1,
        ("Browsers", "(gone)"): 1,
        ("(new)", "Cart Abandoners"): 1,
    }
    matrix = transition_matrix(pd.DataFrame(SNAPSHOTS, columns=["period_end", "customer_id",
                                                                "segment"]), MAY, JUNE)
    assert {(f, t): n for (f, t), n in matrix.stack().items() if n} == got


def test_transition_counts_reject_a_date_without_snapshot(con):
    with pytest.raises(ValueError, match="2015-05-31"):
        transition_counts(con, date(2015, 4, 30), JUNE)
