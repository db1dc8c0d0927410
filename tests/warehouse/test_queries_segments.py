"""Segment and migration page queries on a small stored `customers` table and snapshots."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import numpy as np
import pytest

from analytics.segments import segment_definitions
from warehouse.pipeline.steps.customers import build_segment_top_customers
from warehouse.pipeline.steps.segment_snapshots import write_sizes_and_transitions
from warehouse.queries.migration import (
    segment_order,
    segment_sizes_over_time,
    snapshot_dates,
    transition_counts,
)
from warehouse.queries.segments import (
    CUSTOMER_COLUMNS,
    EXPORT_COLUMNS,
    TOP_CUSTOMERS,
    rf_heatmap,
    segment_export,
    segment_overview,
    segment_score_counts,
    segment_top_customers,
)
from warehouse.sql.runner import Materialization, build_model

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
    write_sizes_and_transitions(con)
    build_model(con, "segment_summary", Materialization.TABLE)
    build_segment_top_customers(con)
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


def test_top_customers_list_highest_clv_first_then_by_id(con):
    lost = segment_top_customers(con, "Lost")
    assert list(lost.columns) == list(CUSTOMER_COLUMNS)
    assert lost["customer_id"].tolist() == ["c", "d"]  # d has no CLV: last
    assert segment_top_customers(con, "Champions")["customer_id"].tolist() == ["a", "b"]
    assert segment_top_customers(con, "Window Shoppers")["customer_id"].tolist() == ["e"]
    assert segment_top_customers(con, "Promising").empty


def test_top_customers_stop_at_the_cap_and_are_the_export_s_first_rows(con):
    con.execute(
        "INSERT INTO customers (customer_id, segment, segment_kind, clv_amount)"
        " SELECT 'p' || i, 'Promising', 'rfm', CASE WHEN i % 7 = 0 THEN NULL ELSE i % 50 END"
        " FROM range(?) AS t(i)",
        [TOP_CUSTOMERS + 5],
    )
    build_model(con, "segment_summary", Materialization.TABLE)
    build_segment_top_customers(con)
    top = segment_top_customers(con, "Promising")["customer_id"].tolist()
    everyone = segment_export(con, "Promising")["customer_id"].tolist()
    assert len(top) == TOP_CUSTOMERS and len(everyone) == TOP_CUSTOMERS + 5
    assert top == everyone[:TOP_CUSTOMERS]


def test_snapshot_dates_and_sizes_over_time(con):
    assert snapshot_dates(con) == [MAY, JUNE]
    assert segment_order(con) == segment_definitions()["segment"].tolist()
    sizes = segment_sizes_over_time(con)
    june = sizes[sizes["period_end"].dt.date == JUNE].set_index("segment")["customers"].to_dict()
    assert june == {"Champions": 1, "Lost": 1, "Cart Abandoners": 1}
    assert sizes[sizes["period_end"].dt.date == JUNE]["segment"].tolist() == [
        "Champions", "Lost", "Cart Abandoners"
    ]
    assert sizes.loc[sizes["segment"] == "Cart Abandoners", "segment_kind"].iloc[0] == "behavioural"


def test_transition_counts_count_moves_new_and_gone_customers(con):
    counts = transition_counts(con, MAY, JUNE)
    got = {(f, t): n for f, t, n in counts.itertuples(index=False)}
    assert got == {
        ("New Customers", "Champions"): 1,
        ("Lost", "Lost"): 1,
        ("Browsers", "(gone)"): 1,
        ("(new)", "Cart Abandoners"): 1,
    }


def test_transition_counts_reject_a_date_without_snapshot(con):
    with pytest.raises(ValueError, match="2015-05-31"):
        transition_counts(con, date(2015, 4, 30), JUNE)


def test_transition_counts_reject_a_from_date_not_before_the_to_date(con):
    with pytest.raises(ValueError, match="must be before"):
        transition_counts(con, JUNE, MAY)
    with pytest.raises(ValueError, match="must be before"):
        transition_counts(con, JUNE, JUNE)


# The straightforward definition the precomputed table must reproduce: for every pair of period
# ends, a full outer join of the two snapshots on customer_id.
REFERENCE_TRANSITIONS_SQL = """
WITH ends AS (SELECT DISTINCT period_end FROM segment_snapshots),
pairs AS (
    SELECT f.period_end AS from_period, t.period_end AS to_period
    FROM ends AS f JOIN ends AS t ON f.period_end < t.period_end
)
SELECT pairs.from_period, pairs.to_period,
    coalesce(moves.from_segment, '(new)') AS from_segment,
    coalesce(moves.to_segment, '(gone)') AS to_segment,
    count(*) AS customers
FROM pairs, LATERAL (
    SELECT before.segment AS from_segment, after.segment AS to_segment
    FROM (
        SELECT customer_id, segment FROM segment_snapshots WHERE period_end = pairs.from_period
    ) AS before
    FULL OUTER JOIN (
        SELECT customer_id, segment FROM segment_snapshots WHERE period_end = pairs.to_period
    ) AS after USING (customer_id)
) AS moves
GROUP BY ALL
ORDER BY ALL
"""


def _snapshots_table(con, rows) -> None:
    con.execute(
        "CREATE OR REPLACE TABLE segment_snapshots "
        "(period_end DATE, customer_id VARCHAR, segment VARCHAR)"
    )
    if rows:
        con.executemany("INSERT INTO segment_snapshots VALUES (?, ?, ?)", rows)


def test_transition_table_equals_the_full_outer_join_of_every_pair_over_many_periods(tmp_path):
    # 70 weekly period ends and all 15 segment labels: paths need several packed keys (4 bits a
    # period end, 31 period ends a key); customers appear, vanish and come back at random.
    rng = np.random.default_rng(11)
    labels = segment_definitions()["segment"].tolist()
    ends = [date(2024, 1, 7) + timedelta(weeks=w) for w in range(70)]
    present = rng.random((25, len(ends))) < 0.7
    picks = rng.integers(0, len(labels), (25, len(ends)))
    rows = [
        (ends[j], f"c{i}", labels[picks[i, j]])
        for i in range(25)
        for j in range(len(ends))
        if present[i, j]
    ]
    con = duckdb.connect(str(tmp_path / "many.duckdb"))
    _snapshots_table(con, rows)
    write_sizes_and_transitions(con)
    got = con.execute("SELECT * FROM segment_transitions ORDER BY ALL").fetchall()
    assert got == con.execute(REFERENCE_TRANSITIONS_SQL).fetchall()
    assert len({(f, t) for f, t, *_ in got}) == 70 * 69 // 2
    con.close()


def test_transition_table_is_empty_with_fewer_than_two_period_ends(tmp_path):
    con = duckdb.connect(str(tmp_path / "one.duckdb"))
    _snapshots_table(con, [])
    write_sizes_and_transitions(con)
    assert con.execute("SELECT count(*) FROM segment_transitions").fetchone()[0] == 0
    _snapshots_table(con, [(MAY, "a", "Lost")])
    write_sizes_and_transitions(con)
    assert con.execute("SELECT count(*) FROM segment_transitions").fetchone()[0] == 0
    con.close()


def test_score_counts_cover_the_3_by_5_grid_and_count_each_members_scores(con):
    counts = segment_score_counts(con, "Champions")
    assert len(counts) == 15
    got = {(score, value): n for score, value, n in counts.itertuples(index=False) if n}
    # a = (5, 5, 5), b = (5, 4, 4)
    assert got == {
        ("r_score", 5): 2,
        ("f_score", 4): 1,
        ("f_score", 5): 1,
        ("m_score", 4): 1,
        ("m_score", 5): 1,
    }
    assert segment_score_counts(con, "Window Shoppers")["customers"].sum() == 0


def test_segment_export_has_every_member_highest_clv_first_and_no_row_cap(con):
    lost = segment_export(con, "Lost")
    assert list(lost.columns) == list(EXPORT_COLUMNS)
    assert lost["customer_id"].tolist() == ["c", "d"]  # d has no CLV: last
    con.execute(
        "INSERT INTO customers (customer_id, segment, segment_kind)"
        " SELECT 'p' || i, 'Promising', 'rfm' FROM range(?) AS t(i)",
        [TOP_CUSTOMERS + 5],
    )
    assert len(segment_export(con, "Promising")) == TOP_CUSTOMERS + 5
