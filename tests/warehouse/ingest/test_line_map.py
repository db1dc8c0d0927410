"""Physical line numbers from a file's bytes: blank lines, the line of a byte offset, the n-th line
left when some are set aside; the same answers whatever the chunk size."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from warehouse.ingest.line_map import (
    copy_without_lines,
    first_line_not_in,
    lines_covered,
    nth_free_line,
    row_lines,
    scan_lines,
)

# lines: 1 header, 2 data, 3 blank (CRLF), 4-5 a quoted field's line break, 6 data, 7 blank (CR
# LF), 8 blank (LF), 9 the last line without a final line break
DATA = b'a,b,c\r\n1,2,3\r\n\r\n4,"x\r\ny",6\r\n7,8,9,10\r\n\r\n\n11,12'
LINE_STARTS = [0, 7, 14, 16, 22, 28, 38, 40, 41]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzip"])
def test_blank_lines_and_the_line_of_each_offset(tmp_path, chunk, packed):
    path = tmp_path / ("f.csv.gz" if packed else "f.csv")
    path.write_bytes(gzip.compress(DATA) if packed else DATA)
    offsets = np.array([0, 6, 7, 15, 28, 37, 38, 40, len(DATA) - 1, len(DATA) + 10])
    scan = scan_lines(path, offsets, chunk_bytes=chunk)
    assert scan.blank_lines.tolist() == [3, 7, 8]
    # the line whose start is the last one at or before the offset (past the end: the last)
    assert scan.query_lines.tolist() == [1, 1, 2, 3, 6, 6, 7, 8, 9, 9]
    assert scan.query_lines.tolist() == [sum(start <= o for start in LINE_STARTS)
                                         for o in offsets]
    assert scan.line_count == 9


def test_nth_free_line_skips_the_excluded_lines():
    excluded = np.array([1, 3, 7, 8])
    assert nth_free_line(np.arange(1, 8), excluded).tolist() == [2, 4, 5, 6, 9, 10, 11]
    assert nth_free_line(np.array([1, 2]), np.array([], dtype=np.int64)).tolist() == [1, 2]


def test_first_line_not_in_moves_past_runs_of_excluded_lines():
    assert first_line_not_in(np.array([1, 2, 3, 4, 7, 8, 9]), np.array([3, 7, 8])).tolist() == [
        1, 2, 4, 4, 9, 9, 9]


@pytest.mark.parametrize("chunk", [1, 5, 1 << 20])
def test_a_copy_without_some_lines_keeps_every_other_byte(tmp_path, chunk):
    source = tmp_path / "s.csv"
    lines = [b"header", b"one", b"", b"three has more", b"four", b"five"]
    source.write_bytes(b"\n".join(lines))  # the last line has no line break
    for dropped in ([1], [2, 3], [4], [6], [2, 6]):
        target = tmp_path / "t.csv"
        copy_without_lines(source, target, dropped, chunk_bytes=chunk)
        kept = [line for number, line in enumerate(lines, 1) if number not in dropped]
        expected = b"\n".join(kept)
        if 6 in dropped:
            expected += b"\n"  # the dropped last line took no line break with it
        assert target.read_bytes() == expected, dropped


def test_lines_covered_lists_every_line_of_each_record():
    assert lines_covered(np.array([4, 10]), np.array([2, 0])).tolist() == [4, 5, 6, 10]
    assert lines_covered(np.array([], dtype=np.int64), np.array([], dtype=np.int64)).size == 0


def test_row_lines_fill_the_free_lines_in_order_spanning_rows_taking_more():
    # lines: 1 header, 2 row 1, 3 blank, 4-6 row 2 (two quoted line breaks), 7 row 3, 8 row 4
    assert row_lines(np.array([1, 2, 3, 4]), np.array([2]), np.array([2]),
                     np.array([1, 3])).tolist() == [2, 4, 7, 8]
