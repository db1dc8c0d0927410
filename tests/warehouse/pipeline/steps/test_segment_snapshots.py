"""The segment snapshots step on hand-made marts: segments at each period end, sizes and
transitions from weighted paths, and the segments of given customers."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import numpy as np
import pytest

from analytics.segments import segment_definitions
from tests.support.segment_marts import AS_OF, EVENTS, segment_marts
from tests.support.shops import step_context
from tests.support.transitions import REFERENCE_TRANSITIONS_SQL, snapshots_table
from warehouse.pipeline.context import RefreshContext
from warehouse.pipeline.steps.segment_snapshots import (
    build_segment_snapshots,
    segments_at_sql,
    write_sizes_and_transitions,
)


@pytest.fixture
def con(tmp_path):
    con = segment_marts(tmp_path / "snapshot.duckdb")
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
    snapshots_table(con, rows)
    write_sizes_and_transitions(con)
    got = con.execute("SELECT * FROM segment_transitions ORDER BY ALL").fetchall()
    assert got == con.execute(REFERENCE_TRANSITIONS_SQL).fetchall()
    assert len({(f, t) for f, t, *_ in got}) == 70 * 69 // 2
    con.close()


def test_transition_table_is_empty_with_fewer_than_two_period_ends(tmp_path):
    con = duckdb.connect(str(tmp_path / "one.duckdb"))
    snapshots_table(con, [])
    write_sizes_and_transitions(con)
    assert con.execute("SELECT count(*) FROM segment_transitions").fetchone()[0] == 0
    snapshots_table(con, [(date(2015, 5, 31), "a", "Lost")])
    write_sizes_and_transitions(con)
    assert con.execute("SELECT count(*) FROM segment_transitions").fetchone()[0] == 0
    con.close()
