"""Hand-made snapshots for the rule, campaign and board tests: a ``customers`` table with only the
columns a test sets (the rest NULL), and the tables the board's queries read, as a refresh writes
them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from analytics.segments import segment_definitions
from tests.support.catalogue import refresh_catalogue, write_catalogue
from warehouse.commands import (
    Rule,
    create_rule,
    winners_sql,
)
from warehouse.pipeline.steps.segment_snapshots import SNAPSHOTS_DDL, write_sizes_and_transitions
from warehouse.schema.customers import SEGMENT_SUMMARY_TABLE
from warehouse.snapshots import (
    new_snapshot_path,
    publish_snapshot,
)
from warehouse.sql.runner import Materialization, build_model

CUSTOMER_COLUMNS = {
    "customer_id": "VARCHAR", "segment": "VARCHAR", "segment_kind": "VARCHAR",
    "cluster_name": "VARCHAR", "r_score": "INTEGER", "f_score": "INTEGER", "m_score": "INTEGER",
    "recency_days": "INTEGER", "frequency": "INTEGER", "monetary_amount": "DOUBLE",
    "count_views": "BIGINT", "count_cart_adds": "BIGINT", "is_single_visit": "BOOLEAN",
    "count_orders": "BIGINT",
    "gmv_amount": "DOUBLE", "cart_to_purchase_ratio": "DOUBLE", "first_event_at": "TIMESTAMP",
    "last_event_at": "TIMESTAMP", "last_purchase_at": "TIMESTAMP", "p_alive": "DOUBLE",
    "expected_purchases_90": "DOUBLE", "clv_amount": "DOUBLE",
}


FIELDS = refresh_catalogue()


def write_snapshot(
    path: Path,
    customers: pd.DataFrame,
    order_lines: list[tuple[str, str, str, float]] = (),
    as_of: str = "2015-06-30",
    segment_snapshots: list[tuple[str, str, str]] = (),
) -> Path:
    """A snapshot file with ``customers`` (missing columns NULL), ``order_lines`` given as
    (customer_id, order_id, ordered_at, line_amount), ``segment_snapshots`` as (period_end,
    customer_id, segment), ``segment_summary`` and ``refresh_info`` (the data ends on ``as_of``)."""
    con = duckdb.connect(str(path))
    try:
        columns = ", ".join(f"{name} {kind}" for name, kind in CUSTOMER_COLUMNS.items())
        con.execute(f"CREATE TABLE customers ({columns})")
        con.register("frame", customers)
        con.execute("INSERT INTO customers BY NAME SELECT * FROM frame")
        con.unregister("frame")
        con.execute(
            "CREATE TABLE order_lines (customer_id VARCHAR, order_id VARCHAR, ordered_at "
            "TIMESTAMP, line_amount DOUBLE, line_number INTEGER)"
        )
        for customer_id, order_id, ordered_at, amount in order_lines:
            con.execute("INSERT INTO order_lines VALUES (?, ?, ?, ?, 1)",
                        [customer_id, order_id, datetime.fromisoformat(ordered_at), amount])
        # The snapshot step's own tables and views; the given rows are stored as buyers' rows.
        con.execute(SNAPSHOTS_DDL)
        for row in segment_snapshots:
            con.execute("INSERT INTO snapshot_buyer_segments VALUES (?, ?, ?)", list(row))
        write_sizes_and_transitions(con)  # segment_sizes lists the period ends
        con.register("definitions", segment_definitions())
        con.execute("CREATE TABLE segment_definitions AS SELECT * FROM definitions")
        con.unregister("definitions")
        build_model(con, SEGMENT_SUMMARY_TABLE, Materialization.TABLE)  # as a refresh does
        con.execute("CREATE TABLE refresh_info AS SELECT CAST(? AS DATE) AS as_of_date, "
                    "CAST(? AS DATE) AS last_event_date", [as_of, as_of])
        write_catalogue(con)  # as the refresh writes it
    finally:
        con.close()
    return path


def publish(db: Path, customers: pd.DataFrame, **kwargs: object) -> Path:
    """Write a snapshot for warehouse ``db`` and make it the current one."""
    return publish_snapshot(db, write_snapshot(new_snapshot_path(db), customers, **kwargs))


def shop(n: int = 10) -> pd.DataFrame:
    """Customers c01..c<n>: frequency 1 except the last two (2, 3); monetary 10, 20, …"""
    ids = [f"c{i:02d}" for i in range(1, n + 1)]
    return pd.DataFrame({
        "customer_id": ids,
        "segment": ["Hibernating" if i % 2 else "Champions" for i in range(n)],  # c01, c03, …
        "segment_kind": "rfm",
        "frequency": [1] * (n - 2) + [2, 3],
        "monetary_amount": [10.0 * (i + 1) for i in range(n)],
        "recency_days": [100 - 10 * i for i in range(n)],
        "clv_amount": [float(i + 1) for i in range(n)],
    })


def matching(tmp_path: Path, customers: pd.DataFrame, conditions: list[dict]) -> list[str]:
    """Customers matching ``conditions``, evaluated as the board evaluates a rule."""
    path = write_snapshot(tmp_path / "snap.duckdb", customers)
    sql, params = winners_sql([rule("probe", conditions, rule_id=1)], FIELDS)
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(f"SELECT customer_id FROM ({sql}) WHERE is_match_0 ORDER BY 1",
                           params).fetchall()
    return [row[0] for row in rows]


def rule(name: str, conditions: list[dict], **kwargs: object) -> Rule:
    return Rule(name, conditions, "Action", "email", "Offer", "retention", **kwargs)


def three_rules() -> list[Rule]:
    return [
        rule("Big spenders", [{"field": "monetary_amount", "op": ">=", "value": 70}],
             priority=1, rule_id=11),  # c07..c10
        rule("Repeat", [{"field": "frequency", "op": ">=", "value": 2}],
             priority=2, rule_id=12),  # c09, c10
        rule("Champions", [{"field": "segment", "op": "=", "value": "Champions"}],
             priority=3, rule_id=13),  # c01, c03, c05, c07, c09
    ]


def repeat_rule(db: Path, ops_url: str | None = None) -> int:
    """A rule for repeat buyers at priority 1, so it wins over the default rules."""
    return create_rule(db, rule("Repeat buyers", [{"field": "frequency", "op": ">=", "value": 2}],
                                priority=1), fields=FIELDS, user="test",
                       ops_url=ops_url).rule_id


def large_shop(n: int) -> pd.DataFrame:
    """``n`` repeat buyers in four segments (one named like a formula), with distinct CLVs: an
    audience large enough that a launch or an export takes seconds, to be killed midway."""
    return pd.DataFrame({
        "customer_id": [f"c{i:07d}" for i in range(n)],
        "segment": pd.Series(["Champions", "Loyal", "Hibernating", "=At risk"] * (n // 4 + 1)
                             ).iloc[:n].to_numpy(),
        "segment_kind": "rfm",
        "frequency": 2,
        "clv_amount": [i / 7 for i in range(n)],
    })


def everyone_rule(db: Path, ops_url: str | None = None) -> int:
    """A rule every customer of ``large_shop`` matches, at priority 1."""
    return create_rule(db, rule("Everyone", [{"field": "frequency", "op": ">=", "value": 1}],
                                priority=1), fields=FIELDS, user="test",
                       ops_url=ops_url).rule_id
