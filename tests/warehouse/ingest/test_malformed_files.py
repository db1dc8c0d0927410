"""Files a CSV reader stumbles on: quoted line breaks, damaged gzip, malformed lines, blank lines.

A malformed line is quarantined like any bad row (with its line in the file and a reason), a
damaged file refuses the load naming the file and the line, and either way nothing else changes.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tests.support.raw_files import (
    EVENTS_HEADER,
    event_line,
    query,
    table_contents,
    write_raw,
)
from warehouse.ingest.orders import ingest_orders
from warehouse.ingest.retailrocket import IngestError, ingest_retailrocket

ORDERS_HEADER = ("customer_id", "order_id", "ordered_at", "amount", "note")


def ingest(db: Path, folder: Path):
    return ingest_retailrocket(db, folder, progress=False)


def rejected(db: Path) -> list[tuple]:
    return query(db, "SELECT file, line_number, reason FROM rejected_rows ORDER BY line_number")


def events_file(folder: Path, lines: list[bytes], *, newline: bytes = b"\n",
                name: str = "events.csv") -> Path:
    for stale in (folder / "events.csv", folder / "events.csv.gz"):
        stale.unlink(missing_ok=True)
    return write_raw(folder / name, EVENTS_HEADER, lines, newline=newline)


def good_events(count: int, start: int = 0) -> list[bytes]:
    return [event_line(i) for i in range(start, start + count)]


def loaded_visitors(db: Path) -> list[int]:
    return [row[0] for row in query(db, "SELECT visitorid FROM events ORDER BY 1")]


# --- quoted fields holding line breaks ---------------------------------------------------------


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["LF", "CRLF"])
def test_quoted_fields_with_line_breaks_load_and_later_line_numbers_stay_exact(
    tmp_path, newline
):
    lines = [
        b'c1,o1,2024-01-05,10.0,"gift\nwrap"',
        b'c2,o2,2024-01-06,11.0,"two\r\nlines"',
        b'c3,o3,2024-01-07,12.0,"carriage\rreturn"',
        b'c4,o4,2024-01-08,13.0,"a\n\nblank line inside"',
        *(b"c%d,o%d,2024-02-01,1.0,plain" % (i, i) for i in range(5, 45)),
        b"c99,o99,2024-02-01,ten,after the breaks",
    ]
    file = write_raw(tmp_path / "orders.csv", ORDERS_HEADER, lines, newline=newline)
    db = tmp_path / "w.duckdb"
    summary = ingest_orders(db, file, progress=False)

    assert summary.rows_loaded == 44
    # header 1; records 1-4 span 2, 2, 1 (a lone CR is no line break) and 3 lines: 2-9;
    # 40 plain lines 10-49; the bad line is line 50
    assert query(db, "SELECT line_number, reason FROM rejected_rows") == [
        (50, "amount 'ten' is not a number")]


def test_a_bad_value_inside_a_quoted_multi_line_field_is_reported_on_the_record_s_first_line(
    tmp_path, write_rr_folder
):
    folder = write_rr_folder(tmp_path / "rr")
    events_file(folder, [*good_events(25), b'1433221332117,77,"vi\new",10,', *good_events(20, 25)])
    db = tmp_path / "w.duckdb"
    ingest(db, folder)
    assert rejected(db) == [("events.csv", 27, "unknown event type 'vi\new' (expected view, "
                                                "addtocart or transaction)")]
    assert len(loaded_visitors(db)) == 45


# --- damaged gzip --------------------------------------------------------------------------


def test_a_truncated_gzip_file_is_refused_naming_the_line_and_nothing_changes(
    tmp_path, rr_folder, write_rr_folder
):
    db = tmp_path / "w.duckdb"
    ingest(db, rr_folder)
    before = table_contents(db)

    folder = write_rr_folder(tmp_path / "gz")
    packed = gzip.compress(b"\n".join([",".join(EVENTS_HEADER).encode(), *good_events(5000)]))
    events_file(folder, [], name="events.csv.gz").write_bytes(packed[: len(packed) // 2])
    with pytest.raises(IngestError) as error:
        ingest(db, folder)
    message = str(error.value)
    assert message.startswith("events.csv.gz: the compressed data ends after line ")
    assert message.endswith("the file is truncated; nothing was loaded")
    assert 1 < int(message.split("after line ")[1].split(":")[0].replace(",", "")) < 5001
    assert table_contents(db) == before


def test_a_corrupt_gzip_file_is_refused_and_nothing_changes(tmp_path, rr_folder,
                                                            write_rr_folder):
    db = tmp_path / "w.duckdb"
    ingest(db, rr_folder)
    before = table_contents(db)

    folder = write_rr_folder(tmp_path / "gz")
    packed = bytearray(gzip.compress(
        b"\n".join([",".join(EVENTS_HEADER).encode(), *good_events(20000)])))
    packed[len(packed) // 2] ^= 0xFF  # one damaged byte in the compressed stream
    events_file(folder, [], name="events.csv.gz").write_bytes(bytes(packed))
    with pytest.raises(IngestError, match=r"^events\.csv\.gz: the compressed data is corrupt "
                                          r"after line [0-9,]+ .*; nothing was loaded$"):
        ingest(db, folder)
    assert table_contents(db) == before


def test_a_gzip_file_cut_inside_its_header_is_refused_naming_line_1(tmp_path, write_rr_folder):
    folder = write_rr_folder(tmp_path / "gz")
    packed = gzip.compress(b"\n".join([",".join(EVENTS_HEADER).encode(), *good_events(10)]))
    events_file(folder, [], name="events.csv.gz").write_bytes(packed[:12])
    with pytest.raises(IngestError, match=r"^events\.csv\.gz, line 1: cannot read the header"):
        ingest(tmp_path / "w.duckdb", folder)
    assert not (tmp_path / "w.duckdb").exists()


# --- one malformed line among good ones ------------------------------------------------------

MALFORMED = [
    (b"1433221332117,1,view,10,,extra", "the line has 6 fields; the header has 5"),
    (b"1433221332117,1,view", "the line has 3 fields; the header has 5"),
    (b'1433221332117,"1,view,10,', "a quote in column visitorid is not closed"),
    (b'1433221332117,"1"x,view,10,', "a quote in column visitorid is not closed, or text "
                                     "follows its closing quote"),
    (b"1433221332117,1,vi\xffew,10,", "the line is not valid UTF-8 text (column event)"),
    (b"1433221332117,1,view,10," + b"9" * 2_100_000, "the line is longer than 2,000,000 bytes"),
]


@pytest.mark.parametrize(("bad", "reason"), MALFORMED, ids=[r[:40] for _, r in MALFORMED])
@pytest.mark.parametrize("where", [0, 20, 39], ids=["first", "middle", "last"])
def test_a_malformed_line_is_quarantined_with_its_line_and_the_rest_loads(
    tmp_path, write_rr_folder, bad, reason, where
):
    lines = good_events(39)
    lines.insert(where, bad)
    folder = write_rr_folder(tmp_path / "rr")
    events_file(folder, [*lines, b'1433221332200,2000,view,"10",'])  # a quote after it
    db = tmp_path / "w.duckdb"
    summary = ingest(db, folder)

    [(file, line, text)] = rejected(db)
    assert (file, line) == ("events.csv", where + 2)
    assert text.startswith(reason)
    assert loaded_visitors(db) == [*range(1000, 1039), 2000]
    events = next(f for f in summary.files if f.file == "events.csv")
    assert (events.rows_read, events.rows_rejected, events.rows_loaded) == (41, 1, 40)


def test_invalid_utf8_in_a_column_the_product_does_not_use_is_quarantined_too(tmp_path):
    lines = [b"c%d,o%d,2024-02-01,1.0,fine" % (i, i) for i in range(30)]
    lines[7] = b"c7,o7,2024-02-01,1.0,caf\xe9"
    db = tmp_path / "w.duckdb"
    ingest_orders(db, write_raw(tmp_path / "o.csv", ORDERS_HEADER, lines), progress=False)
    assert query(db, "SELECT line_number, reason FROM rejected_rows") == [
        (9, "the line is not valid UTF-8 text (column note)")]
    assert query(db, "SELECT count(*) FROM orders") == [(29,)]


def test_more_than_5_percent_malformed_lines_refuse_the_load_naming_file_and_lines(
    tmp_path, write_rr_folder
):
    lines = good_events(18)
    lines[3:3] = [b"1,2,3,4,5,6,7", b'1433221332117,"1,view,10,']
    folder = write_rr_folder(tmp_path / "rr")
    events_file(folder, lines)
    db = tmp_path / "w.duckdb"
    with pytest.raises(IngestError) as error:
        ingest(db, folder)
    message = str(error.value)
    assert message.startswith("events.csv: 2 of 20 rows (10.0%) are bad")
    assert "line 5: the line has 7 fields; the header has 5 [1,2,3,4,5,6,7]" in message
    assert "line 6: a quote in column visitorid is not closed" in message
    assert "\n" not in message
    assert query(db, "SELECT count(*) FROM duckdb_tables()") == [(0,)]  # not even the schema


# --- blank lines -------------------------------------------------------------------------------


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["LF", "CRLF"])
@pytest.mark.parametrize("malformed", [False, True], ids=["parsed", "malformed-too"])
def test_blank_lines_do_not_shift_the_reported_line_numbers(
    tmp_path, write_rr_folder, newline, malformed
):
    lines = [*good_events(5), b"", b"", *good_events(10, 5), b"",
             b"1433221332117,77,click,10,", *good_events(25, 15)]
    if malformed:
        lines.append(b"1433221332117,78,view,10,,extra")
    folder = write_rr_folder(tmp_path / "rr")
    events_file(folder, lines, newline=newline)
    db = tmp_path / "w.duckdb"
    ingest(db, folder)
    # header 1, events 2-6, blank 7-8, events 9-18, blank 19, the click on line 20
    expected = [("events.csv", 20, "unknown event type 'click' (expected view, addtocart or "
                                    "transaction)")]
    if malformed:
        expected.append(("events.csv", 46, "the line has 6 fields; the header has 5"))
    assert rejected(db) == expected


def test_line_numbers_stay_exact_in_a_large_file_with_every_kind_of_irregular_line(
    tmp_path, write_rr_folder
):
    """Blank lines, multi-line quoted records, malformed lines and bad values, spread over a
    file DuckDB reads in parallel chunks: each reported line is the line written."""
    lines = good_events(300_000)
    plan = {  # 0-based index in ``lines`` -> (line written, reason expected or None)
        1_000: (b"", None),
        1_001: (b"", None),
        50_000: (b'1433221332117,90001,"view",10,', None),
        90_000: (b'1433221332117,90002,"vi\n\new",10,', "unknown event type"),
        120_000: (b"1433221332117,90003,view,10,,extra", "the line has 6 fields"),
        150_000: (b"1433221332117,90004,click,10,", "unknown event type 'click'"),
        200_000: (b'1433221332117,"90005,view,10,', "a quote in column visitorid"),
        260_000: (b"1433221332,90006,view,10,", "timestamp 1433221332 looks like seconds"),
        299_999: (b"1433221332117,90007,view,x,", "itemid 'x' is not a whole number"),
    }
    expected = []
    for index, (text, _) in sorted(plan.items()):
        lines[index] = text
    extra_breaks = 0
    for index, (text, reason) in sorted(plan.items()):
        if reason is not None:
            expected.append((index + 2 + extra_breaks, reason))
        extra_breaks += text.count(b"\n")
    folder = write_rr_folder(tmp_path / "rr")
    events_file(folder, lines)
    db = tmp_path / "w.duckdb"
    ingest(db, folder)

    found = rejected(db)
    assert [line for _, line, _ in found] == [line for line, _ in expected]
    for (_, _, text), (_, reason) in zip(found, expected, strict=True):
        assert text.startswith(reason)
    assert query(db, "SELECT count(*) FROM events") == [(300_000 - 2 - 6,)]
