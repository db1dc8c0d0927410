"""Neutralise spreadsheet formula injection in exported CSV cells.

A CSV cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return may be read by
Excel, LibreOffice or Google Sheets as a formula (OWASP, "CSV Injection"). Exports of customer ids,
offers and segment names must never run code in a marketer's spreadsheet, so every *text* cell
starting with one of those characters is prefixed with a single quote, which spreadsheets show as
text. Numeric columns are left as numbers: a number such as ``-2.5`` written from a float column is
data, not a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

import pandas as pd

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_text(values: pd.Series) -> pd.Series:
    """The series with every string cell that a spreadsheet could run prefixed by ``'``."""
    text = values.astype("string")
    risky = text.str.startswith(FORMULA_PREFIXES).fillna(False).astype(bool)
    return text.where(~risky, "'" + text)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose non-numeric columns are neutralised (numbers stay numbers)."""
    safe = frame.copy()
    for column in safe.columns:
        series = safe[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        safe[column] = neutralise_text(series)
    safe.columns = list(neutralise_text(pd.Series([str(c) for c in safe.columns], dtype="string")))
    return safe


def _csv(frame: pd.DataFrame, header: bool) -> str:
    buffer = io.StringIO()
    neutralise_frame(frame).to_csv(
        buffer, index=False, header=header, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL
    )
    return buffer.getvalue()


def to_safe_csv(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (header included) in which no cell can be read as a formula.

    Lines end with CRLF (RFC 4180), so a cell holding a CR or LF is quoted and stays one cell.
    """
    return _csv(frame, header=True)


def safe_csv_chunks(frames: Iterable[pd.DataFrame], columns: Sequence[str]) -> Iterator[str]:
    """The header of ``columns``, then each frame's rows, as formula-safe CSV text: a file
    written or streamed one batch at a time, never held whole. Each frame has ``columns``."""
    yield _csv(pd.DataFrame(columns=list(columns)), header=True)
    for frame in frames:
        if list(frame.columns) != list(columns):
            raise ValueError(f"a batch has the columns {list(frame.columns)}, not {list(columns)}")
        if len(frame):
            yield _csv(frame, header=False)
