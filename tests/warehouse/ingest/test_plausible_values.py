"""Values that parse but cannot be true: times before 1990, after the load, in seconds or beyond
any date; amounts and prices that are not finite or absurdly large. Each is rejected with its
reason, and a file made of them is refused as mis-scaled; none reaches a refresh."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.support.raw_files import (
    CLEAN_PART1,
    query,
    table_contents,
    view_events,
    write_csv,
)
from warehouse.clock import utc_now
from warehouse.ingest.orders import ingest_orders
from warehouse.ingest.retailrocket import IngestError, ingest_retailrocket
from warehouse.pipeline.refresh import refresh

ORDERS_HEADER = ("customer_id", "order_id", "ordered_at", "amount")


def ingest(db: Path, folder: Path):
    return ingest_retailrocket(db, folder, progress=False)


def reasons(db: Path) -> list[tuple]:
    return query(db, "SELECT line_number, reason FROM rejected_rows ORDER BY line_number")


def future_ms() -> str:
    return str(int(utc_now().timestamp() * 1000) + 86_400_000)  # a day after the load


BAD_TIMES = [
    ("631151999999", "timestamp 631151999999 is before 1990-01-01 (milliseconds since 1970 "
                     "expected)"),
    ("1433221332", "timestamp 1433221332 looks like seconds since 1970; expected milliseconds"),
    ("999999999999999999", "timestamp 999999999999999999 lies in the future (after this load "
                           "started)"),
    ("future", "lies in the future (after this load started)"),
]


@pytest.mark.parametrize(("value", "reason"), BAD_TIMES, ids=[v for v, _ in BAD_TIMES])
def test_an_implausible_event_time_is_rejected_with_its_reason(tmp_path, write_rr_folder,
                                                               value, reason):
    value = future_ms() if value == "future" else value
    events = view_events(30)
    events.insert(12, (value, "7", "view", "10", ""))
    db = tmp_path / "w.duckdb"
    ingest(db, write_rr_folder(tmp_path / "rr", events=events))
    [(line, text)] = reasons(db)
    assert line == 14
    assert text.endswith(reason)
    assert query(db, "SELECT count(*) FROM events") == [(30,)]


def test_an_implausible_property_time_is_rejected_too(tmp_path, write_rr_folder):
    part1 = [*CLEAN_PART1, *(("1431226800000", str(100 + i), "available", "1")
                              for i in range(30)), ("1431226800", "12", "available", "1")]
    db = tmp_path / "w.duckdb"
    ingest(db, write_rr_folder(tmp_path / "rr", part1=part1))
    assert reasons(db) == [(37, "timestamp 1431226800 looks like seconds since 1970; expected "
                                "milliseconds")]


def test_an_events_file_in_seconds_is_refused_as_mis_scaled_and_nothing_changes(
    tmp_path, rr_folder, write_rr_folder
):
    db = tmp_path / "w.duckdb"
    ingest(db, rr_folder)
    before = table_contents(db)
    in_seconds = [(ts[:10], *rest) for ts, *rest in view_events(40)]
    with pytest.raises(IngestError) as error:
        ingest(db, write_rr_folder(tmp_path / "seconds", events=in_seconds))
    message = str(error.value)
    assert message.startswith("events.csv: 40 of 40 rows (100.0%) are bad, more than the 5% "
                              "allowed, so nothing was loaded. First problems: line 2: timestamp "
                              "1433221332 looks like seconds since 1970; expected milliseconds")
    assert table_contents(db) == before


def test_an_absurd_price_is_rejected(tmp_path, write_rr_folder):
    part1 = [*CLEAN_PART1, *(("1431226800000", str(100 + i), "790", "n5.000") for i in range(30)),
             ("1431226800000", "12", "790", "n" + "9" * 400)]
    db = tmp_path / "w.duckdb"
    ingest(db, write_rr_folder(tmp_path / "rr", part1=part1))
    [(line, text)] = reasons(db)
    assert line == 37
    assert text.endswith("(property 790) is implausibly large (more than 1,000,000,000,000)")


def orders_file(path: Path, bad: tuple[str, ...]) -> Path:
    lines = [(f"c{i}", f"o{i}", "2024-03-01", "12.50") for i in range(40)]
    lines.insert(5, bad)
    return write_csv(path, ORDERS_HEADER, lines)


BAD_ORDERS = [
    (("c", "o", "1989-12-31 23:59:59", "1"), "ordered_at 1989-12-31 23:59:59 is before 1990-01-01"),
    (("c", "o", "2999-01-01", "1"), "ordered_at 2999-01-01 lies in the future (after this load "
                                    "started)"),
    (("c", "o", "2024-03-01", "1e308"), "amount 1e308 is implausibly large (more than "
                                        "1,000,000,000,000)"),
    (("c", "o", "2024-03-01", "inf"), "amount 'inf' is not a number"),
    (("c", "o", "2024-03-01", "NaN"), "amount 'NaN' is not a number"),
    (("c", "o", "2024-03-01", "-1e308"), "amount -1e308 is negative"),
]


@pytest.mark.parametrize(("bad", "reason"), BAD_ORDERS, ids=[r for _, r in BAD_ORDERS])
def test_an_implausible_order_line_is_rejected_with_its_reason(tmp_path, bad, reason):
    db = tmp_path / "w.duckdb"
    ingest_orders(db, orders_file(tmp_path / "orders.csv", bad), progress=False)
    assert reasons(db) == [(7, reason)]
    assert query(db, "SELECT count(*) FROM orders") == [(40,)]


def test_two_orders_of_1e308_no_longer_make_gmv_infinite(tmp_path):
    lines = [(f"c{i}", f"o{i}", f"2024-03-{1 + i % 28:02d}", "20") for i in range(60)]
    lines += [("c1", "big1", "2024-03-02", "1e308"), ("c2", "big2", "2024-03-03", "1e308")]
    db = tmp_path / "w.duckdb"
    ingest_orders(db, write_csv(tmp_path / "orders.csv", ORDERS_HEADER, lines), progress=False)
    snapshot = refresh(db, progress=False)
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        assert con.execute("SELECT sum(gmv_amount) FROM daily_kpis").fetchone()[0] == 60 * 20
    finally:
        con.close()
