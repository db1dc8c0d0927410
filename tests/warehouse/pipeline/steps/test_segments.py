"""The segments step on hand-made marts: RFM figures and scores, one segment per customer."""

from __future__ import annotations

import duckdb
import pytest

from tests.support.segment_marts import AS_OF, SUMMARY, segment_marts
from tests.support.shops import step_context
from warehouse.pipeline.steps.segments import build_segments


@pytest.fixture
def con(tmp_path):
    con = segment_marts(tmp_path / "snapshot.duckdb")
    yield con
    con.close()



def _segments(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT customer_id, segment FROM customer_segments").fetchall())


def test_rfm_figures_and_scores_match_hand_computation(con):
    build_segments(con, step_context(AS_OF))
    rows = con.execute(
        "SELECT customer_id, recency_days, frequency, monetary_amount, r_score, f_score, m_score"
        " FROM customer_rfm ORDER BY customer_id"
    ).fetchall()
    # 5 buyers; score = 1 + floor(5 × buyers strictly worse / 5).
    assert rows == [
        ("c1", 1, 2, 180.0, 4, 5, 4),
        ("c2", 29, 1, 20.0, 2, 1, 1),
        ("c3", 90, 1, 500.0, 1, 1, 5),
        ("c4", 0, 1, 60.0, 5, 1, 2),
        ("c6", 15, 1, 60.0, 3, 1, 2),
    ]


def test_orders_after_as_of_do_not_count(con):
    build_segments(con, step_context(AS_OF))
    c3 = con.execute("SELECT frequency, monetary_amount FROM customer_rfm WHERE customer_id = 'c3'")
    assert c3.fetchone() == (1, 500.0)
    c5 = con.execute("SELECT count(*) FROM customer_rfm WHERE customer_id = 'c5'")
    assert c5.fetchone()[0] == 0
    assert _segments(con)["c5"] == "Cart Abandoners"


def test_every_customer_gets_exactly_one_hand_computed_segment(con):
    build_segments(con, step_context(AS_OF))
    # Non-buyers' views 20, 3, 1, 2, 4: the 90th percentile is 13.6, so 14 views make a
    # window shopper.
    assert _segments(con) == {
        "c1": "Champions",
        "c2": "Hibernating",
        "c3": "Lost",
        "c4": "New Customers",
        "c6": "About to Sleep",
        "c5": "Cart Abandoners",
        "n1": "Window Shoppers",
        "n2": "Cart Abandoners",
        "n3": "One-visit Browsers",
        "n4": "Browsers",
    }
    kinds = dict(con.execute("SELECT customer_id, segment_kind FROM customer_segments").fetchall())
    assert {c for c, kind in kinds.items() if kind == "rfm"} == {"c1", "c2", "c3", "c4", "c6"}
    assert set(kinds.values()) == {"rfm", "behavioural"}


def test_segment_definitions_cover_every_assigned_segment(con):
    build_segments(con, step_context(AS_OF))
    unknown = con.execute(
        "SELECT count(*) FROM customer_segments"
        " ANTI JOIN segment_definitions USING (segment, segment_kind)"
    ).fetchone()[0]
    assert unknown == 0
    text = con.execute(
        "SELECT description FROM segment_definitions WHERE segment = 'Window Shoppers'"
    ).fetchone()[0]
    assert "14" in text


def test_no_orders_means_empty_rfm_and_behavioural_segments_only(con):
    con.execute("DELETE FROM order_lines")
    build_segments(con, step_context(AS_OF))
    assert con.execute("SELECT count(*) FROM customer_rfm").fetchone()[0] == 0
    kinds = con.execute("SELECT DISTINCT segment_kind FROM customer_segments").fetchall()
    assert kinds == [("behavioural",)]
    assert con.execute("SELECT count(*) FROM customer_segments").fetchone()[0] == len(SUMMARY)
