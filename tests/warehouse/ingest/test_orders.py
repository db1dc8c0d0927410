"""Loading a generic orders CSV: dates, optional columns, bad lines, duplicates, refusals."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.support.raw_files import query, table_contents, write_csv
from warehouse.ingest.orders import IngestError, ingest_orders

HEADER = ("customer_id", "order_id", "ordered_at", "amount", "item_id", "quantity")
LINES = [
    ("c1", "o1", "2024-01-05", "10.50", "i1", "2"),
    ("c1", "o1", "2024-01-05", "3.00", "i2", ""),
    ("c2", "o2", "2024-02-01T13:45:00", "99.9", "i1", "1"),
    ("c3", "o3", "2024-02-03 08:00:00+02:00", "5", "", "3"),
]


def good_lines(count: int) -> list[tuple[str, ...]]:
    return [(f"c{i}", f"o{i}", "2024-03-01", "1.25", "i9", "1") for i in range(100, 100 + count)]


def ingest(db: Path, file: Path):
    return ingest_orders(db, file, progress=False)


def orders(db: Path) -> list[tuple]:
    return query(db, "SELECT * FROM orders ORDER BY customer_id, amount")


def test_iso_dates_and_datetimes_load_as_utc_timestamps(tmp_path):
    db = tmp_path / "w.duckdb"
    summary = ingest(db, write_csv(tmp_path / "orders.csv", HEADER, LINES))
    assert orders(db) == [
        ("c1", "o1", datetime(2024, 1, 5), 3.0, "i2", 1),  # empty quantity means 1
        ("c1", "o1", datetime(2024, 1, 5), 10.5, "i1", 2),
        ("c2", "o2", datetime(2024, 2, 1, 13, 45), 99.9, "i1", 1),
        ("c3", "o3", datetime(2024, 2, 3, 6, 0), 5.0, None, 3),  # +02:00 converted to UTC
    ]
    assert (summary.kind, summary.rows_loaded) == ("orders", 4)
    assert query(db, "SELECT kind, file, rows_read, rows_loaded FROM loads") == [
        ("orders", "orders.csv", 4, 4)]


def test_item_id_and_quantity_columns_are_optional(tmp_path):
    db = tmp_path / "w.duckdb"
    ingest(db, write_csv(tmp_path / "o.csv", HEADER[:4], [line[:4] for line in LINES]))
    assert [(row[4], row[5]) for row in orders(db)] == [(None, 1)] * 4


def test_columns_are_found_by_name_in_any_order_and_others_ignored(tmp_path):
    header = ("amount", "note", "ordered_at", "order_id", "customer_id")
    lines = [("12.5", "gift", "2024-01-05 10:00:00", "o7", "c7")]
    db = tmp_path / "w.duckdb"
    ingest(db, write_csv(tmp_path / "o.csv", header, lines))
    assert orders(db) == [("c7", "o7", datetime(2024, 1, 5, 10), 12.5, None, 1)]


def test_a_gzipped_orders_file_loads(tmp_path):
    db = tmp_path / "w.duckdb"
    ingest(db, write_csv(tmp_path / "orders.csv.gz", HEADER, LINES))
    assert len(orders(db)) == 4


BAD_LINES = [
    (("c1", "o9", "2024-01-05", "-3", "i1", "1"), "amount -3 is negative"),
    (("c1", "o9", "2024-01-05", "ten", "i1", "1"), "amount 'ten' is not a number"),
    (("c1", "o9", "2024-01-05", "", "i1", "1"), "amount is empty"),
    (("c1", "o9", "05/01/2024", "3", "i1", "1"), "ordered_at '05/01/2024' is not an ISO date"),
    (("c1", "o9", "2024-13-01", "3", "i1", "1"), "ordered_at '2024-13-01' is not an ISO date"),
    (("", "o9", "2024-01-05", "3", "i1", "1"), "customer_id is empty"),
    (("c1", "  ", "2024-01-05", "3", "i1", "1"), "order_id is empty"),
    (("c1", "o9", "2024-01-05", "3", "i1", "0"), "quantity '0' is not a whole number of at least"),
    (("c1", "o9", "2024-01-05", "3", "i1", "1.5"), "quantity '1.5' is not a whole number"),
]


@pytest.mark.parametrize(("bad_line", "reason"), BAD_LINES, ids=[r for _, r in BAD_LINES])
def test_a_bad_order_line_is_rejected_with_its_line_number_and_reason(tmp_path, bad_line, reason):
    good = good_lines(30)
    db = tmp_path / "w.duckdb"
    summary = ingest(db, write_csv(tmp_path / "o.csv", HEADER, [*good[:10], bad_line, *good[10:]]))
    [(file, line, text)] = query(db, "SELECT file, line_number, reason FROM rejected_rows")
    assert (file, line) == ("o.csv", 12)
    assert text.startswith(reason)
    assert len(orders(db)) == 30
    assert summary.rows_rejected == 1


def test_a_missing_required_column_is_an_error_naming_file_and_column(tmp_path):
    file = write_csv(tmp_path / "o.csv", ("customer_id", "order_id", "amount"), [("c", "o", "1")])
    with pytest.raises(IngestError) as error:
        ingest(tmp_path / "w.duckdb", file)
    assert str(error.value).startswith("o.csv: missing column 'ordered_at'; expected columns: "
                                       "customer_id, order_id, ordered_at, amount (optional: "
                                       "item_id, quantity)")


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="No orders file"):
        ingest(tmp_path / "w.duckdb", tmp_path / "nope.csv")


def test_reloading_the_same_file_adds_nothing_and_counts_duplicates(tmp_path):
    db = tmp_path / "w.duckdb"
    file = write_csv(tmp_path / "o.csv", HEADER, [*LINES, LINES[0]])
    first = ingest(db, file)
    again = ingest(db, file)
    assert (first.files[0].rows_loaded, first.files[0].duplicates_in_file) == (4, 1)
    assert (again.files[0].rows_loaded, again.files[0].already_loaded) == (0, 4)
    assert len(orders(db)) == 4


def test_the_same_line_written_with_a_date_or_a_midnight_datetime_is_one_line(tmp_path):
    lines = [("c1", "o1", "2024-01-05", "3", "i1", "1"),
             ("c1", "o1", "2024-01-05 00:00:00", "3.00", "i1", "")]
    db = tmp_path / "w.duckdb"
    summary = ingest(db, write_csv(tmp_path / "o.csv", HEADER, lines))
    assert (summary.rows_loaded, summary.files[0].duplicates_in_file) == (1, 1)


def test_more_than_5_percent_bad_lines_refuses_the_load_and_changes_nothing(tmp_path):
    db = tmp_path / "w.duckdb"
    ingest(db, write_csv(tmp_path / "first.csv", HEADER, LINES))
    before = table_contents(db)
    lines = [*good_lines(9), ("c1", "o9", "yesterday", "3", "i1", "1")]
    with pytest.raises(IngestError) as error:
        ingest(db, write_csv(tmp_path / "o.csv", HEADER, lines))
    assert str(error.value).startswith("o.csv: 1 of 10 rows (10.0%) are bad")
    assert "line 11: ordered_at 'yesterday' is not an ISO date" in str(error.value)
    assert table_contents(db) == before


# --- a re-exported file: the latest load of an order replaces it ----------------------------


def test_a_re_exported_order_with_a_changed_line_replaces_the_stored_order(tmp_path):
    db = tmp_path / "w.duckdb"
    ingest(db, write_csv(tmp_path / "january.csv", HEADER, LINES))
    # o1's second line now costs 4.00 instead of 3.00; o2 and o3 are exported again unchanged
    changed = [LINES[0], ("c1", "o1", "2024-01-05", "4.00", "i2", ""), *LINES[2:],
               ("c4", "o4", "2024-02-10", "7", "i3", "1")]
    summary = ingest(db, write_csv(tmp_path / "january-again.csv", HEADER, changed))

    assert query(db, "SELECT item_id, amount FROM orders WHERE order_id = 'o1' ORDER BY 1") == [
        ("i1", 10.5), ("i2", 4.0)]
    assert query(db, "SELECT count(*), sum(amount) FROM orders") == [(5, 10.5 + 4 + 99.9 + 5 + 7)]
    figures = summary.files[0]
    assert (figures.keys_replaced, figures.rows_replaced) == (1, 2)
    assert (figures.rows_loaded, figures.already_loaded) == (3, 2)  # o1's 2 lines and o4
    assert summary.notes == [
        "january-again.csv: 1 order(s) loaded before had other lines in this file; its lines "
        "replace them (2 earlier line(s) removed), so no order is counted twice."]
    assert query(db, "SELECT file, rows_replaced FROM loads ORDER BY load_id") == [
        ("january.csv", 0), ("january-again.csv", 2)]


def test_an_order_re_exported_with_a_line_less_keeps_only_the_lines_of_the_latest_load(tmp_path):
    db = tmp_path / "w.duckdb"
    ingest(db, write_csv(tmp_path / "a.csv", HEADER, LINES))
    ingest(db, write_csv(tmp_path / "b.csv", HEADER, [LINES[0]]))
    assert query(db, "SELECT order_id, item_id FROM orders ORDER BY 1, 2") == [
        ("o1", "i1"), ("o2", "i1"), ("o3", None)]


def test_loading_an_unchanged_file_again_replaces_nothing(tmp_path):
    db = tmp_path / "w.duckdb"
    file = write_csv(tmp_path / "o.csv", HEADER, LINES)
    ingest(db, file)
    again = ingest(db, file)
    assert (again.files[0].keys_replaced, again.files[0].rows_replaced) == (0, 0)
    assert again.notes == []
