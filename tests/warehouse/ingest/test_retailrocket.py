"""Loading RetailRocket folders: counts, validation, de-duplication, all-or-nothing, locking."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.support.raw_files import (
    CLEAN_CATEGORIES,
    CLEAN_EVENTS,
    CLEAN_PART1,
    CLEAN_PART2,
    query,
    table_contents,
    view_events,
    write_csv,
)
from warehouse.connections import WarehouseBusyError, connect_with_retry
from warehouse.ingest.retailrocket import IngestError, ingest_retailrocket

PYTHON = sys.executable  # the interpreter running the tests, with the project importable
REPO = Path(__file__).resolve().parents[3]


def ingest(db: Path, folder: Path, **kwargs):
    return ingest_retailrocket(db, folder, progress=False, **kwargs)


def count(db: Path, table: str) -> int:
    return query(db, f"SELECT count(*) FROM {table}")[0][0]


def rejected(db: Path) -> list[tuple]:
    return query(db, "SELECT file, line_number, reason, raw_line FROM rejected_rows ORDER BY ALL")


def by_file(summary) -> dict:
    return {f.file: f for f in summary.files}


def write_big_events(path: Path, rows: int, clicks: list[int] | None = None) -> None:
    """A large events file written by DuckDB; data rows numbered in ``clicks`` (0-based) get the
    unknown event type 'click'."""
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT 1433221332117 + i AS timestamp, i % 100000 AS visitorid, "
        "CASE WHEN list_contains(?, i) THEN 'click' ELSE 'view' END AS event, "
        "i % 5000 AS itemid, NULL::BIGINT AS transactionid FROM range(?) t(i)) "
        f"TO '{path}' (HEADER)",
        [clicks or [], rows],
    )
    con.close()


# --- a clean load ---------------------------------------------------------------------------


def test_clean_folder_loads_every_row_of_every_file(tmp_path, rr_folder):
    db = tmp_path / "w.duckdb"
    summary = ingest(db, rr_folder)

    assert count(db, "events") == len(CLEAN_EVENTS)
    assert count(db, "item_properties") == 4 + 3  # one unused property per part skipped
    assert count(db, "category_tree") == len(CLEAN_CATEGORIES)
    assert count(db, "rejected_rows") == 0
    assert summary.rows_loaded == 5 + 7 + 3
    assert query(db, "SELECT * FROM events WHERE transactionid IS NOT NULL ORDER BY itemid") == [
        (1433222276276, 483717, "transaction", 10, 4000),
        (1433193500981, 483717, "transaction", 11, 4000),
    ]
    assert query(db, "SELECT * FROM category_tree ORDER BY categoryid") == [(1, None), (2, 1),
                                                                            (3, 1)]


def test_gzipped_files_load_like_plain_ones(tmp_path, write_rr_folder):
    plain = ingest(tmp_path / "plain.duckdb", write_rr_folder(tmp_path / "plain"))
    gzipped = ingest(tmp_path / "gz.duckdb", write_rr_folder(tmp_path / "gz", suffix=".csv.gz"))

    assert [f.file for f in gzipped.files] == [f"{f.file}.gz" for f in plain.files]
    figures = ("rows_read", "rows_loaded", "rows_skipped", "duplicates_dropped")
    for p, g in zip(plain.files, gzipped.files, strict=True):
        assert [getattr(p, x) for x in figures] == [getattr(g, x) for x in figures]
    assert table_contents(tmp_path / "gz.duckdb")["events"] == table_contents(
        tmp_path / "plain.duckdb")["events"]


def test_other_files_in_the_folder_are_ignored(tmp_path, rr_folder):
    write_csv(rr_folder / "ground_truth_segments.csv", ("a",), [("x",)])
    summary = ingest(tmp_path / "w.duckdb", rr_folder)
    assert sorted(f.file for f in summary.files) == [
        "category_tree.csv", "events.csv", "item_properties_part1.csv",
        "item_properties_part2.csv"]


def test_loads_table_has_one_row_per_file_with_its_figures(tmp_path, rr_folder):
    db = tmp_path / "w.duckdb"
    ingest(db, rr_folder)
    rows = query(db, "SELECT load_id, kind, file, rows_read, rows_loaded, duplicates_dropped, "
                     "rows_rejected, rows_skipped, finished_at >= started_at "
                     "FROM loads ORDER BY file")
    assert rows == [
        (1, "retailrocket", "category_tree.csv", 3, 3, 0, 0, 0, True),
        (1, "retailrocket", "events.csv", 5, 5, 0, 0, 0, True),
        (1, "retailrocket", "item_properties_part1.csv", 5, 4, 0, 0, 1, True),
        (1, "retailrocket", "item_properties_part2.csv", 4, 3, 0, 0, 1, True),
    ]


def test_summary_prints_a_row_per_file_and_totals(tmp_path, rr_folder):
    text = str(ingest(tmp_path / "w.duckdb", rr_folder))
    lines = text.splitlines()
    assert "15 rows loaded" in lines[0]
    assert any(line.startswith("events.csv") for line in lines)
    total = next(line for line in lines if line.startswith("total")).split()
    assert total[1:7] == ["17", "15", "0", "0", "0", "2"]  # read, loaded, dups, already, rej, skip


def test_every_row_read_is_counted_in_exactly_one_bucket(tmp_path, write_rr_folder):
    db = tmp_path / "w.duckdb"
    ingest(db, write_rr_folder(tmp_path / "a", events=view_events(30)))
    events = [*view_events(40, start=20), ("1", "1", "click", "1", ""), *view_events(3)]
    part1 = [*CLEAN_PART1, CLEAN_PART1[0], ("1431226800000", "10", "999", "z")]
    summary = ingest(db, write_rr_folder(tmp_path / "b", events=events, part1=part1))
    for f in summary.files:
        buckets = (f.rows_loaded + f.duplicates_in_file + f.already_loaded + f.rows_rejected
                   + f.rows_skipped)
        assert buckets == f.rows_read, f.file
    figures = by_file(summary)["events.csv"]
    # rows 30-59 are new; 20-29 and 0-2 were loaded by the first load; one row is bad
    assert (figures.rows_loaded, figures.already_loaded, figures.rows_rejected) == (30, 13, 1)


def test_progress_bars_are_drawn_per_file_on_stderr(tmp_path, rr_folder, capsys):
    ingest_retailrocket(tmp_path / "w.duckdb", rr_folder, progress=True)
    err = capsys.readouterr().err
    for name in ("category_tree.csv", "item_properties_part1.csv", "events.csv"):
        assert name in err
    assert "100%" in err


# --- refusals -------------------------------------------------------------------------------


def test_plain_and_gzipped_copies_of_one_file_are_refused(tmp_path, rr_folder):
    plain = rr_folder / "category_tree.csv"
    with gzip.open(rr_folder / "category_tree.csv.gz", "wb") as packed:
        packed.write(plain.read_bytes())
    with pytest.raises(IngestError, match=r"both category_tree.csv and category_tree.csv.gz"):
        ingest(tmp_path / "w.duckdb", rr_folder)
    assert not (tmp_path / "w.duckdb").exists()


def test_missing_file_is_an_error_naming_it_and_the_expected_files(tmp_path, rr_folder):
    (rr_folder / "item_properties_part2.csv").unlink()
    with pytest.raises(IngestError) as error:
        ingest(tmp_path / "w.duckdb", rr_folder)
    message = str(error.value)
    assert "missing item_properties_part2.csv" in message
    expected = message.split("expected files: ")[1]
    for name in ("events", "item_properties_part1", "item_properties_part2", "category_tree"):
        assert f"{name}.csv" in expected
    assert not (tmp_path / "w.duckdb").exists()


def test_missing_column_is_an_error_naming_file_column_and_expected_columns(tmp_path, rr_folder):
    write_csv(rr_folder / "events.csv", ("timestamp", "visitorid", "event", "itemid"),
              [row[:4] for row in CLEAN_EVENTS])
    with pytest.raises(IngestError) as error:
        ingest(tmp_path / "w.duckdb", rr_folder)
    message = str(error.value)
    assert message.startswith("events.csv: missing column 'transactionid'")
    assert "expected columns: timestamp, visitorid, event, itemid, transactionid" in message


def test_price_property_cannot_be_a_property_used_for_something_else(tmp_path, rr_folder):
    with pytest.raises(IngestError, match="price property 'available'"):
        ingest(tmp_path / "w.duckdb", rr_folder, price_property="available")


# --- bad rows -------------------------------------------------------------------------------

BAD_EVENTS = [
    (("14332x", "1", "view", "10", ""), "timestamp '14332x' is not a whole number"),
    (("1433221332117", "1.5", "view", "10", ""), "visitorid '1.5' is not a whole number"),
    (("1433221332117", "1", "click", "10", ""), "unknown event type 'click'"),
    (("1433221332117", "1", "transaction", "10", ""), "transaction without a transactionid"),
    (("1433221332117", "1", "view", "10", "77"), "transactionid on a view event"),
    (("1433221332117", "1", "view", "", ""), "itemid is empty"),
]


@pytest.mark.parametrize(("bad_row", "reason"), BAD_EVENTS, ids=[r for _, r in BAD_EVENTS])
def test_a_bad_event_row_is_rejected_with_its_line_number_and_reason(
    tmp_path, write_rr_folder, bad_row, reason
):
    good = view_events(40)
    folder = write_rr_folder(tmp_path / "rr", events=[*good[:25], bad_row, *good[25:]])
    db = tmp_path / "w.duckdb"
    summary = ingest(db, folder)

    # header is line 1, so the 26th data row is line 27
    [(file, line, text, raw)] = rejected(db)
    assert (file, line) == ("events.csv", 27)
    assert text.startswith(reason)
    assert raw == ",".join(bad_row)
    assert count(db, "events") == 40
    assert by_file(summary)["events.csv"].rows_rejected == 1


BAD_PROPERTIES = [
    (("1431226800000", "12", "790", "n-5.000"), "price 'n-5.000' (property 790) is negative"),
    (("1431226800000", "12", "790", "15.000"), "price '15.000' (property 790) is not a number"),
    (("1431226800000", "12", "790", "nabc"), "price 'nabc' (property 790) is not a number"),
    (("1431226800000", "12", "available", "2"), "available must be 0 or 1, got '2'"),
    (("1431226800000", "12", "categoryid", "x1"), "categoryid 'x1' is not a whole number"),
    (("1431226800000", "1e3", "categoryid", "4"), "itemid '1e3' is not a whole number"),
]


@pytest.mark.parametrize(("bad_row", "reason"), BAD_PROPERTIES, ids=[r for _, r in BAD_PROPERTIES])
def test_a_bad_property_row_is_rejected_with_its_line_number_and_reason(
    tmp_path, write_rr_folder, bad_row, reason
):
    good = [("1431226800000", str(100 + i), "available", "1") for i in range(30)]
    folder = write_rr_folder(tmp_path / "rr", part2=[*good[:3], bad_row, *good[3:]])
    db = tmp_path / "w.duckdb"
    ingest(db, folder)
    [(file, line, text, _)] = rejected(db)
    assert (file, line) == ("item_properties_part2.csv", 5)
    assert text.startswith(reason)
    assert count(db, "item_properties") == len(CLEAN_PART1) - 1 + 30


def test_a_bad_row_of_an_unused_property_is_skipped_not_rejected(tmp_path, write_rr_folder):
    folder = write_rr_folder(tmp_path / "rr", part1=[*CLEAN_PART1, ("oops", "x", "888", "")])
    summary = ingest(tmp_path / "w.duckdb", folder)
    assert by_file(summary)["item_properties_part1.csv"].rows_skipped == 2
    assert rejected(tmp_path / "w.duckdb") == []


def test_a_category_listed_twice_with_different_parents_is_rejected(tmp_path, write_rr_folder):
    categories = [(str(i), "1") for i in range(2, 40)]
    folder = write_rr_folder(tmp_path / "rr", categories=[("1", ""), *categories, ("5", "2")])
    db = tmp_path / "w.duckdb"
    ingest(db, folder)
    assert [(line, reason) for _, line, reason, _ in rejected(db)] == [
        (6, "category 5 is listed more than once with different parents"),
        (41, "category 5 is listed more than once with different parents"),
    ]
    assert query(db, "SELECT count(*) FROM category_tree WHERE categoryid = 5") == [(0,)]


def test_line_numbers_stay_exact_in_a_file_read_in_parallel_chunks(tmp_path, rr_folder):
    bad_at = [1_000, 377_777, 650_001, 999_998]  # 0-based data rows of a ~40 MB file
    write_big_events(rr_folder / "events.csv", 1_000_000, clicks=bad_at)
    db = tmp_path / "w.duckdb"
    ingest(db, rr_folder)
    assert [line for _, line, _, _ in rejected(db)] == [index + 2 for index in bad_at]


def test_more_than_5_percent_bad_rows_refuses_the_load_and_changes_nothing(
    tmp_path, rr_folder, write_rr_folder
):
    db = tmp_path / "w.duckdb"
    ingest(db, rr_folder)
    before = table_contents(db)

    events = [*view_events(18), ("x", "1", "view", "10", ""),
              ("1433221332117", "1", "click", "10", "")]
    # also a good, new category and prices under 888, so the refused load would have changed
    # other tables and the settings
    part1 = [(*row[:3], "n5.000") if row[2] == "888" else row for row in CLEAN_PART1]
    folder = write_rr_folder(tmp_path / "bad", events=events, part1=part1,
                             categories=[*CLEAN_CATEGORIES, ("9", "1")])
    with pytest.raises(IngestError) as error:
        ingest(db, folder, price_property="888")
    message = str(error.value)
    assert message.startswith("events.csv: 2 of 20 rows (10.0%) are bad")
    assert "line 20: timestamp 'x' is not a whole number" in message
    assert "line 21: unknown event type 'click'" in message
    assert table_contents(db) == before


def test_exactly_5_percent_bad_rows_is_still_loaded(tmp_path, write_rr_folder):
    events = [*view_events(19), ("1433221332117", "1", "click", "10", "")]
    db = tmp_path / "w.duckdb"
    ingest(db, write_rr_folder(tmp_path / "rr", events=events))
    assert count(db, "events") == 19
    assert count(db, "rejected_rows") == 1


def test_a_malformed_line_counts_against_the_5_percent_allowed(tmp_path, rr_folder):
    with open(rr_folder / "category_tree.csv", "a", encoding="utf-8") as handle:
        handle.write("4,1,extra,columns\n")
    with pytest.raises(IngestError, match=r"^category_tree\.csv: 1 of 4 rows \(25\.0%\) are bad.* "
                                          r"line 5: the line has 4 fields; the header has 2"):
        ingest(tmp_path / "w.duckdb", rr_folder)


# --- duplicates -----------------------------------------------------------------------------


def test_reloading_the_same_folder_adds_nothing_and_reports_the_duplicates(tmp_path, rr_folder):
    db = tmp_path / "w.duckdb"
    ingest(db, rr_folder)
    before = {t: rows for t, rows in table_contents(db).items() if t != "loads"}
    again = ingest(db, rr_folder)

    after = {t: rows for t, rows in table_contents(db).items() if t != "loads"}
    assert after == before
    assert again.rows_loaded == 0
    assert [(f.file, f.already_loaded, f.duplicates_in_file) for f in again.files] == [
        ("category_tree.csv", 3, 0),
        ("item_properties_part1.csv", 4, 0),
        ("item_properties_part2.csv", 3, 0),
        ("events.csv", 5, 0),
    ]
    assert query(db, "SELECT sum(duplicates_dropped) FROM loads WHERE load_id = 2") == [(15,)]


def test_an_overlapping_file_adds_only_its_new_rows(tmp_path, write_rr_folder):
    db = tmp_path / "w.duckdb"
    ingest(db, write_rr_folder(tmp_path / "a", events=view_events(30)))
    summary = ingest(db, write_rr_folder(tmp_path / "b", events=view_events(30, start=20)))
    events = by_file(summary)["events.csv"]
    assert (events.rows_loaded, events.already_loaded) == (20, 10)
    assert count(db, "events") == 50
    assert query(db, "SELECT count(*) FROM (SELECT DISTINCT * FROM events)") == [(50,)]


def test_exact_duplicates_inside_a_file_are_dropped_and_counted(tmp_path, write_rr_folder):
    events = [*CLEAN_EVENTS, CLEAN_EVENTS[0], CLEAN_EVENTS[3], CLEAN_EVENTS[0]]
    db = tmp_path / "w.duckdb"
    summary = ingest(db, write_rr_folder(tmp_path / "rr", events=events))
    figures = by_file(summary)["events.csv"]
    assert (figures.rows_read, figures.rows_loaded, figures.duplicates_in_file) == (8, 5, 3)
    assert count(db, "events") == 5


def test_category_tree_rows_are_upserted(tmp_path, write_rr_folder):
    db = tmp_path / "w.duckdb"
    ingest(db, write_rr_folder(tmp_path / "a"))
    moved = [("1", ""), ("2", "1"), ("3", "2"), ("4", "1")]  # 3 moves under 2; 4 is new
    summary = ingest(db, write_rr_folder(tmp_path / "b", categories=moved))
    assert query(db, "SELECT * FROM category_tree ORDER BY categoryid") == [
        (1, None), (2, 1), (3, 2), (4, 1)]
    figures = by_file(summary)["category_tree.csv"]
    assert (figures.rows_loaded, figures.already_loaded) == (2, 2)


# --- properties -----------------------------------------------------------------------------


def test_unused_properties_are_skipped_and_counted(tmp_path, write_rr_folder):
    part1 = [*CLEAN_PART1, ("1431226800000", "10", "6", "x"), ("1431226800000", "10", "7", "y")]
    db = tmp_path / "w.duckdb"
    summary = ingest(db, write_rr_folder(tmp_path / "rr", part1=part1))
    assert by_file(summary)["item_properties_part1.csv"].rows_skipped == 3
    assert query(db, "SELECT DISTINCT property FROM item_properties ORDER BY 1") == [
        ("790",), ("available",), ("categoryid",)]


def test_the_price_property_is_configurable_and_remembered(tmp_path, write_rr_folder):
    part1 = [(*row[:3], "n5.000") if row[2] == "888" else row for row in CLEAN_PART1]
    db = tmp_path / "w.duckdb"
    summary = ingest(db, write_rr_folder(tmp_path / "a", part1=part1), price_property="888")
    assert query(db, "SELECT value FROM settings WHERE key = 'price_property'") == [("888",)]
    assert query(db, "SELECT DISTINCT property FROM item_properties ORDER BY 1") == [
        ("888",), ("available",), ("categoryid",)]
    # the 790 rows are now unused: one in part 1, two (and the 364 row) in part 2
    assert [f.rows_skipped for f in summary.files[1:3]] == [1, 3]

    # A later load without a price property keeps 888, not the default 790.
    part2 = [*CLEAN_PART2, ("1431831600000", "12", "888", "n10.000")]
    ingest(db, write_rr_folder(tmp_path / "b", part1=part1, part2=part2))
    assert query(db, "SELECT property, count(*) FROM item_properties "
                     "WHERE property IN ('790', '888') GROUP BY ALL") == [("888", 2)]


def test_the_888_price_must_also_look_like_a_number(tmp_path, write_rr_folder):
    part1 = [("1431226800000", str(i), "888", f"n{i}.000") for i in range(30)]
    part1.append(("1431226800000", "99", "888", "1234 n5.000"))
    db = tmp_path / "w.duckdb"
    ingest(db, write_rr_folder(tmp_path / "rr", part1=part1), price_property="888")
    [(_, line, reason, _)] = rejected(db)
    assert (line, reason.split(" (")[0]) == (32, "price '1234 n5.000'")


def test_an_unknown_price_property_is_refused_listing_the_properties_there(
    tmp_path, rr_folder
):
    db = tmp_path / "w.duckdb"
    ingest(db, rr_folder)
    before = table_contents(db)
    with pytest.raises(IngestError) as error:
        ingest(db, rr_folder, price_property="999")
    assert str(error.value) == (
        "price property '999' (given with --price-property) is not a property of any item in "
        "item_properties_part1.csv or item_properties_part2.csv or in the warehouse; the "
        "properties there, most frequent first: 790 (3 rows), available (2 rows), categoryid "
        "(2 rows), 364 (1 row), 888 (1 row). Name the one holding prices with --price-property; "
        "nothing was loaded.")
    assert table_contents(db) == before


def test_files_without_the_default_price_property_are_refused_naming_it(tmp_path,
                                                                        write_rr_folder):
    part1 = [row for row in CLEAN_PART1 if row[2] != "790"]
    part2 = [row for row in CLEAN_PART2 if row[2] != "790"]
    with pytest.raises(IngestError, match=r"^price property '790' \(the default, or the one the "
                                          r"last load used\) is not a property of any item"):
        ingest(tmp_path / "w.duckdb", write_rr_folder(tmp_path / "rr", part1=part1, part2=part2))


def test_a_price_property_known_from_an_earlier_load_or_empty_property_files_are_fine(
    tmp_path, rr_folder, write_rr_folder
):
    db = tmp_path / "w.duckdb"
    ingest(db, rr_folder)
    events_only = write_rr_folder(tmp_path / "later", part1=[], part2=[],
                                  events=view_events(3))
    assert ingest(db, events_only, price_property="790").rows_loaded == 3
    no_prices = write_rr_folder(tmp_path / "other", part1=[("1431226800000", "5", "available",
                                                            "1")], part2=[])
    assert ingest(db, no_prices).rows_loaded == 1  # 790 is known from the first load


# --- all or nothing, and one writer at a time -----------------------------------------------

KILL_SCRIPT = """
import sys
from pathlib import Path
from warehouse.ingest import csv_load
from warehouse.ingest.retailrocket import ingest_retailrocket

original = csv_load.load_file

def announcing(con, job, *args, **kwargs):
    print("loading", job.label, flush=True)
    return original(con, job, *args, **kwargs)

csv_load.load_file = announcing
ingest_retailrocket(Path(sys.argv[1]), Path(sys.argv[2]), progress=False)
print("done", flush=True)
"""


def test_a_load_killed_midway_leaves_the_warehouse_exactly_as_it_was(tmp_path, rr_folder,
                                                                     write_rr_folder):
    db = tmp_path / "w.duckdb"
    ingest(db, rr_folder)
    before = table_contents(db)

    big = write_rr_folder(tmp_path / "big", categories=[*CLEAN_CATEGORIES, ("8", "1")])
    rows = 1_000_000
    for _attempt in range(4):
        write_big_events(big / "events.csv", rows)
        process = subprocess.Popen(
            [PYTHON, "-c", KILL_SCRIPT, str(db), str(big)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert process.stdout is not None
        # category_tree and both property files are written before events.csv starts
        announced = any(line.strip() == "loading events.csv" for line in process.stdout)
        if not announced:
            process.wait()
            pytest.fail(f"the load did not reach events.csv: {process.stderr.read()}")
        time.sleep(0.3)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        if process.wait() == -signal.SIGKILL:
            break
        assert table_contents(db) != before  # it finished and committed: again, more rows
        db.unlink()
        ingest(db, rr_folder)
        before = table_contents(db)
        rows *= 3
    else:
        pytest.fail("the load always finished before it could be killed")

    assert table_contents(db) == before


HOLD_SCRIPT = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(30)
"""


def test_a_second_writer_waits_then_gets_a_clear_busy_error(tmp_path):
    db = tmp_path / "w.duckdb"
    holder = subprocess.Popen([PYTHON, "-c", HOLD_SCRIPT, str(db)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        with pytest.raises(WarehouseBusyError, match="in use by another Actionboard"):
            connect_with_retry(db, wait_seconds=0.5)
        assert time.monotonic() - started >= 0.5
    finally:
        holder.kill()
        holder.wait()
