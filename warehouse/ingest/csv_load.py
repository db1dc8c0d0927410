"""Loading CSV files into raw tables: read, validate, reject, de-duplicate, insert, log.

Shared by the RetailRocket ingest (``retailrocket.py``) and the orders ingest (``orders.py``).
Each file is described by a :class:`CsvSpec`; :func:`run_load` loads a list of files in ONE
transaction, so a load either completes or leaves the warehouse exactly as it was (DuckDB rolls
an uncommitted transaction back on the next open, also after a kill).

How one file is read, so that ~1 GB of CSV loads in seconds:

1. One pass of DuckDB ``read_csv`` with explicit all-VARCHAR columns (values are validated in
   SQL, not by the parser). Rows the product does not use (``CsvSpec.keep``) are only counted.
   Each kept row gets a reason in plain words if it breaks a rule (``CsvSpec.checks``: TRY_CAST
   and pattern predicates); good rows are cast to the table's types and grouped, so exact
   duplicates inside the file fall out with their count.
2. Only if there are bad rows is the file read a second time, numbered ``WITH ORDINALITY``, to give
   each bad row its line number (line 1 is the header; blank lines, which DuckDB skips, are not
   counted). More than :data:`MAX_BAD_SHARE` of the checked rows bad refuses the whole load.
3. The good rows are inserted unless an identical row is already there (an anti-join on all
   columns, NULLs equal), or upserted on a key.

SQL text is assembled only from the constants of the specs (hence the S608 waivers); file paths,
the price property and other user values are bound as ``$named`` parameters.
"""

from __future__ import annotations

import csv
import gzip
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter

import duckdb
from tqdm import tqdm

from warehouse.clock import utc_now
from warehouse.connections import MEMORY_LIMIT, open_warehouse, transaction
from warehouse.ingest.load_summary import FileSummary, IngestError, IngestSummary
from warehouse.ingest.raw import ensure_raw_schema

MAX_BAD_SHARE = 0.05
REASONS_SHOWN = 5

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    """One validation rule: ``bad`` is a SQL predicate over the raw VARCHAR columns (true for a bad
    row), ``reason`` a SQL string expression saying what is wrong, in plain words."""

    bad: str
    reason: str


@dataclass(frozen=True)
class CsvSpec:
    """How one kind of file maps to one raw table. All SQL fragments are constants of this package
    (identifiers from these tuples only); user values reach SQL only as ``$named`` parameters."""

    table: str
    columns: tuple[str, ...]  # CSV columns read, found by header name; the table's, in order
    typed: tuple[str, ...]  # SQL expression for each column, over the raw values
    checks: tuple[Check, ...]
    optional: tuple[str, ...] = ()  # columns that may be absent (read as NULL)
    keep: str = "TRUE"  # rows failing this predicate are skipped: counted, not validated
    upsert_key: str | None = None  # upsert on this key instead of inserting new rows only
    trim: bool = False  # strip blanks around values (hand-made exports)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in self.optional)


@dataclass(frozen=True)
class FileJob:
    """One file to load with a spec; ``label`` is the name used in loads and rejected_rows."""

    spec: CsvSpec
    path: Path
    label: str = ""
    positions: dict[str, int] = field(default_factory=dict)  # set by locate_columns
    width: int = 0  # number of columns in the header


def q(name: str) -> str:
    """Quote an identifier taken from a spec (never from user input)."""
    return '"' + name.replace('"', '""') + '"'


def whole_number(column: str, *, required: bool = True) -> Check:
    """A check that a raw value is a non-negative whole number that fits a BIGINT (or is empty,
    when not ``required``).

    A digits-only pattern rather than TRY_CAST alone (DuckDB casts '1.5' to 2 and '1e3' to
    1000); GLOB is several times cheaper than a regular expression on millions of rows, and one
    rule rather than two saves a pass of the CASE over every row."""
    c = q(column)
    not_number = f"'{column} ''' || left({c}, 40) || ''' is not a whole number'"
    pattern = f"{c} GLOB '*[!0-9]*' OR length({c}) NOT BETWEEN 1 AND 18"
    if not required:
        return Check(pattern, not_number)
    return Check(f"{c} IS NULL OR {pattern}",
                 f"CASE WHEN {c} IS NULL THEN '{column} is empty' ELSE {not_number} END")


def read_header(path: Path) -> list[str]:
    """The header line's column names, lower-cased and stripped (plain or gzipped file)."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), None)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise IngestError(f"{path.name}: cannot read the header line: {error}") from error
    if not header:
        raise IngestError(f"{path.name}: the file is empty; expected a header line")
    return [name.strip().lower() for name in header]


def locate_columns(job: FileJob) -> FileJob:
    """The job with the position of each spec column in the file's header; refuses a file that
    lacks a required column, naming it and listing what was expected."""
    header = read_header(job.path)
    spec = job.spec
    missing = [c for c in spec.required if c not in header]
    if missing:
        expected = ", ".join(spec.required)
        if spec.optional:
            expected += f" (optional: {', '.join(spec.optional)})"
        raise IngestError(
            f"{job.path.name}: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(c) for c in missing)}; expected columns: {expected}; "
            f"found: {', '.join(header)}"
        )
    positions = {c: header.index(c) for c in spec.columns if c in header}
    return FileJob(spec, job.path, job.label or job.path.name, positions, len(header))


def _source(job: FileJob, *, numbered: bool = False) -> str:
    """SELECT over the file with the spec's columns named, all VARCHAR (NULL when absent)."""
    exprs = []
    for column in job.spec.columns:
        raw = f"c{job.positions[column]}" if column in job.positions else "NULL::VARCHAR"
        if job.spec.trim and column in job.positions:
            raw = f"NULLIF(trim({raw}), '')"
        exprs.append(f"{raw} AS {q(column)}")
    if numbered:
        exprs.insert(0, "ordinality + 1 AS _line")
    return (
        f"SELECT {', '.join(exprs)} "  # noqa: S608
        "FROM read_csv($path, columns = $columns, header = true, "
        "auto_detect = false, delim = ',', quote = '\"', escape = '\"', null_padding = true)"
        + (" WITH ORDINALITY" if numbered else "")
    )


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


def _with_params(sql: str, params: dict[str, object]) -> dict[str, object]:
    """The named parameters a statement uses (DuckDB refuses unused ones)."""
    return {name: value for name, value in params.items() if f"${name}" in sql}


@dataclass(frozen=True)
class _Figures:
    rows_read: int
    rows_skipped: int
    rows_bad: int
    rows_good: int
    distinct_good: int

    @property
    def rows_checked(self) -> int:
        return self.rows_read - self.rows_skipped


class _FileLoader:
    """Runs the statements of one file on the load's connection (inside its transaction).

    The temp table ``ingest_stage`` holds one row per group of ``_n`` rows of the file: good rows
    grouped by their typed values (the table's columns), bad rows by their reason ``_reason``
    (typed columns NULL), and one group for all skipped rows (``_kept`` false)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, job: FileJob, params: dict[str, object]):
        self.con = con
        self.job = job
        self.spec = job.spec
        columns = {f"c{i}": "VARCHAR" for i in range(job.width)}
        self.params = {**params, "path": str(job.path), "columns": columns}

    def run(self, sql: str, extra: dict[str, object] | None = None) -> list[tuple]:
        params = {**self.params, **(extra or {})}
        return self.con.execute(sql, _with_params(sql, params)).fetchall()

    def _checked(self, *, numbered: bool = False) -> str:
        """The file's rows with ``_kept`` and, for kept rows that break a rule, ``_reason``."""
        keep = f"coalesce({self.spec.keep}, FALSE)"
        reason = " ".join(f"WHEN {c.bad} THEN {c.reason}" for c in self.spec.checks)
        return (
            f"SELECT *, {keep} AS _kept, "  # noqa: S608
            f"CASE WHEN {keep} THEN CASE {reason} END END AS _reason "
            f"FROM ({_source(self.job, numbered=numbered)})"
        )

    def stage(self) -> _Figures:
        """One pass over the file: validate, group, count. Returns the file's figures."""
        spec = self.spec
        good = "_kept AND _reason IS NULL"
        typed = ", ".join(f"CASE WHEN {good} THEN {expr} END AS {q(col)}"
                          for expr, col in zip(spec.typed, spec.columns, strict=True))
        self.run(
            "CREATE OR REPLACE TEMP TABLE ingest_stage AS "  # noqa: S608
            f"SELECT _kept, _reason, {typed}, count(*) AS _n FROM ({self._checked()}) GROUP BY ALL"
        )
        figures = self.run(
            "SELECT coalesce(sum(_n), 0), coalesce(sum(_n) FILTER (NOT _kept), 0), "  # noqa: S608
            "coalesce(sum(_n) FILTER (_reason IS NOT NULL), 0), "
            f"coalesce(sum(_n) FILTER ({good}), 0), count(*) FILTER ({good}) FROM ingest_stage"
        )[0]
        return _Figures(*(int(value) for value in figures))

    def _bad_rows_sql(self) -> str:
        """Each bad row of the file with its line number, reason and raw values, by line.
        A second read of the file, numbered; run only when the first found bad rows."""
        present = [c for c in self.spec.columns if c in self.job.positions]
        raw = ", ".join(f"coalesce({q(c)}, '')" for c in present)
        return (
            f"SELECT _line, _reason, concat_ws(',', {raw}) "  # noqa: S608
            f"FROM ({self._checked(numbered=True)}) "
            "WHERE _reason IS NOT NULL ORDER BY _line"
        )

    def first_bad_rows(self) -> list[tuple]:
        return self.run(f"{self._bad_rows_sql()} LIMIT {REASONS_SHOWN}")

    def reject(self, load_id: int) -> int:
        return self.run(
            "INSERT INTO rejected_rows SELECT $load_id, $file, * "  # noqa: S608
            f"FROM ({self._bad_rows_sql()})",
            {"load_id": load_id, "file": self.job.label},
        )[0][0]

    def insert(self) -> int:
        """Insert the good rows that the table does not hold yet (or upsert them on the spec's
        key). Returns the number of rows written."""
        spec = self.spec
        table = q(spec.table)
        target = ", ".join(q(c) for c in spec.columns)
        same = " AND ".join(f"t.{q(c)} IS NOT DISTINCT FROM s.{q(c)}" for c in spec.columns)
        sql = (
            f"INSERT INTO {table} ({target}) SELECT {target} FROM ingest_stage s "  # noqa: S608
            f"WHERE s._kept AND s._reason IS NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {table} t WHERE {same})"
        )
        if spec.upsert_key:
            updates = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in spec.columns
                                if c != spec.upsert_key)
            sql += f" ON CONFLICT ({q(spec.upsert_key)}) DO UPDATE SET {updates}"
        return self.run(sql)[0][0]


def _refusal(job: FileJob, figures: _Figures, examples: list[tuple]) -> IngestError:
    bad, checked = figures.rows_bad, figures.rows_checked
    shown = "; ".join(f"line {line}: {reason} [{raw}]" for line, reason, raw in examples)
    return IngestError(
        f"{job.label}: {bad:,} of {checked:,} rows ({bad / checked:.1%}) are bad, more than the "
        f"{MAX_BAD_SHARE:.0%} allowed, so nothing was loaded. First problems: {shown}"
    )


def load_file(
    con: duckdb.DuckDBPyConnection,
    job: FileJob,
    load_id: int,
    params: dict[str, object],
    progress: bool,
) -> FileSummary:
    """Load one located file inside the caller's transaction; returns its figures."""
    started = perf_counter()
    loader = _FileLoader(con, job, params)
    with _Progress(con, job.label, progress) as bar:
        try:
            bar.phase(0, 80)  # the scan is most of a file's time
            figures = loader.stage()
            bar.phase(80, 100)
            if figures.rows_bad > MAX_BAD_SHARE * figures.rows_checked:
                refusal = _refusal(job, figures, loader.first_bad_rows())
                log.warning("load refused: %s", refusal)
                raise refusal
            if figures.rows_bad:
                loader.reject(load_id)
            written = loader.insert()
            con.execute("DROP TABLE ingest_stage")  # on failure the rollback drops it
        except duckdb.InvalidInputException as error:
            detail = str(error).split("Possible fixes")[0].split("\n\n")[0]
            detail = detail.removeprefix("Invalid Input Error: ").strip().replace("\n", "; ")
            raise IngestError(f"{job.label}: not a readable CSV file: {detail}") from error
    return FileSummary(
        file=job.label,
        rows_read=figures.rows_read,
        rows_loaded=written,
        duplicates_in_file=figures.rows_good - figures.distinct_good,
        already_loaded=figures.distinct_good - written,
        rows_rejected=figures.rows_bad,
        rows_skipped=figures.rows_skipped,
        seconds=perf_counter() - started,
    )


# One warehouse holds one shop's purchases from one source: RetailRocket transactions and an
# order export of the same shop describe the same purchases, and their order ids would collide.
_OTHER_SOURCE = {"retailrocket": ("orders", "ingest-orders"), "orders": ("events", "ingest")}


def _refuse_a_second_source(con: duckdb.DuckDBPyConnection, db: Path, kind: str) -> None:
    if kind not in _OTHER_SOURCE:  # not purchases (e.g. a push consent list)
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
    jobs: list[FileJob],
    *,
    progress: bool = True,
    prepare: Callable[[duckdb.DuckDBPyConnection], dict[str, object]] | None = None,
) -> IngestSummary:
    """Load ``jobs`` into the warehouse ``db`` as one transaction and log each file in ``loads``.

    ``prepare`` runs first inside the transaction (e.g. to read and store settings) and returns
    named SQL parameters the specs use. Headers are checked before the warehouse is opened, so
    a missing column costs nothing. On any error the transaction is rolled back and re-raised.
    """
    located = [locate_columns(job) for job in jobs]
    started = perf_counter()
    with open_warehouse(db) as con:
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute("SET TimeZone = 'UTC'")
        with transaction(con):
            ensure_raw_schema(con)
            _refuse_a_second_source(con, db, kind)
            params = prepare(con) if prepare else {}
            load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchone()[0]
            files = []
            for job in located:
                file_started = utc_now()
                summary = load_file(con, job, load_id, params, progress)
                con.execute(
                    "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [load_id, kind, job.label, file_started, utc_now(), summary.rows_read,
                     summary.rows_loaded, summary.duplicates_dropped, summary.rows_rejected,
                     summary.rows_skipped],
                )
                files.append(summary)
                log.info("load %d: %s: %d rows loaded, %d rejected, %d already there",
                         load_id, job.label, summary.rows_loaded, summary.rows_rejected,
                         summary.already_loaded)
    return IngestSummary(kind, db, load_id, files, perf_counter() - started)
