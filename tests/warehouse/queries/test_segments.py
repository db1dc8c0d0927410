"""The Segments page's queries on a small stored ``customers`` table."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.support.segment_snapshot import segment_snapshot
from warehouse.pipeline.steps.customers import build_segment_top_customers
from warehouse.queries.segments import (
    CUSTOMER_COLUMNS,
    EXPORT_COLUMNS,
    STORED_IN_EXPORT_ORDER_SQL,
    TOP_CUSTOMERS,
    rf_heatmap,
    segment_export,
    segment_export_batches,
    segment_export_count,
    segment_overview,
    segment_score_counts,
    segment_top_customers,
)
from warehouse.schema.customers import CUSTOMERS_VIEW, EXPORT_ORDER_COMMENT
from warehouse.snapshots import open_snapshot
from warehouse.sql.runner import Materialization, build_model


@pytest.fixture
def con(tmp_path):
    con = segment_snapshot(tmp_path / "snapshot.duckdb")
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


def test_overview_averages_item_views_per_member(con):
    con.execute("UPDATE customers SET count_views = CASE customer_id WHEN 'a' THEN 3 "
                "WHEN 'b' THEN 8 ELSE 1 END")
    build_model(con, "segment_summary", Materialization.TABLE)
    overview = segment_overview(con).set_index("segment")
    assert overview.loc["Champions", "avg_count_views"] == pytest.approx(5.5)
    assert overview.loc["Window Shoppers", "avg_count_views"] == pytest.approx(1.0)


def test_rf_heatmap_counts_buyers_by_recency_score_and_orders(con):
    heat = rf_heatmap(con)
    assert len(heat) == 25
    grid = heat[["r_score", "orders", "customers"]].itertuples(index=False)
    cells = {(r, orders): n for r, orders, n in grid}
    # a: R 5 with 4 orders, b: R 5 with 3 orders, c and d: R 1 with one order each
    assert cells[(5, 4)] == 1 and cells[(5, 3)] == 1 and cells[(1, 1)] == 2
    assert sum(cells.values()) == 4  # the behavioural customer is not in the grid
    assert heat["orders_label"].drop_duplicates().tolist() == ["1", "2", "3", "4", "5+"]


def test_rf_heatmap_puts_five_orders_and_more_in_the_last_column(con):
    con.execute("UPDATE customers SET frequency = 9 WHERE customer_id = 'a'")
    cells = rf_heatmap(con).set_index(["r_score", "orders"])["customers"]
    assert cells[(5, 5)] == 1 and cells[(5, 4)] == 0


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


def test_the_export_read_in_batches_is_the_whole_export_in_order(con):
    con.execute(
        "INSERT INTO customers (customer_id, segment, segment_kind, r_score, clv_amount)"
        " SELECT 'p' || i, 'Promising', 'rfm', CASE WHEN i % 3 = 0 THEN NULL ELSE 3 END, i % 50"
        " FROM range(1005) AS t(i)"
    )
    batches = list(segment_export_batches(con, "Promising", batch_rows=100))
    assert [len(batch) for batch in batches] == [100] * 10 + [5]
    whole = pd.concat(batches, ignore_index=True)
    expected = segment_export(con, "Promising")
    assert whole["customer_id"].tolist() == expected["customer_id"].tolist()
    assert list(whole.columns) == list(EXPORT_COLUMNS)
    # A score is an integer or missing in every batch, never 3.0.
    assert all(str(batch["r_score"].dtype) == "Int64" for batch in batches)
    assert segment_export_count(con, "Promising") == 1005
    assert segment_export_count(con, "Nobody") == 0
    # A stream half read leaves the connection free for other queries.
    stream = segment_export_batches(con, "Promising", batch_rows=100)
    next(stream)
    assert segment_export_count(con, "Promising") == 1005
    assert len(list(stream)) == 10
    assert list(segment_export_batches(con, "Nobody")) == []


def test_a_refreshed_snapshot_streams_each_segment_in_the_export_order_without_a_sort(demo_db):
    with open_snapshot(demo_db) as con:
        marked = con.execute(STORED_IN_EXPORT_ORDER_SQL,
                             [CUSTOMERS_VIEW, EXPORT_ORDER_COMMENT]).fetchall()[0][0]
        assert marked == 1  # the batches below are read as stored, not sorted
        sizes = con.execute("SELECT segment, customers FROM segment_summary "
                            "WHERE customers > 0 ORDER BY customers DESC").fetchall()
        assert sizes[0][1] > 20_000 and len(sizes) >= 5
        for segment, customers in sizes:
            streamed = pd.concat(segment_export_batches(con, segment, batch_rows=5_000),
                                 ignore_index=True)
            ordered = segment_export(con, segment)
            assert len(streamed) == customers, segment
            assert streamed["customer_id"].tolist() == ordered["customer_id"].tolist(), segment
            pd.testing.assert_series_equal(streamed["clv_amount"], ordered["clv_amount"])
