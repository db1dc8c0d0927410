"""One file's way into its raw table: read and validate it into a stage, list its bad rows with
their line numbers, insert its good rows.

The file is read on a cursor of its own into an in-memory database attached for it, not in the
load's transaction: a read that fails (a malformed line in a strict read) would abort that
transaction, and with it the files already loaded. The load's connection then reads the stage
and writes the raw tables inside its transaction.

The stage table holds one row per group of ``_n`` rows of the file: good rows grouped by their
typed values (the table's columns), bad rows by their reason ``_reason`` (typed columns NULL),
and one group for all skipped rows (``_kept`` false). Lines DuckDB could not parse (tolerant
read only) are in ``reader_rejects``; lines cut out for an unterminated quote in ``cuts``.
"""

from __future__ import annotations

import itertools
import logging
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import duckdb

from warehouse.ingest.csv_read import (
    GZIP_ERRORS,
    RAW_LINE_CHARS,
    Source,
    drop_rejects_sql,
    gzip_damage,
    read_csv_sql,
    rejected_records_sql,
)
from warehouse.ingest.csv_spec import FileJob, q
from warehouse.ingest.load_summary import IngestError

if TYPE_CHECKING:
    import numpy as np

    from warehouse.ingest.line_map import LineScan

_STAGE_NUMBERS = itertools.count(1)  # a new database name per file: see FileStage
MAX_CUT_ROUNDS = 20  # re-reads for unterminated quotes hidden behind earlier ones
REASONS_SHOWN = 5

log = logging.getLogger(__name__)


def with_params(sql: str, params: dict[str, object]) -> dict[str, object]:
    """The named parameters a statement uses (DuckDB refuses unused ones)."""
    return {name: value for name, value in params.items()
            if re.search(rf"\${re.escape(name)}\b", sql)}


@dataclass(frozen=True)
class Figures:
    rows_read: int
    rows_skipped: int
    rows_bad: int
    rows_good: int
    distinct_good: int

    @property
    def rows_checked(self) -> int:
        return self.rows_read - self.rows_skipped


@dataclass(frozen=True)
class Written:
    rows: int  # rows inserted
    replaced_rows: int = 0  # stored rows a replacing load removed
    replaced_keys: int = 0  # keys (e.g. orders) whose stored rows it replaced


class FileStage:
    """Stages one located file; a context manager that detaches the stage and its cursor."""

    def __init__(self, con: duckdb.DuckDBPyConnection, job: FileJob, params: dict[str, object]):
        self.con = con  # the load's connection, inside its transaction
        self.job = job
        self.spec = job.spec
        self.reader = con.cursor()
        self.params = {**params, "columns": {f"c{i}": "VARCHAR" for i in range(job.width)},
                       "header": list(job.header), "delim": job.delimiter}
        self.source = Source(job.path)
        self.tolerant = False
        self.cuts: list[tuple[int, str, str]] = []  # (input line, reason, raw line)
        self._workdir: Path | None = None
        # A fresh name for each file: the load's transaction remembers a database it has read
        # under its name, so a second database attached under the same name would not be seen.
        self.db = f"ingest_file_{next(_STAGE_NUMBERS)}"
        self.reader.execute(f"ATTACH ':memory:' AS {self.db}")

    def __enter__(self) -> FileStage:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.reader.execute(f"DETACH DATABASE IF EXISTS {self.db}")
        finally:
            self.reader.close()
            if self._workdir is not None:
                shutil.rmtree(self._workdir, ignore_errors=True)

    # --- SQL over the file ----------------------------------------------------------------

    def _read(self, sql: str, extra: dict[str, object] | None = None) -> list[tuple]:
        params = {**self.params, "path": str(self.source.path), **(extra or {})}
        return self.reader.execute(sql, with_params(sql, params)).fetchall()

    def _write(self, sql: str, extra: dict[str, object] | None = None) -> list[tuple]:
        params = {**self.params, **(extra or {})}
        return self.con.execute(sql, with_params(sql, params)).fetchall()

    def _select(self, *, numbered: bool = False) -> str:
        """The file's rows with the spec's columns named, all VARCHAR (NULL when absent); numbered
        reads add the row's position ``_row`` and every raw field ``c0, c1, ...``."""
        exprs = []
        for column in self.spec.columns:
            raw = f"c{self.job.positions[column]}" if column in self.job.positions \
                else "NULL::VARCHAR"
            if self.spec.trim and column in self.job.positions:
                raw = f"NULLIF(trim({raw}), '')"
            exprs.append(f"{raw} AS {q(column)}")
        # Columns the product does not use are referenced too, so DuckDB checks them (it checks
        # the UTF-8 of the columns a query needs only) and every read returns the same rows.
        unused = [i for i in range(self.job.width) if i not in self.job.positions.values()]
        exprs.append(" AND ".join(["TRUE", *(f"(c{i} IS NULL OR length(c{i}) >= 0)"
                                             for i in unused)]) + " AS _all_read")
        if numbered:
            exprs = ["ordinality AS _row",
                     *(f"c{i} AS _c{i}" for i in range(self.job.width)), *exprs]
        return (f"SELECT {', '.join(exprs)} "  # noqa: S608 -- identifiers from the spec
                f"FROM {read_csv_sql(tolerant=self.tolerant)}"
                + (" WITH ORDINALITY" if numbered else ""))

    def _checked(self, *, numbered: bool = False) -> str:
        """The file's rows with ``_kept`` and, for kept rows that break a rule, ``_reason``."""
        keep = f"(coalesce({self.spec.keep}, FALSE) AND _all_read)"
        reason = " ".join(f"WHEN {c.bad} THEN {c.reason}" for c in self.spec.checks)
        return (
            f"SELECT *, {keep} AS _kept, "  # noqa: S608
            f"CASE WHEN {keep} THEN CASE {reason} END END AS _reason "
            f"FROM ({self._select(numbered=numbered)})"
        )

    # --- reading --------------------------------------------------------------------------

    def read(self) -> Figures:
        """Read and validate the file into the stage; return its figures."""
        try:
            try:
                self._create_stage()
            except duckdb.InvalidInputException as error:
                if not _is_csv_error(error):
                    raise
                self._refuse_damaged_gzip()
                log.info("%s has lines DuckDB cannot parse (%s); reading it again tolerantly",
                         self.job.label, _first_line(error))
                self._read_tolerantly()
        except duckdb.InvalidInputException as error:
            if not _is_csv_error(error):
                raise
            raise IngestError(f"{self.job.label}: not a readable CSV file: "
                              f"{_first_line(error)}") from error
        except duckdb.IOException as error:
            problem = gzip_damage(self.job.path) or f"cannot read the file ({_first_line(error)})"
            raise IngestError(f"{self.job.label}: {problem}; nothing was loaded") from error
        return self._figures()

    def _create_stage(self) -> None:
        spec = self.spec
        good = "_kept AND _reason IS NULL"
        typed = ", ".join(f"CASE WHEN {good} THEN {expr} END AS {q(col)}"
                          for expr, col in zip(spec.typed, spec.columns, strict=True))
        if self.tolerant:
            self.reader.execute(drop_rejects_sql())
        self._read(
            f"CREATE OR REPLACE TABLE {self.db}.stage AS "  # noqa: S608
            f"SELECT _kept, _reason, {typed}, count(*) AS _n FROM ({self._checked()}) GROUP BY ALL"
        )

    def _refuse_damaged_gzip(self) -> None:
        problem = gzip_damage(self.job.path)
        if problem:
            raise IngestError(f"{self.job.label}: {problem}; nothing was loaded")

    def _read_tolerantly(self) -> None:
        """Read with DuckDB setting malformed lines aside; a line whose unterminated quote
        swallowed the lines after it is cut out of a copy of the file, which is read again."""
        self.tolerant = True
        records = rejected_records_sql(self.job)
        for _round in range(MAX_CUT_ROUNDS + 1):
            self._create_stage()
            swallowing = self._read(f"SELECT _offset, _reason, _raw FROM ({records}) "  # noqa: S608
                                    "WHERE _swallows ORDER BY _offset")
            if not swallowing:
                break
            self._cut([row[0] for row in swallowing], [row[1:] for row in swallowing])
        else:
            raise IngestError(
                f"{self.job.label}: more than {MAX_CUT_ROUNDS} lines in a row have a quote that "
                "is not closed; the quote character may be used as plain text in this file. "
                "Nothing was loaded.")
        self._read(f"CREATE OR REPLACE TABLE {self.db}.reader_rejects AS {records}")

    def _cut(self, offsets: list[int], details: list[tuple]) -> None:
        """Set aside the lines starting at ``offsets`` of the current source; read a copy of the
        input without them (and without the lines cut before)."""
        lines_of = _line_map()
        scan = self._scan(offsets)
        lines = lines_of.first_line_not_in(scan.query_lines, scan.blank_lines)
        inputs = lines_of.nth_free_line(lines, self.source.cut_lines).tolist()
        for line, (reason, raw) in zip(inputs, details, strict=True):
            self.cuts.append((int(line), reason, raw))
        cut = sorted({*self.source.cut_lines, *inputs})
        if self._workdir is None:
            self._workdir = Path(tempfile.mkdtemp(prefix="actionboard-ingest-"))
        copy = self._workdir / f"{len(cut)}-{self.job.path.name.removesuffix('.gz')}"
        lines_of.copy_without_lines(self.job.path, copy, cut)
        log.info("%s: line(s) %s have an unterminated quote; reading the file without them",
                 self.job.label, ", ".join(map(str, inputs)))
        self.source = Source(copy, tuple(cut))

    def _scan(self, offsets: np.ndarray | list[int]) -> LineScan:
        """The current source's blank lines and the lines of ``offsets``; a damaged gzip file
        refuses the load."""
        try:
            return _line_map().scan_lines(self.source.path, offsets)
        except GZIP_ERRORS as error:
            problem = gzip_damage(self.source.path) or str(error)
            raise IngestError(f"{self.job.label}: {problem}; nothing was loaded") from error

    def _figures(self) -> Figures:
        good = "_kept AND _reason IS NULL"
        figures = self._read(
            "SELECT coalesce(sum(_n), 0), coalesce(sum(_n) FILTER (NOT _kept), 0), "  # noqa: S608
            "coalesce(sum(_n) FILTER (_reason IS NOT NULL), 0), "
            f"coalesce(sum(_n) FILTER ({good}), 0), count(*) FILTER ({good}) "
            f"FROM {self.db}.stage"
        )[0]
        read, skipped, bad, rows_good, distinct = (int(value) for value in figures)
        unparsed = len(self.cuts)
        if self.tolerant:
            unparsed += self._read(
                f"SELECT count(*) FROM {self.db}.reader_rejects")[0][0]  # noqa: S608
        return Figures(read + unparsed, skipped, bad + unparsed, rows_good, distinct)

    # --- bad rows and their line numbers --------------------------------------------------

    def list_bad_rows(self) -> None:
        """Fill ``bad_rows (line_number, reason, raw_line)`` in the stage: rows that broke a
        rule, lines DuckDB could not parse and lines cut out, each with its line in the input.

        A second, numbered read gives each bad row's position among the rows DuckDB returned;
        a pass over the file's bytes (``line_map``) turns positions into lines: rows skip the
        header, blank lines and the lines of rejected records, and a row whose quoted fields hold
        line breaks spans several lines."""
        raw = ", ".join(f"coalesce({q(c)}, '')" for c in self.spec.columns
                        if c in self.job.positions)
        breaks = " + ".join(_breaks_sql(f"_c{i}") for i in range(self.job.width))
        blank_inside = " + ".join(_blank_inside_sql(f"_c{i}") for i in range(self.job.width))
        if self.tolerant:
            self.reader.execute(drop_rejects_sql())
        self._read(
            f"CREATE OR REPLACE TABLE {self.db}.numbered AS "  # noqa: S608
            "SELECT _row, _reason, _raw, _breaks, "
            f"CASE WHEN _breaks > 0 THEN {blank_inside} ELSE 0 END AS _blank_inside FROM ("
            f"SELECT *, left(concat_ws(',', {raw}), {RAW_LINE_CHARS}) AS _raw, {breaks} AS _breaks "
            f"FROM ({self._checked(numbered=True)})) WHERE _reason IS NOT NULL OR _breaks > 0"
        )
        multi = self.reader.execute(
            f"SELECT _row, _breaks - _blank_inside AS _extra FROM {self.db}.numbered "  # noqa: S608
            "WHERE _breaks > 0 ORDER BY _row").fetchnumpy()
        bad = self.reader.execute(
            f"SELECT _row FROM {self.db}.numbered WHERE _reason IS NOT NULL "  # noqa: S608
            "ORDER BY _row").fetchnumpy()["_row"]
        rejects = self.reader.execute(
            f"SELECT _offset, _breaks FROM {self.db}.reader_rejects "  # noqa: S608
            "ORDER BY _offset").fetchnumpy() if self.tolerant else {"_offset": [], "_breaks": []}

        lines_of = _line_map()
        scan = self._scan(rejects["_offset"])
        reject_lines = lines_of.first_line_not_in(scan.query_lines, scan.blank_lines)
        excluded = [1, *scan.blank_lines, *lines_of.lines_covered(reject_lines, rejects["_breaks"])]
        rows = lines_of.row_lines(bad, multi["_row"], multi["_extra"], excluded)
        bad_lines = lines_of.nth_free_line(rows, self.source.cut_lines)
        reject_lines = lines_of.nth_free_line(reject_lines, self.source.cut_lines)

        import pyarrow as pa  # only files with bad rows get here

        self.reader.register("bad_row_lines", pa.table({"_row": bad, "line": bad_lines}))
        self.reader.register("reject_lines", pa.table(
            {"_i": range(1, len(reject_lines) + 1), "line": reject_lines}))
        self.reader.register("cut_lines", pa.table({
            "line": [line for line, _, _ in self.cuts],
            "reason": [reason for _, reason, _ in self.cuts],
            "raw": [text for _, _, text in self.cuts]}, schema=pa.schema(
                [("line", pa.int64()), ("reason", pa.string()), ("raw", pa.string())])))
        rejects_sql = (
            "UNION ALL SELECT l.line, r._reason, r._raw "  # noqa: S608
            f"FROM (SELECT row_number() OVER (ORDER BY _offset) AS _i, * "
            f"FROM {self.db}.reader_rejects) r JOIN reject_lines l USING (_i) "
        ) if self.tolerant else ""
        self.reader.execute(
            f"CREATE OR REPLACE TABLE {self.db}.bad_rows AS "  # noqa: S608
            "SELECT l.line AS line_number, n._reason AS reason, n._raw AS raw_line "
            f"FROM {self.db}.numbered n JOIN bad_row_lines l USING (_row) "
            f"{rejects_sql}UNION ALL SELECT line, reason, raw FROM cut_lines"
        )
        for name in ("bad_row_lines", "reject_lines", "cut_lines"):
            self.reader.unregister(name)

    def first_bad_rows(self) -> list[tuple]:
        return self._read(f"SELECT * FROM {self.db}.bad_rows "  # noqa: S608
                          f"ORDER BY line_number LIMIT {REASONS_SHOWN}")

    # --- writing (the load's connection, in its transaction) ------------------------------

    def reject(self, load_id: int) -> int:
        sql = ("INSERT INTO rejected_rows "  # noqa: S608
               "SELECT $load_id, $file, line_number, reason, raw_line "
               f"FROM {self.db}.bad_rows ORDER BY line_number")
        return self._write(sql, {"load_id": load_id, "file": self.job.label})[0][0]

    def insert(self) -> Written:
        """Write the good rows: insert those the table does not hold yet, upsert them on the
        spec's key, or replace the stored rows of each key the file holds with other rows."""
        if self.spec.replace_key:
            return self._replace()
        return Written(self._insert_new())

    def _insert_new(self, where: str = "TRUE") -> int:
        """Insert the good rows (those matching ``where``, over the stage ``s``) that the table
        does not hold yet, or upsert them on the spec's key. Returns the rows written."""
        spec = self.spec
        table = q(spec.table)
        target = ", ".join(q(c) for c in spec.columns)
        same = " AND ".join(f"t.{q(c)} IS NOT DISTINCT FROM s.{q(c)}" for c in spec.columns)
        sql = (
            f"INSERT INTO {table} ({target}) SELECT {target} "  # noqa: S608
            f"FROM {self.db}.stage s WHERE s._kept AND s._reason IS NULL AND ({where}) "
            f"AND NOT EXISTS (SELECT 1 FROM {table} t WHERE {same})"
        )
        if spec.upsert_key:
            key = (spec.upsert_key,) if isinstance(spec.upsert_key, str) else spec.upsert_key
            updates = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in spec.columns
                                if c not in key)
            sql += f" ON CONFLICT ({', '.join(q(c) for c in key)}) DO UPDATE SET {updates}"
        return self._write(sql)[0][0]

    def _replace(self) -> Written:
        """The latest load of a key wins: for each key in the file whose stored rows differ from
        the file's rows, the stored rows are deleted and the file's inserted; a key whose rows
        are all stored already changes nothing (its rows count as already loaded). Only keys the
        table holds are compared, so a load of new keys costs what a plain insert does."""
        spec = self.spec
        table, key = q(spec.table), q(spec.replace_key or "")
        good = f"SELECT * FROM {self.db}.stage WHERE _kept AND _reason IS NULL"  # noqa: S608
        same = " AND ".join(f"t.{q(c)} IS NOT DISTINCT FROM s.{q(c)}" for c in spec.columns)
        self._write(
            "CREATE OR REPLACE TEMP TABLE ingest_keys AS "  # noqa: S608
            f"SELECT t.{key} AS k, count(*) AS stored FROM {table} t "
            f"WHERE t.{key} IN (SELECT {key} FROM ({good})) GROUP BY 1"
        )
        try:
            if not self._write("SELECT count(*) FROM ingest_keys")[0][0]:
                return Written(self._insert_new())
            self._write(
                "CREATE OR REPLACE TEMP TABLE ingest_changed AS "  # noqa: S608
                f"WITH incoming AS (SELECT * FROM ({good}) WHERE {key} IN "
                "(SELECT k FROM ingest_keys)), "
                f"in_file AS (SELECT {key} AS k, count(*) AS n FROM incoming GROUP BY 1), "
                f"matched AS (SELECT s.{key} AS k, count(*) AS n FROM incoming s "
                f"SEMI JOIN {table} t ON {same} GROUP BY 1) "
                "SELECT k, stored FROM ingest_keys JOIN in_file f USING (k) "
                "LEFT JOIN matched m USING (k) "
                "WHERE NOT (f.n = stored AND coalesce(m.n, 0) = stored)"
            )
            replaced_keys, replaced_rows = self._write(
                "SELECT count(*), coalesce(sum(stored), 0) FROM ingest_changed")[0]
            self._write(f"DELETE FROM {table} WHERE {key} IN "  # noqa: S608
                        "(SELECT k FROM ingest_changed)")
            new_or_changed = (f"s.{key} NOT IN (SELECT k FROM ingest_keys) "  # noqa: S608
                              f"OR s.{key} IN (SELECT k FROM ingest_changed)")
            inserted = self._insert_new(new_or_changed)
            return Written(inserted, int(replaced_rows), int(replaced_keys))
        finally:
            self._write("DROP TABLE IF EXISTS ingest_keys; DROP TABLE IF EXISTS ingest_changed")


def _first_line(error: Exception) -> str:
    """The first line of a DuckDB error, without its class prefix."""
    text = str(error).split("Possible fixes")[0].split("\n\n")[0]
    for prefix in ("Invalid Input Error: ", "IO Error: "):
        text = text.removeprefix(prefix)
    return text.strip().replace("\n", "; ")


def _is_csv_error(error: duckdb.Error) -> bool:
    """A line the CSV reader could not parse (rather than a mistake in a statement)."""
    return "CSV" in str(error)


def _breaks_sql(column: str) -> str:
    value = f"coalesce({column}, '')"
    return f"(length({value}) - length(replace({value}, chr(10), '')))"


def _blank_inside_sql(column: str) -> str:
    """Blank lines inside one quoted field: empty pieces between two of its line breaks."""
    return (f"coalesce(len(list_filter(string_split({column}, chr(10))[2:-2], "
            "lambda piece: piece = '' OR piece = chr(13))), 0)")


def _line_map() -> ModuleType:
    """``line_map``, imported on first use: it needs numpy, and only files with bad or malformed
    lines get there, so a clean load never pays for importing it."""
    from warehouse.ingest import line_map

    return line_map
