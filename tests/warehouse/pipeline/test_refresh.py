"""The refresh pipeline: snapshot publication, failure safety, step registry and clear errors,
on real DuckDB files under tmp_path."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.support.shops import (
    SHOP_EVENTS,
    SHOP_PROPERTIES,
    SHOP_TREE,
    build_shop,
    build_warehouse,
)
from warehouse.connections import WarehouseBusyError
from warehouse.ops import sqlite_path
from warehouse.paths import snapshot_dir
from warehouse.pipeline import refresh as refresh_module
from warehouse.pipeline.context import RefreshContext
from warehouse.pipeline.refresh import refresh
from warehouse.pipeline.registry import REGISTRY, Step
from warehouse.pipeline.steps.customers import CUSTOMER_PARTS
from warehouse.queries.segments import segment_export, segment_top_customers
from warehouse.schema.customers import TOP_CUSTOMERS
from warehouse.snapshots import SnapshotReader, current_snapshot


def _tables(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
    finally:
        con.close()
    return {name for (name,) in rows}


def _as_of(path: Path) -> date:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT as_of_date FROM refresh_info").fetchone()[0]
    finally:
        con.close()


def _unfinished(db: Path) -> list[Path]:
    return list(snapshot_dir(db).glob("*.building*"))  # none when the folder is gone too


def test_refresh_publishes_a_new_snapshot_and_current_points_to_it(tmp_path):
    db = build_shop(tmp_path / "shop.duckdb")
    published = refresh(db, progress=False)
    assert published.exists()
    assert published.suffix == ".duckdb"
    assert current_snapshot(db) == published
    tables = _tables(published)
    reported = {table for step in REGISTRY.steps for table in step.reported}
    scratch = {table for step in REGISTRY.steps for table in step.scratch}
    assert reported - scratch - {"customers"} <= tables  # customers is a view
    assert scratch and not scratch & tables
    assert _unfinished(db) == []


def test_precomputed_page_tables_agree_with_the_tables_they_summarise(tmp_path):
    db = build_shop(tmp_path / "shop.duckdb")
    published = refresh(db, progress=False)
    with duckdb.connect(str(published), read_only=True) as con:
        summary = dict(con.execute(
            "SELECT segment, customers FROM segment_summary WHERE customers > 0").fetchall())
        members = dict(con.execute(
            "SELECT segment, count(*) FROM customers GROUP BY segment").fetchall())
        sizes = con.execute("SELECT * FROM segment_sizes ORDER BY ALL").fetchall()
        counted = con.execute("SELECT period_end, segment, count(*) FROM segment_snapshots "
                              "GROUP BY ALL ORDER BY ALL").fetchall()
    assert summary == members and sizes == counted and sizes
    assert not sqlite_path(db).exists()  # the refresh reads the operational store, never creates it


def test_second_refresh_switches_current_and_keeps_the_previous_file(tmp_path):
    db = build_shop(tmp_path / "shop.duckdb")
    first = refresh(db, as_of=date(2015, 6, 4), progress=False)
    second = refresh(db, progress=False)
    assert second != first
    assert current_snapshot(db) == second
    assert first.exists()
    assert (_as_of(first), _as_of(second)) == (date(2015, 6, 4), date(2015, 6, 6))


def test_snapshot_opens_alone_and_holds_no_staging_views(tmp_path):
    db = build_shop(tmp_path / "shop.duckdb")
    published = refresh(db, progress=False)
    db.unlink()  # the snapshot must not depend on the warehouse
    con = duckdb.connect(str(published), read_only=True)
    views = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    databases = con.execute("SELECT database_name FROM duckdb_databases()").fetchall()
    assert con.execute("SELECT count(*) FROM order_lines").fetchone()[0] == 6
    # the published views (snapshots and their helpers) read only the snapshot's own tables
    snapshot_rows = con.execute("SELECT count(*) FROM segment_snapshots").fetchone()[0]
    sized = con.execute("SELECT sum(customers) FROM segment_sizes").fetchone()[0]
    customers = con.execute("SELECT count(*) FROM customers").fetchone()[0]
    con.close()
    assert sorted(views) == [
        ("customers",), ("segment_snapshots",), ("snapshot_settled",), ("snapshot_spans",)]
    assert snapshot_rows == sized > 0
    assert customers == len({row[1] for row in SHOP_EVENTS})  # one per visitor of the shop
    assert ("raw",) not in databases


def test_default_as_of_is_the_last_day_with_data(tmp_path):
    db = build_shop(tmp_path / "shop.duckdb")
    assert _as_of(refresh(db, progress=False)) == date(2015, 6, 6)


def test_times_after_now_left_by_an_older_ingest_do_not_stop_the_refresh(tmp_path):
    # loads before ingest refused them could store a time no date can hold (18 digits)
    db = build_warehouse(tmp_path / "shop.duckdb",
                         events=[*SHOP_EVENTS, (999_999_999_999_999_999, 7, "view", 1, None)],
                         item_properties=SHOP_PROPERTIES, category_tree=SHOP_TREE)
    assert _as_of(refresh(db, progress=False)) == date(2015, 6, 6)


def test_a_registered_step_runs_after_its_inputs_and_its_table_is_published(tmp_path):
    db = build_shop(tmp_path / "shop.duckdb")
    contexts: list[RefreshContext] = []

    def count_buyers(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> None:
        contexts.append(ctx)
        con.execute(
            "CREATE TABLE buyer_count AS "
            "SELECT count(*) AS n FROM customer_summary WHERE count_orders > 0"
        )

    counting = REGISTRY.extended(
        Step("count_buyers", count_buyers, reads=("customer_summary",), writes=("buyer_count",))
    )
    published = refresh(db, as_of=date(2015, 6, 5), progress=False, registry=counting)
    con = duckdb.connect(str(published), read_only=True)
    assert con.execute("SELECT n FROM buyer_count").fetchone()[0] == 3  # visitors 1, 2, 3
    con.close()
    (ctx,) = contexts
    assert (ctx.db, ctx.as_of, ctx.period_start) == (db, date(2015, 6, 5), date(2015, 6, 1))
    assert ctx.price_property == "790"
    assert ctx.snapshot.name.endswith(".building")
    assert ctx.cutoff_at.isoformat() == "2015-06-06T00:00:00"


def test_failed_step_leaves_the_previous_snapshot_current_and_no_building_file(tmp_path):
    db = build_shop(tmp_path / "shop.duckdb")
    previous = refresh(db, progress=False)

    def broken(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> None:
        raise RuntimeError("model failed")

    failing = REGISTRY.extended(Step("broken", broken, reads=("customers",)))
    with pytest.raises(RuntimeError, match="model failed"):
        refresh(db, progress=False, registry=failing)
    assert current_snapshot(db) == previous
    assert _unfinished(db) == []
    assert sorted(p.name for p in snapshot_dir(db).glob("*.duckdb")) == [previous.name]


def test_reader_keeps_the_previous_snapshot_during_a_refresh_and_sees_the_new_one_after(tmp_path):
    db = build_shop(tmp_path / "shop.duckdb")
    first = refresh(db, as_of=date(2015, 6, 4), progress=False)
    reader = SnapshotReader(db)
    assert reader.cursor().execute("SELECT as_of_date FROM refresh_info").fetchone()[0] == date(
        2015, 6, 4
    )
    seen_during: list[tuple[Path, date]] = []

    def peek(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> None:
        cursor = reader.cursor()
        as_of = cursor.execute("SELECT as_of_date FROM refresh_info").fetchone()[0]
        seen_during.append((reader.path, as_of))

    second = refresh(db, progress=False, registry=REGISTRY.extended(Step("peek", peek)))
    assert seen_during == [(first, date(2015, 6, 4))]
    assert reader.path == second
    as_of_after = reader.cursor().execute("SELECT as_of_date FROM refresh_info").fetchone()[0]
    assert as_of_after == date(2015, 6, 6)


def test_customers_has_one_row_per_customer_with_a_segment_each(tmp_path):
    db = build_shop(tmp_path / "shop.duckdb")
    con = duckdb.connect(str(refresh(db, progress=False)), read_only=True)
    rows, keys, segmented = con.execute(
        "SELECT count(*), count(DISTINCT customer_id), count(segment) FROM customers"
    ).fetchone()
    con.close()
    raw = duckdb.connect(str(db), read_only=True)
    visitors = raw.execute(
        "SELECT count(*) FROM (SELECT CAST(visitorid AS VARCHAR) FROM events"
        " UNION SELECT customer_id FROM orders)"
    ).fetchone()[0]
    raw.close()
    assert rows == keys == segmented == visitors > 0


def test_missing_warehouse_raises_file_not_found_with_the_ingest_command(tmp_path):
    db = tmp_path / "absent.duckdb"
    with pytest.raises(FileNotFoundError, match=r"python app\.py ingest"):
        refresh(db, progress=False)
    assert not snapshot_dir(db).exists()


def test_empty_warehouse_says_there_is_nothing_to_refresh(tmp_path):
    db = build_warehouse(tmp_path / "empty.duckdb")
    with pytest.raises(ValueError, match=r"nothing to refresh: load data first"):
        refresh(db, progress=False)
    assert current_snapshot(db) is None
    assert _unfinished(db) == []


def test_warehouse_without_raw_tables_says_there_is_nothing_to_refresh(tmp_path):
    db = tmp_path / "bare.duckdb"
    duckdb.connect(str(db)).close()
    with pytest.raises(ValueError, match=r"nothing to refresh.*no table events"):
        refresh(db, progress=False)


def test_as_of_in_the_future_is_a_clear_error_and_publishes_nothing(tmp_path):
    db = build_shop(tmp_path / "shop.duckdb")
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    with pytest.raises(ValueError, match=r"is in the future .* the data ends on 2015-06-06"):
        refresh(db, as_of=tomorrow, progress=False)
    assert current_snapshot(db) is None
    assert _unfinished(db) == []


def test_as_of_before_the_first_event_is_a_clear_error(tmp_path):
    db = build_shop(tmp_path / "shop.duckdb")
    with pytest.raises(ValueError, match=r"as of 2015-05-01.*2015-06-06"):
        refresh(db, as_of=date(2015, 5, 1), progress=False)
    assert _unfinished(db) == []


def test_busy_warehouse_raises_warehouse_busy_error(tmp_path, monkeypatch):
    db = build_shop(tmp_path / "shop.duckdb")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('ready', flush=True); time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        monkeypatch.setattr(refresh_module, "ATTACH_WAIT_SECONDS", 0.3)
        with pytest.raises(WarehouseBusyError, match=r"in use by another Actionboard process"):
            refresh(db, progress=False)
    finally:
        holder.kill()
        holder.wait()
    assert _unfinished(db) == []


def test_progress_prints_a_summary_with_as_of_rows_per_mart_and_step_warnings(tmp_path, capsys):
    db = build_shop(tmp_path / "shop.duckdb")

    def warn(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> None:
        ctx.warnings.append("too few repeat buyers")

    refresh(db, progress=True, registry=REGISTRY.extended(Step("warn", warn)))
    out = capsys.readouterr().out
    assert "as of 2015-06-06" in out
    reported = [table for step in REGISTRY.steps for table in step.reported]
    assert "order_lines" in reported and all(f"{name} " in out for name in reported)
    assert re.search(r"order_lines +6 rows", out)
    assert "1 lines of never-priced items" in out
    assert "warning: too few repeat buyers" in out


def test_customers_are_stored_in_segment_order_buyers_and_visitors_apart(tmp_path):
    db = build_shop(tmp_path / "shop.duckdb")
    con = duckdb.connect(str(refresh(db, progress=False)), read_only=True)
    stored = {part: [segment for (segment,) in con.execute(
        f"SELECT segment FROM {part} ORDER BY rowid").fetchall()] for part in CUSTOMER_PARTS}
    kinds = dict(con.execute(
        "SELECT segment_kind, count(*) FROM customers GROUP BY ALL").fetchall())
    buyers_without_orders, visitors_with_orders = con.execute(
        "SELECT count(*) FILTER (WHERE segment_kind = 'rfm' AND NOT EXISTS ("
        "    SELECT 1 FROM order_lines AS o WHERE o.customer_id = c.customer_id)),"
        " count(*) FILTER (WHERE segment_kind = 'behavioural' AND EXISTS ("
        "    SELECT 1 FROM order_lines AS o WHERE o.customer_id = c.customer_id))"
        " FROM customers AS c").fetchone()
    con.close()
    assert all(rows == sorted(rows) and rows for rows in stored.values())
    assert kinds == {"rfm": len(stored["customer_buyers"]),
                     "behavioural": len(stored["customer_visitors"])}
    # the view's zero orders for visitors hold: buyers are exactly the customers with an order
    assert buyers_without_orders == visitors_with_orders == 0


def test_stored_segment_grids_are_the_first_rows_of_each_segment_s_export(tmp_path):
    db = build_shop(tmp_path / "shop.duckdb")
    con = duckdb.connect(str(refresh(db, progress=False)), read_only=True)
    segments = [s for (s,) in con.execute(
        "SELECT segment FROM segment_summary WHERE customers > 0").fetchall()]
    for segment in segments:
        top = segment_top_customers(con, segment)["customer_id"].tolist()
        everyone = segment_export(con, segment)["customer_id"].tolist()
        assert top == everyone[:TOP_CUSTOMERS] and top, segment
    listed = con.execute("SELECT count(*) FROM segment_top_customers").fetchone()[0]
    con.close()
    assert len(segments) >= 3 and listed == len({row[1] for row in SHOP_EVENTS})  # everyone
