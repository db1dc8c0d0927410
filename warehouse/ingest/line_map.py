"""Physical line numbers of a CSV file: where its blank lines are, which line a byte offset falls
on, and which lines are left when some are set aside.

DuckDB's CSV reader numbers neither the rows it returns nor (reliably) the lines it rejects: it
skips blank lines and a quoted field may span several lines. The reported line numbers are
therefore computed from the file itself, by :func:`scan_lines` (a pass over the bytes in chunks
with numpy, run only for files that have bad rows), and :func:`nth_free_line`.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CHUNK_BYTES = 16 * 1024 * 1024
NEWLINE = 10
CARRIAGE_RETURN = 13


def open_bytes(path: Path):
    """The file's bytes, decompressed when its name ends in ``.gz``."""
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def iter_chunks(path: Path, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The (decompressed) bytes of ``path`` in chunks of ``size``."""
    with open_bytes(path) as handle:
        while chunk := handle.read(size):
            yield chunk


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
