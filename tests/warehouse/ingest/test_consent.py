"""A push consent / opt-out list: values, defaults, time zones, upserts, bad rows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.support.raw_files import query, write_csv
from warehouse.ingest.consent import IngestError, ingest_consent
from warehouse.ingest.orders import ingest_orders

HEADER = ("customer_id", "consent", "opted_out_at", "time_zone")


def load(db: Path, folder: Path, rows, header=HEADER):
    return ingest_consent(db, write_csv(folder / "consent.csv", header, rows), progress=False)


def consent(db: Path) -> list[tuple]:
    return query(db, "SELECT * FROM push_consent ORDER BY customer_id")


def test_consent_values_dates_and_time_zones_load(tmp_path):
    db = tmp_path / "w.duckdb"
    summary = load(db, tmp_path, [
        ("1", "1", "", "Europe/Paris"),
        ("2", "no", "2024-03-01 10:00:00+01:00", ""),
        ("3", "TRUE", "", ""),
        ("4", "0", "", "")])
    assert consent(db) == [("1", True, None, "Europe/Paris"),
                           ("2", False, datetime(2024, 3, 1, 9), None),
                           ("3", True, None, None),
                           ("4", False, None, None)]
    assert summary.kind == "consent"


def test_a_bare_opt_out_list_withdraws_consent_and_a_bare_id_grants_it(tmp_path):
    db = tmp_path / "w.duckdb"
    load(db, tmp_path, [("7", "2024-05-02"), ("8", "")], header=("customer_id", "opted_out_at"))
    assert consent(db) == [("7", False, datetime(2024, 5, 2), None), ("8", True, None, None)]


def test_a_later_list_replaces_a_customers_row(tmp_path):
    db = tmp_path / "w.duckdb"
    load(db, tmp_path, [("1", "1", "", ""), ("2", "1", "", "")])
    load(db, tmp_path, [("1", "0", "2024-06-01", "")])
    assert consent(db) == [("1", False, datetime(2024, 6, 1), None), ("2", True, None, None)]


def test_consent_loads_beside_orders_in_the_same_warehouse(tmp_path):
    db = tmp_path / "w.duckdb"
    orders = write_csv(tmp_path / "o.csv", ("customer_id", "order_id", "ordered_at", "amount"),
                       [("1", "o1", "2024-01-01", "3")])
    ingest_orders(db, orders, progress=False)
    load(db, tmp_path, [("1", "1", "", "")])
    assert query(db, "SELECT kind FROM loads ORDER BY load_id") == [("orders",), ("consent",)]


BAD = [
    (("", "1", "", ""), "customer_id is empty"),
    (("9", "maybe", "", ""), "consent 'maybe' is not 1/0, true/false or yes/no"),
    (("9", "0", "last week", ""), "opted_out_at 'last week' is not an ISO date or datetime"),
    (("9", "1", "", "Mars/Olympus"), "time_zone 'Mars/Olympus' is not a time zone name"),
]


@pytest.mark.parametrize(("bad", "reason"), BAD, ids=[r for _, r in BAD])
def test_a_bad_row_is_rejected_with_its_line_and_reason(tmp_path, bad, reason):
    good = [(str(i), "1", "", "") for i in range(100, 130)]
    db = tmp_path / "w.duckdb"
    load(db, tmp_path, [*good[:3], bad, *good[3:]])
    [(line, text)] = query(db, "SELECT line_number, reason FROM rejected_rows")
    assert line == 5
    assert text.startswith(reason)
    assert len(consent(db)) == 30


def test_too_many_bad_rows_refuse_the_list(tmp_path):
    with pytest.raises(IngestError, match=r"consent\.csv: 1 of 2 rows"):
        load(tmp_path / "w.duckdb", tmp_path, [("1", "1", "", ""), ("2", "perhaps", "", "")])
