"""Physical line numbers of a CSV file: where its blank lines are, which line a byte offset falls
on, and which lines are left when some are set aside.

DuckDB's CSV reader numbers neither the rows it returns nor (reliably) the lines it rejects: it
skips blank lines and a quoted field may span several lines. The reported line numbers are
therefore computed from the file itself, by :func:`scan_lines` (a pass over the bytes in chunks
with numpy), :func:`row_lines` and :func:`nth_free_line`. Only files with bad or malformed lines
get here, so a clean load never imports numpy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from warehouse.ingest.csv_read import CHUNK_BYTES, iter_chunks

NEWLINE = 10
CARRIAGE_RETURN = 13


@dataclass(frozen=True)
class LineScan:
    """What one pass over a file found."""

    blank_lines: np.ndarray  # sorted line numbers (1-based) of empty lines ('' or a lone '\r')
    query_lines: np.ndarray  # for each queried byte offset, the line it falls on
    line_count: int  # lines in the file (a last line without a final newline counts)


def scan_lines(
    path: Path, byte_offsets: np.ndarray | None = None, chunk_bytes: int = CHUNK_BYTES
) -> LineScan:
    """One pass over ``path``: its blank lines and the line of each offset in ``byte_offsets``
    (offsets into the decompressed bytes, sorted ascending).

    Lines end with '\\n'; a '\\r' before it belongs to the line ending. Raises what the gzip
    module raises for a truncated or corrupt ``.gz`` (EOFError, OSError, zlib.error)."""
    offsets = np.asarray(byte_offsets if byte_offsets is not None else [], dtype=np.int64)
    query_lines = np.zeros(len(offsets), dtype=np.int64)
    blanks: list[np.ndarray] = []
    start = 0  # offset of the chunk in the file
    newlines_before = 0  # newlines before the chunk
    previous_newline = -1  # offset of the last newline before the chunk (-1: none)
    previous_byte = -1  # the chunk's preceding byte (-1: none)
    answered = 0
    ends_with_newline = True
    for chunk in iter_chunks(path, chunk_bytes):
        data = np.frombuffer(chunk, dtype=np.uint8)
        newlines = np.flatnonzero(data == NEWLINE)
        # blank lines: a newline right after the previous one, or after a lone '\r' that follows it
        starts = np.concatenate(([previous_newline - start], newlines[:-1])) if len(newlines) \
            else np.empty(0, dtype=np.int64)
        lengths = newlines - starts - 1
        before = np.where(newlines > 0, data[np.maximum(newlines - 1, 0)], previous_byte)
        blank = (lengths == 0) | ((lengths == 1) & (before == CARRIAGE_RETURN))
        blanks.append(newlines_before + 1 + np.flatnonzero(blank))
        # the offsets that fall in this chunk
        end = start + len(data)
        stop = answered + int(np.searchsorted(offsets[answered:], end, side="left"))
        if stop > answered:
            local = offsets[answered:stop] - start
            query_lines[answered:stop] = newlines_before + 1 + np.searchsorted(newlines, local)
            answered = stop
        if len(newlines):
            previous_newline = start + int(newlines[-1])
        newlines_before += len(newlines)
        previous_byte = int(data[-1])
        ends_with_newline = previous_byte == NEWLINE
        start = end
    query_lines[answered:] = newlines_before + 1  # offsets at or past the end
    line_count = newlines_before + (0 if ends_with_newline else 1)
    return LineScan(np.concatenate(blanks) if blanks else np.empty(0, dtype=np.int64),
                    query_lines, line_count)


def nth_free_line(k: np.ndarray, excluded: np.ndarray) -> np.ndarray:
    """The ``k``-th line (1-based, vectorised) among the lines NOT in ``excluded``.

    With ``excluded`` sorted and distinct, the i-th excluded line (1-based) precedes the k-th free
    line exactly when ``excluded[i] - i < k``, and those i form a prefix; so the answer is ``k``
    plus the length of that prefix."""
    excluded = np.unique(np.asarray(excluded, dtype=np.int64))
    shifted = excluded - np.arange(1, len(excluded) + 1)
    k = np.asarray(k, dtype=np.int64)
    return k + np.searchsorted(shifted, k, side="left")


def first_line_not_in(lines: np.ndarray, excluded: np.ndarray) -> np.ndarray:
    """For each line, itself or the first following line that is not in ``excluded`` (sorted)."""
    excluded = np.unique(np.asarray(excluded, dtype=np.int64))
    result = np.asarray(lines, dtype=np.int64).copy()
    if not len(excluded):
        return result
    # runs of consecutive excluded lines: a line inside a run moves to the run's end + 1
    run_start = np.concatenate(([True], np.diff(excluded) != 1))
    run_id = np.cumsum(run_start) - 1
    run_end = excluded[np.flatnonzero(np.concatenate((run_start[1:], [True])))]
    position = np.searchsorted(excluded, result)
    hit = (position < len(excluded)) & (excluded[np.minimum(position, len(excluded) - 1)] == result)
    result[hit] = run_end[run_id[position[hit]]] + 1
    return result


def copy_without_lines(
    source: Path, target: Path, lines: Iterable[int], chunk_bytes: int = CHUNK_BYTES
) -> None:
    """Write ``source`` (decompressed) to ``target`` leaving out the given lines (1-based)."""
    drop = np.unique(np.asarray(list(lines), dtype=np.int64))
    newlines_before = 0
    skipping = False  # inside a dropped line that began in an earlier chunk
    with open(target, "wb") as out:
        for chunk in iter_chunks(source, chunk_bytes):
            data = np.frombuffer(chunk, dtype=np.uint8)
            newlines = np.flatnonzero(data == NEWLINE)
            first = newlines_before + 1  # the line the chunk starts in
            last = newlines_before + len(newlines) + 1  # the line the chunk ends in
            here = drop[(drop >= first) & (drop <= last)]
            keep = np.ones(len(data), dtype=bool)
            for line in here.tolist():  # a handful of lines per file, not one per row
                index = line - first  # lines ended by newlines[index]
                begin = 0 if index == 0 else int(newlines[index - 1]) + 1
                end = int(newlines[index]) + 1 if index < len(newlines) else len(data)
                keep[begin:end] = False
            if skipping:
                end = int(newlines[0]) + 1 if len(newlines) else len(data)
                keep[:end] = False
            out.write(data[keep].tobytes() if not keep.all() else chunk)
            ends_in_dropped = last in here.tolist() or (skipping and not len(newlines))
            skipping = ends_in_dropped and not (len(data) and data[-1] == NEWLINE)
            newlines_before += len(newlines)


def lines_covered(first_lines: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """Every line of records that start on ``first_lines`` and hold ``breaks`` line breaks."""
    first_lines, breaks = np.asarray(first_lines, np.int64), np.asarray(breaks, np.int64)
    counts = breaks + 1
    if not counts.sum():
        return np.empty(0, dtype=np.int64)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(first_lines, counts) + np.arange(int(counts.sum()), dtype=np.int64) - starts


def row_lines(
    rows: np.ndarray, spanning_rows: np.ndarray, extra_lines: np.ndarray, excluded: np.ndarray
) -> np.ndarray:
    """The first line of each returned row numbered ``rows`` (1-based, in file order).

    Returned rows fill, in order, the lines not ``excluded`` (the header, blank lines, lines of
    records set aside); a row in ``spanning_rows`` takes ``extra_lines`` more of them (its
    quoted line breaks, less the blank lines inside its fields, which are excluded already)."""
    spanning_rows = np.asarray(spanning_rows, np.int64)
    before = np.searchsorted(spanning_rows, rows, side="left")
    extra = np.concatenate(([0], np.cumsum(np.asarray(extra_lines, np.int64))))[before]
    return nth_free_line(np.asarray(rows, np.int64) + extra, excluded)
