"""Reading one CSV file: its header, the DuckDB scan over it, and the lines the scan cannot parse.

A file is first read strictly (RFC 4180, all columns VARCHAR, quoted fields may hold line
breaks): the fast path, which costs nothing extra. If DuckDB finds a malformed line (an extra or
missing field, an unterminated quote, text that is not UTF-8, a line over
:data:`MAX_LINE_BYTES`), the file is read again tolerantly: DuckDB then sets such lines aside in
a rejects table, with their byte offset, and :func:`reader_reject_reason` says in plain words
what is wrong with each.

One kind of malformed line needs more: an unterminated quote makes the CSV grammar swallow the
following lines into one bad record (up to the next quote character, or the end of the file).
``line_map.copy_without_lines`` writes a copy of the file without such a line, so only that line
is set aside and the lines after it load.
"""

from __future__ import annotations

import csv
import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from warehouse.ingest.csv_spec import FileJob
from warehouse.ingest.load_summary import IngestError

CHUNK_BYTES = 16 * 1024 * 1024
MAX_LINE_BYTES = 2_000_000  # DuckDB's default maximum line size, set explicitly
RAW_LINE_CHARS = 1_000  # the most of a bad line kept in rejected_rows.raw_line
READ_OPTIONS = (
    "header = true, auto_detect = false, delim = $delim, quote = '\"', escape = '\"', "
    f"max_line_size = {MAX_LINE_BYTES}"
)
REJECTS_TABLE = "ingest_rejects"  # temporary tables of the reading connection
REJECTS_SCAN = "ingest_reject_scans"
# An unterminated quote: DuckDB's error for a quoted value that does not close properly.
UNQUOTED = "UNQUOTED VALUE"
GZIP_ERRORS = (EOFError, OSError, zlib.error)  # what the gzip module raises for a damaged file


def open_bytes(path: Path) -> BinaryIO:
    """The file's bytes, decompressed when its name ends in ``.gz``."""
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def iter_chunks(path: Path, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The (decompressed) bytes of ``path`` in chunks of ``size``."""
    with open_bytes(path) as handle:
        while chunk := handle.read(size):
            yield chunk


def gzip_damage(path: Path) -> str | None:
    """What is wrong with a gzipped file, naming the last line read, or None if it is sound."""
    if not path.name.lower().endswith(".gz"):
        return None
    lines = 0
    # zlib directly rather than the gzip module, which loses what it decoded of a chunk that
    # ends in damage: every decoded line counts. 16 + MAX_WBITS: a gzip stream, its CRC checked.
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        with open(path, "rb") as handle:
            while packed := handle.read(1 << 20):
                while packed:
                    lines += decoder.decompress(packed).count(b"\n")
                    packed = decoder.unused_data if decoder.eof else b""
                    if decoder.eof and packed:  # a file of several gzip members
                        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        lines += decoder.flush().count(b"\n")
    except zlib.error as error:
        return f"the compressed data is corrupt after line {lines:,} ({error})"
    if not decoder.eof:
        return f"the compressed data ends after line {lines:,}: the file is truncated"
    return None


def read_header(path: Path, delimiter: str = ",") -> list[str]:
    """The header line's column names, lower-cased and stripped (plain or gzipped file). Only
    the first line is decoded: what is wrong further down is the rows' business."""
    try:
        with open_bytes(path) as handle:
            first = handle.readline(MAX_LINE_BYTES).decode("utf-8-sig")
        header = next(csv.reader([first.rstrip("\r\n")], delimiter=delimiter), None)
    except (*GZIP_ERRORS, UnicodeDecodeError, csv.Error) as error:
        raise IngestError(f"{path.name}, line 1: cannot read the header line: {error}") from error
    if not header:
        raise IngestError(f"{path.name}, line 1: the file is empty; expected a header line")
    return [name.strip().lower() for name in header]


def locate_columns(job: FileJob) -> FileJob:
    """The job with the file's header and the position of each spec column in it; refuses a file
    that lacks a required column, naming it and listing what was expected."""
    spec = job.spec
    aliases = dict(spec.aliases)
    header = [aliases.get(name, name) for name in read_header(job.path, job.delimiter)]
    missing = [c for c in spec.required if c not in header]
    if missing:
        expected = ", ".join(spec.required)
        if spec.optional:
            expected += f" (optional: {', '.join(spec.optional)})"
        published = [name for name, column in spec.aliases if column in missing]
        if published:
            expected += f" (missing ones also read as: {', '.join(published)})"
        raise IngestError(
            f"{job.path.name}: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(c) for c in missing)}; expected columns: {expected}; "
            f"found: {', '.join(header)}"
        )
    positions = {c: header.index(c) for c in spec.columns if c in header}
    return FileJob(spec, job.path, job.label or job.path.name, positions, tuple(header),
                   job.delimiter)


def read_csv_sql(*, tolerant: bool) -> str:
    """``read_csv`` over ``$path`` with ``$columns`` (c0, c1, ... all VARCHAR)."""
    rejects = (f", store_rejects = true, rejects_table = '{REJECTS_TABLE}', "
               f"rejects_scan = '{REJECTS_SCAN}'") if tolerant else ""
    return f"read_csv($path, columns = $columns, {READ_OPTIONS}{rejects})"


def drop_rejects_sql() -> str:
    return f"DROP TABLE IF EXISTS {REJECTS_TABLE}; DROP TABLE IF EXISTS {REJECTS_SCAN}"


def rejected_records_sql(job: FileJob) -> str:
    """One row per record DuckDB set aside (it may log several errors for one line), with
    ``_offset`` (the record's byte offset), ``_reason`` in plain words, ``_raw`` (its first line),
    ``_breaks`` (line breaks inside it) and ``_swallows``: an unterminated quote whose record ran
    over the following lines. ``$header`` (a parameter) names the file's columns."""
    column = "$header[TRY_CAST(substr(column_name, 2) AS INTEGER) + 1]"  # c0 is the first
    found = "TRY_CAST(regexp_extract(error_message, 'Found: ([0-9]+)', 1) AS BIGINT)"
    text = "trim(csv_line, chr(13) || chr(10))"
    per_record = (
        "SELECT line_byte_position AS _offset, "  # noqa: S608 -- constants of this module
        "arg_min(error_type, byte_position) AS error_type, "
        "arg_min(column_name, byte_position) AS column_name, "
        "arg_min(error_message, byte_position) AS error_message, "
        "arg_min(csv_line, byte_position) AS csv_line, "
        f"max({found}) FILTER (WHERE error_type = 'TOO MANY COLUMNS') AS too_many, "
        f"min({found}) FILTER (WHERE error_type = 'MISSING COLUMNS') AS missing "
        f"FROM {REJECTS_TABLE} GROUP BY line_byte_position"
    )
    reason = (
        "CASE error_type "
        f"WHEN 'TOO MANY COLUMNS' THEN 'the line has ' || too_many || ' fields; the header has "
        f"{job.width}' "
        f"WHEN 'MISSING COLUMNS' THEN 'the line has ' || missing || ' fields; the header has "
        f"{job.width}' "
        f"WHEN '{UNQUOTED}' THEN 'a quote in column ' || coalesce({column}, '?') || "
        "' is not closed, or text follows its closing quote' "
        "WHEN 'INVALID ENCODING' THEN 'the line is not valid UTF-8 text (column ' || "
        f"coalesce({column}, '?') || ')' "
        f"WHEN 'LINE SIZE OVER MAXIMUM' THEN 'the line is longer than {MAX_LINE_BYTES:,} bytes' "
        "ELSE error_message END"
    )
    breaks = f"length({text}) - length(replace({text}, chr(10), ''))"
    return (
        f"SELECT _offset, {reason} AS _reason, "  # noqa: S608 -- constants of this module
        f"left(split_part({text}, chr(10), 1), {RAW_LINE_CHARS}) AS _raw, "
        f"{breaks} AS _breaks, error_type = '{UNQUOTED}' AND {breaks} > 0 AS _swallows "
        f"FROM ({per_record})"
    )


@dataclass(frozen=True)
class Source:
    """What is read for one input file: the file itself, or a copy without the lines
    ``cut_lines`` (line numbers of the input, sorted), each an unterminated quote."""

    path: Path
    cut_lines: tuple[int, ...] = ()
