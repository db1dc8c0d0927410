"""The segment and snapshot refresh steps on a real DuckDB file with hand-made marts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import numpy as np
import pytest

from tests.warehouse.marts_fixture import step_context
from tests.warehouse.test_queries_segments import REFERENCE_TRANSITIONS_SQL
from warehouse.pipeline.context import RefreshContext
from warehouse.pipeline.steps.segment_snapshots import build_segment_snapshots, segments_at_sql
from warehouse.pipeline.steps.segments import build_segments

AS_OF = date(2015, 6, 30)

# (customer_id, order_id, ordered_at, line_amount); o5 and o7 come after the as-of date.
ORDER_LINES = [
    ("c1", "o1", "2015-06-29 10:00", 100.0),
    ("c1", "o1", "2015-06-29 10:00", 50.0),
    ("c1", "o2", "2015-05-01 09:00", 30.0),
    ("c2", "o3", "2015-06-01 12:00", 20.0),
    ("c3", "o4", "2015-04-01 08:00", 500.0),
    ("c3", "o5", "2015-07-05 08:00", 1000.0),
    ("c4", "o6", "2015-06-30 23:00", 60.0),
    ("c6", "o8", "2015-06-15 11:00", 60.0),
    ("c5", "o7", "2015-07-02 15:00", 80.0),
]

# (customer_id, count_views, count_cart_adds, first_event_at, last_event_at)
SUMMARY = [
    ("c1", 5, 2, "2015-04-20 10:00", "2015-06-29 10:00"),
    ("c2", 1, 1, "2015-06-01 11:00", "2015-06-01 12:00"),
    ("c3", 1, 1, "2015-04-01 07:00", "2015-04-01 08:00"),
    ("c4", 1, 1, "2015-06-30 22:00", "2015-06-30 23:00"),
    ("c6", 1, 1, "2015-06-15 10:00", "2015-06-15 11:00"),
    ("c5", 4, 1, "2015-06-25 10:00", "2015-06-25 11:00"),
    ("n1", 20, 0, "2015-06-10 10:00", "2015-06-10 12:00"),
    ("n2", 3, 1, "2015-05-20 10:00", "2015-06-05 10:00"),
    ("n3", 1, 0, "2015-06-20 10:00", "2015-06-20 10:00"),
    ("n4", 2, 0, "2015-06-01 10:00", "2015-06-02 10:00"),
]

# (customer_id, event_at, event_type) for the snapshot step.
EVENTS = [
    ("c1", "2015-04-20 10:00", "view"),
    ("n2", "2015-05-20 10:00", "view"),
    ("n2", "2015-06-05 10:00", "addtocart"),
    ("n3", "2015-06-20 10:00", "view"),
    ("c5", "2015-06-25 10:00", "view"),
]


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "snapshot.duckdb"))
    con.execute(
        "CREATE TABLE order_lines (customer_id VARCHAR, order_id VARCHAR, ordered_at TIMESTAMP,"
        " order_date DATE, item_id VARCHAR, line_amount DOUBLE)"
    )
    con.executemany(
        "INSERT INTO order_lines VALUES (?, ?, ?::TIMESTAMP, ?::TIMESTAMP::DATE, 'i', ?)",
        [(c, o, at, at, amount) for c, o, at, amount in ORDER_LINES],
    )
    con.execute(
        "CREATE TABLE customer_summary (customer_id VARCHAR, first_event_at TIMESTAMP,"
        " last_event_at TIMESTAMP, count_views BIGINT, count_cart_adds BIGINT,"
        " count_orders BIGINT, gmv_amount DOUBLE, is_single_visit BOOLEAN"
        " AS (CAST(first_event_at AS DATE) = CAST(last_event_at AS DATE)))"
    )
    con.executemany(
        "INSERT INTO customer_summary (customer_id, first_event_at, last_event_at, count_views,"
        " count_cart_adds, count_orders, gmv_amount) VALUES (?, ?, ?, ?, ?, 0, 0)",
        [(c, first, last, views, carts) for c, views, carts, first, last in SUMMARY],
    )
    con.execute(  # the staging view a refresh provides; empty unless a test adds events
        "CREATE TABLE stg_events (customer_id VARCHAR, event_at TIMESTAMP, event_type VARCHAR)"
    )
    yield con
    con.close()


def _add_events(con: duckdb.DuckDBPyConnection) -> None:
    con.executemany("INSERT INTO stg_events VALUES (?, ?, ?)", EVENTS)


def _build_snapshots(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> None:
    """The snapshot step on tables that agree with each other: ``customers`` (where the step
    finds settled visitors' facts) rebuilt from the events and order lines up to the as-of
    date, as the summary mart does."""
    con.execute(
        """
        CREATE OR REPLACE TABLE customers AS
        WITH activity AS (
            SELECT customer_id, event_at AS active_at, event_type, NULL AS order_id
            FROM stg_events
            UNION ALL
            SELECT customer_id, ordered_at, 'order', order_id
            FROM order_lines WHERE order_date <= $as_of
        )
        SELECT customer_id, min(active_at) AS first_event_at, max(active_at) AS last_event_at,
               count(*) FILTER (WHERE event_type = 'view') AS count_views,
               count(*) FILTER (WHERE event_type = 'addtocart') AS count_cart_adds,
               count(DISTINCT order_id) AS count_orders,
               min(active_at)::DATE = max(active_at)::DATE AS is_single_visit
        FROM activity
        GROUP BY customer_id
        """,
        {"as_of": ctx.as_of},
    )
    build_segment_snapshots(con, ctx)


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


def _snapshot(con: duckdb.DuckDBPyConnection) -> dict[date, dict[str, str]]:
    out: dict[date, dict[str, str]] = {}
    rows = con.execute("SELECT period_end, customer_id, segment FROM segment_snapshots").fetchall()
    for period_end, customer, segment in rows:
        out.setdefault(period_end, {})[customer] = segment
    return out


def test_monthly_snapshots_move_a_repeat_buyer_between_segments(con):
    _add_events(con)
    _build_snapshots(con, step_context(AS_OF))
    snapshots = _snapshot(con)
    # April: c3 the only buyer (all scores 1); c1 has viewed once and not bought yet.
    assert snapshots[date(2015, 4, 30)] == {"c3": "Lost", "c1": "One-visit Browsers"}
    # May: buyers c1 (30 days, 1 order, 30) and c3 (60 days, 1 order, 500) → c1 R3 F1 M1.
    assert snapshots[date(2015, 5, 31)] == {
        "c1": "About to Sleep",
        "c3": "Lost",
        "n2": "One-visit Browsers",
    }
    # June (= as of): the same RFM segments as build_segments; c5 buys only in July.
    assert snapshots[AS_OF] == {
        "c1": "Champions",
        "c2": "Hibernating",
        "c3": "Lost",
        "c4": "New Customers",
        "c6": "About to Sleep",
        "n2": "Cart Abandoners",
        "n3": "One-visit Browsers",
        "c5": "One-visit Browsers",
    }


def test_segment_sizes_count_the_customers_of_each_snapshot(con):
    _add_events(con)
    _build_snapshots(con, step_context(AS_OF))
    sizes = con.execute(
        "SELECT period_end, segment, customers FROM segment_sizes ORDER BY ALL"
    ).fetchall()
    may = date(2015, 5, 31)
    assert [row for row in sizes if row[0] == may] == [
        (may, "About to Sleep", 1), (may, "Lost", 1), (may, "One-visit Browsers", 1)]
    at_as_of = {segment: n for end, segment, n in sizes if end == AS_OF}
    assert at_as_of["One-visit Browsers"] == 2  # n3 and c5
    assert sum(at_as_of.values()) == 8


def test_snapshots_without_events_hold_buyers_only(con):
    _build_snapshots(con, step_context(AS_OF))
    snapshots = _snapshot(con)
    assert sorted(snapshots) == [date(2015, 4, 30), date(2015, 5, 31), AS_OF]
    assert snapshots[date(2015, 4, 30)] == {"c3": "Lost"}
    assert set(snapshots[AS_OF]) == {"c1", "c2", "c3", "c4", "c6"}


def test_weekly_snapshots_end_on_sundays_and_on_the_as_of_date(con):
    _build_snapshots(con, step_context(AS_OF, granularity="week"))
    ends = [r[0] for r in con.execute(
        "SELECT DISTINCT period_end FROM segment_snapshots ORDER BY 1"
    ).fetchall()]
    # First order 2015-04-01 (a Wednesday): weeks end Sunday 2015-04-05 ... 2015-06-28, then as_of.
    sundays = [date(2015, 4, 5) + timedelta(weeks=k) for k in range(13)]
    assert ends == [*sundays, AS_OF]


def test_unknown_granularity_is_rejected(con):
    with pytest.raises(ValueError, match="granularity"):
        build_segment_snapshots(con, step_context(AS_OF, granularity="year"))


def test_snapshot_key_is_unique_and_customers_never_precede_their_first_activity(con):
    _add_events(con)
    _build_snapshots(con, step_context(AS_OF, granularity="week"))
    duplicates = con.execute(
        "SELECT count(*) FROM (SELECT period_end, customer_id FROM segment_snapshots"
        " GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone()[0]
    assert duplicates == 0
    early = con.execute(
        "SELECT count(*) FROM segment_snapshots AS s"
        " WHERE NOT EXISTS (SELECT 1 FROM stg_events AS e"
        "   WHERE e.customer_id = s.customer_id AND e.event_at::DATE <= s.period_end)"
        " AND NOT EXISTS (SELECT 1 FROM order_lines AS o"
        "   WHERE o.customer_id = s.customer_id AND o.ordered_at::DATE <= s.period_end)"
    ).fetchone()[0]
    assert early == 0


def test_snapshots_with_events_but_no_orders_hold_behavioural_segments(con):
    _add_events(con)
    con.execute("DELETE FROM order_lines")
    _build_snapshots(con, step_context(AS_OF))
    snapshots = _snapshot(con)
    assert snapshots[AS_OF] == {
        "c1": "One-visit Browsers",
        "n2": "Cart Abandoners",
        "n3": "One-visit Browsers",
        "c5": "One-visit Browsers",
    }


def _add_random_visitors(
    con: duckdb.DuckDBPyConnection, visitors: int, *, seed: int, kinds: list[str]
) -> None:
    """The fixture's events plus ``visitors`` visitors with 1–3 random events (one of ``kinds``)
    from April to June: most settle in one period, some span several, and the fixture's buyers
    order along the way."""
    rng = np.random.default_rng(seed)
    start = datetime(2015, 4, 1)
    events = [
        (f"v{visitor}", start + timedelta(hours=int(hour)), kind)
        for visitor in range(visitors)
        for hour in rng.integers(0, 91 * 24, rng.integers(1, 4))
        for kind in [rng.choice(kinds)]
    ]
    con.executemany("INSERT INTO stg_events VALUES (?, ?, ?)", [*EVENTS, *events])


@pytest.mark.parametrize("granularity", ["month", "week"])
def test_sizes_and_transitions_from_weighted_paths_equal_counts_over_the_snapshots(
    con, granularity
):
    _add_random_visitors(con, 300, seed=5, kinds=["view", "view", "view", "addtocart"])
    _build_snapshots(con, step_context(AS_OF, granularity=granularity))

    sizes = con.execute("SELECT * FROM segment_sizes ORDER BY ALL").fetchall()
    counted = con.execute(
        "SELECT period_end, segment, count(*) FROM segment_snapshots GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    transitions = con.execute("SELECT * FROM segment_transitions ORDER BY ALL").fetchall()
    assert sizes == counted
    assert transitions == con.execute(REFERENCE_TRANSITIONS_SQL).fetchall()
    assert len({segment for _, segment, _ in sizes}) >= 4


def test_segments_at_given_customers_equal_the_snapshot_view(con):
    _add_random_visitors(con, 200, seed=11, kinds=["view", "view", "addtocart"])
    _build_snapshots(con, step_context(AS_OF, granularity="week"))
    # Every period end for some customers (buyers, settled and changing visitors, and one id
    # with no activity at all), none for the others.
    con.execute(
        "CREATE TEMP TABLE wanted AS SELECT period_end, customer_id FROM "
        "(SELECT DISTINCT period_end FROM segment_sizes) CROSS JOIN "
        "(SELECT customer_id FROM customers WHERE hash(customer_id) % 3 = 0 "
        " UNION ALL SELECT 'never-seen')"
    )
    looked_up = con.execute(f"SELECT * FROM ({segments_at_sql('wanted')}) ORDER BY ALL").fetchall()
    expected = con.execute(
        "SELECT * FROM segment_snapshots SEMI JOIN wanted USING (period_end, customer_id) "
        "ORDER BY ALL"
    ).fetchall()
    assert looked_up == expected
    kinds = con.execute(
        "SELECT count(DISTINCT s.segment) FROM segment_snapshots AS s "
        "SEMI JOIN wanted USING (customer_id)"
    ).fetchone()[0]
    assert kinds >= 4 and len(expected) > 100
