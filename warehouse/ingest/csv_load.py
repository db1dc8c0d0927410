"""Loading CSV files into raw tables: read, validate, reject, de-duplicate, insert, log.

Shared by the RetailRocket ingest (``retailrocket.py``) and the orders ingest (``orders.py``).
Each file is described by a ``csv_spec.CsvSpec``; :func:`run_load` loads a list of files in ONE
transaction, so a load either completes or leaves the warehouse exactly as it was (DuckDB rolls
an uncommitted transaction back on the next open, also after a kill).

How one file is read (``csv_stage.FileStage``), so that ~1 GB of CSV loads in seconds:

1. One pass of DuckDB ``read_csv`` with explicit all-VARCHAR columns (values are validated in
   SQL, not by the parser). Rows the product does not use (``CsvSpec.keep``) are only counted.
   Each kept row gets a reason in plain words if it breaks a rule (``CsvSpec.checks``: TRY_CAST,
   pattern and range predicates); good rows are cast to the table's types and grouped, so exact
   duplicates inside the file fall out with their count. A file with lines the CSV reader cannot
   parse is read again tolerantly (``csv_read``): those lines become bad rows too.
2. Only if there are bad rows is the file read a second time, numbered, and a pass over its
   bytes gives each bad row its line number in the file (``line_map``; line 1 is the header;
   blank lines and line breaks inside quoted fields are counted). More than
   :data:`MAX_BAD_SHARE` of the checked rows bad refuses the whole load.
3. The good rows are inserted unless an identical row is already there (an anti-join on all
   columns, NULLs equal), upserted on a key, or replace the stored rows of their key.

SQL text is assembled only from the constants of the specs (hence the S608 waivers); file paths,
the price property and other user values are bound as ``$named`` parameters.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC
from pathlib import Path
from time import perf_counter

import duckdb
from tqdm import tqdm

from warehouse.clock import utc_now
from warehouse.connections import MEMORY_LIMIT, open_warehouse, transaction
from warehouse.ingest.csv_read import locate_columns
from warehouse.ingest.csv_spec import FileJob
from warehouse.ingest.csv_stage import Figures, FileStage
from warehouse.ingest.load_summary import FileSummary, IngestError, IngestSummary
from warehouse.ingest.raw import ensure_raw_schema

MAX_BAD_SHARE = 0.05
RAW_SHOWN = 80  # characters of a bad line quoted in a refusal

log = logging.getLogger(__name__)

# A check run after a file is written, inside the load's transaction (e.g. that the price
# property exists once the property files are in); raises IngestError to refuse the load.
AfterFile = Callable[[duckdb.DuckDBPyConnection, dict[str, object]], None]


@dataclass(frozen=True)
class LoadStep:
    """A file to load and, optionally, a check to run once it is written."""

    job: FileJob
    then: AfterFile | None = None


class _Progress:
    """A tqdm bar for one file, fed by DuckDB's progress of the running statement.

    A thread polls ``query_progress`` and maps the statement's percentage onto the part of the
    bar given by :meth:`phase`, so the bar moves during a long scan, not just between steps."""

    def __init__(self, con: duckdb.DuckDBPyConnection, label: str, enabled: bool):
        self._con = con
        self._span = (0, 100)
        self._stop = threading.Event()
        self._bar = tqdm(total=100, desc=label, disable=not enabled, leave=True,
                         bar_format="{desc:<28} {percentage:3.0f}%|{bar}| {elapsed}")
        self._thread = threading.Thread(target=self._poll, daemon=True) if enabled else None

    def __enter__(self) -> _Progress:
        if self._thread is not None:
            self._con.execute("SET enable_progress_bar = true")
            self._con.execute("SET enable_progress_bar_print = false")
            self._thread.start()
        return self

    def phase(self, start: int, end: int) -> None:
        """The next statements fill the bar from ``start`` to ``end`` percent."""
        self._span = (start, end)

    def _poll(self) -> None:
        while not self._stop.wait(0.25):
            start, end = self._span
            percent = self._con.query_progress()
            value = int(start + (end - start) * max(percent, 0.0) / 100)
            if value > self._bar.n:
                self._bar.update(value - self._bar.n)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if exc[0] is None:
            self._bar.update(100 - self._bar.n)
        self._bar.close()


def _refusal(job: FileJob, figures: Figures, examples: list[tuple]) -> IngestError:
    bad, checked = figures.rows_bad, figures.rows_checked
    shown = "; ".join(f"line {line}: {reason} [{_shorten(raw)}]" for line, reason, raw in examples)
    return IngestError(
        f"{job.label}: {bad:,} of {checked:,} rows ({bad / checked:.1%}) are bad, more than the "
        f"{MAX_BAD_SHARE:.0%} allowed, so nothing was loaded. First problems: {shown}"
    )


def _shorten(text: str | None) -> str:
    text = (text or "").replace("\r", " ").replace("\n", " ")
    return text if len(text) <= RAW_SHOWN else text[: RAW_SHOWN - 1] + "…"


def load_file(
    con: duckdb.DuckDBPyConnection,
    job: FileJob,
    load_id: int,
    params: dict[str, object],
    progress: bool,
) -> FileSummary:
    """Load one located file inside the caller's transaction; returns its figures."""
    started = perf_counter()
    with FileStage(con, job, params) as stage, _Progress(stage.reader, job.label, progress) as bar:
        bar.phase(0, 80)  # the scan is most of a file's time
        figures = stage.read()
        bar.phase(80, 100)
        if figures.rows_bad:
            stage.list_bad_rows()
            if figures.rows_bad > MAX_BAD_SHARE * figures.rows_checked:
                refusal = _refusal(job, figures, stage.first_bad_rows())
                log.info("load refused: %s", refusal)
                raise refusal
            stage.reject(load_id)
        written = stage.insert()
    return FileSummary(
        file=job.label,
        rows_read=figures.rows_read,
        rows_loaded=written.rows,
        duplicates_in_file=figures.rows_good - figures.distinct_good,
        already_loaded=figures.distinct_good - written.rows,
        rows_rejected=figures.rows_bad,
        rows_skipped=figures.rows_skipped,
        seconds=perf_counter() - started,
        rows_replaced=written.replaced_rows,
        keys_replaced=written.replaced_keys,
    )


# One warehouse holds one shop's purchases from one source: RetailRocket transactions and an
# order export of the same shop describe the same purchases, and their order ids would collide.
_OTHER_SOURCE = {"retailrocket": ("orders", "ingest-orders"), "orders": ("events", "ingest")}


def _refuse_a_second_source(con: duckdb.DuckDBPyConnection, db: Path, kind: str) -> None:
    if kind not in _OTHER_SOURCE:  # not a source of purchases (customer profiles)
        return
    table, command = _OTHER_SOURCE[kind]
    if con.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:  # noqa: S608 fixed names
        raise IngestError(
            f"{db} already holds data loaded with `{command}` ({table}); one warehouse holds one "
            f"source of purchases. Load this {kind} data into another warehouse with --db PATH."
        )


def run_load(
    db: Path,
    kind: str,
    steps: list[LoadStep],
    *,
    progress: bool = True,
    prepare: Callable[[duckdb.DuckDBPyConnection], dict[str, object]] | None = None,
    before_commit: Callable[[IngestSummary], None] | None = None,
) -> IngestSummary:
    """Load the steps' files into the warehouse ``db`` as one transaction and log each file in
    ``loads``.

    ``prepare`` runs first inside the transaction (e.g. to read and store settings) and returns
    named SQL parameters the specs use, besides ``$loaded_at_ms`` and ``$loaded_at`` (the load's
    start). Headers are checked before the warehouse is opened, so a missing column costs
    nothing. ``before_commit`` runs last inside the transaction, with the load's summary: what it
    raises rolls the load back. On any error the transaction is rolled back and re-raised.
    """
    located = [replace(step, job=locate_columns(step.job)) for step in steps]
    started = perf_counter()
    loaded_at = utc_now()
    with open_warehouse(db) as con:
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute("SET TimeZone = 'UTC'")
        with transaction(con):
            ensure_raw_schema(con)
            _refuse_a_second_source(con, db, kind)
            params: dict[str, object] = {
                "loaded_at": loaded_at,
                "loaded_at_ms": int(loaded_at.replace(tzinfo=UTC).timestamp() * 1000),
            }
            params.update(prepare(con) if prepare else {})
            load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchone()[0]
            files = []
            for step in located:
                job = step.job
                file_started = utc_now()
                summary = load_file(con, job, load_id, params, progress)
                con.execute(
                    "INSERT INTO loads (load_id, kind, file, started_at, finished_at, rows_read, "
                    "rows_loaded, duplicates_dropped, rows_rejected, rows_skipped, rows_replaced) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [load_id, kind, job.label, file_started, utc_now(), summary.rows_read,
                     summary.rows_loaded, summary.duplicates_dropped, summary.rows_rejected,
                     summary.rows_skipped, summary.rows_replaced],
                )
                files.append(summary)
                log.info("load %d: %s: %d rows loaded, %d rejected, %d already there",
                         load_id, job.label, summary.rows_loaded, summary.rows_rejected,
                         summary.already_loaded)
                if step.then is not None:
                    step.then(con, params)
            result = IngestSummary(kind, db, load_id, files, perf_counter() - started)
            if before_commit is not None:
                before_commit(result)
    return replace(result, seconds=perf_counter() - started)
