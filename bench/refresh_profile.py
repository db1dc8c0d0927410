"""Where a refresh spends its time: every DuckDB statement of one refresh over a threshold.

    python bench/refresh_profile.py --db W [--threshold 0.3] [--as-of YYYY-MM-DD]

Runs ``warehouse.pipeline.refresh.refresh`` in this process with ``duckdb.connect`` replaced by
a wrapper whose connections time each ``execute`` and each fetch of a relation made by ``sql``
(a relation's work happens when it is fetched), naming the line of project code that made the
call and the statement's first words. Statements at or above the threshold are listed in order
with their seconds and the process's peak memory (max RSS) after them. The refresh publishes a
snapshot as usual (a first refresh learns and registers campaign models: profile a copy of a
warehouse if it must stay as it was). Run it under the bench lock.
"""

from __future__ import annotations

import argparse
import logging
import re
import resource
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from warehouse.pipeline.refresh import refresh  # noqa: E402

FETCHES = ("df", "fetchall", "fetchone", "fetchdf", "to_arrow_table", "fetchnumpy", "arrow",
           "execute", "create", "insert_into", "to_table")
ROWS: list[tuple[float, float, str, str]] = []
THRESHOLD = [0.3]


def _project_line() -> str:
    """``file:line function`` of the innermost frame of project code (not this script)."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if ROOT in path.parents and path.name != Path(__file__).name:
            return f"{path.relative_to(ROOT)}:{frame.f_lineno} {frame.f_code.co_name}"
        frame = frame.f_back
    return "?"


def _words(sql: object) -> str:
    text = re.sub(r"--[^\n]*", " ", str(sql))
    return " ".join(text.split())[:90]


def _timed(call: Callable[..., Any], sql: object, *args: Any, **kwargs: Any) -> Any:
    where = _project_line()
    started = time.perf_counter()
    try:
        return call(*args, **kwargs)
    finally:
        seconds = time.perf_counter() - started
        if seconds >= THRESHOLD[0]:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            ROWS.append((seconds, peak, where, _words(sql)))


class TimedRelation:
    """A relation whose fetches are timed."""

    def __init__(self, relation: duckdb.DuckDBPyRelation, sql: object) -> None:
        self._relation, self._sql = relation, sql

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._relation, name)
        if name in FETCHES and callable(attribute):
            return lambda *a, **k: _timed(attribute, self._sql, *a, **k)
        return attribute


class TimedConnection:
    """A connection whose statements are timed (everything else passes through)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def execute(self, sql: object, *args: Any, **kwargs: Any) -> Any:
        return _timed(self._con.execute, sql, sql, *args, **kwargs)

    def sql(self, sql: object, *args: Any, **kwargs: Any) -> TimedRelation:
        return TimedRelation(self._con.sql(sql, *args, **kwargs), sql)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def __enter__(self) -> TimedConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self._con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--threshold", type=float, default=0.3, help="seconds")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(message)s")
    THRESHOLD[0] = args.threshold
    connect = duckdb.connect
    duckdb.connect = lambda *a, **k: TimedConnection(connect(*a, **k))  # type: ignore[assignment]
    started = time.perf_counter()
    try:
        refresh(args.db.resolve(), args.as_of, progress=True)
    finally:
        duckdb.connect = connect
    total = time.perf_counter() - started
    print(f"\n{'seconds':>8} {'peak MB':>8}  where: statement")
    for seconds, peak, where, words in ROWS:
        print(f"{seconds:>8.2f} {peak:>8.0f}  {where}: {words}")
    listed = sum(row[0] for row in ROWS)
    print(f"{total:>8.2f}           the whole refresh; {listed:.2f} s in the statements above")


if __name__ == "__main__":
    main()
