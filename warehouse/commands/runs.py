"""Run records: when each refresh or job ran, how it ended, what it produced.

    with record_run(engine, kind="refresh", params={"as_of": as_of}) as run:
        ...
        run.add_counts({"customers": 1_407_580})

The row is written as 'running' before the work starts and closed as 'succeeded' or 'failed' (with
the error) when the block ends, so a user can see what is going on and what went wrong without
reading logs. A process killed mid-run cannot close its row: ``list_runs`` shows such a row as
'interrupted' once its process is gone (same host) or it has run longer than any run should.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine, insert, select, update

from warehouse.clock import utc_now
from warehouse.commands.jsonable import jsonable
from warehouse.ops import ops_transaction
from warehouse.ops.schema import runs

INTERRUPTED = "interrupted"
# Longer than any refresh or job takes (a scale-10 refresh takes under a minute): a 'running'
# row older than this is a run whose process died, even where its pid cannot be checked.
RUNNING_LIMIT = timedelta(hours=6)
ERROR_WIDTH = 60
NO_RUNS = "No runs recorded yet."
COLUMNS = ["run_id", "kind", "status", "started_at", "finished_at", "seconds", "params", "counts",
           "error", "host", "pid"]

log = logging.getLogger(__name__)


@dataclass
class RunRecord:
    """The open run: its id, and the row counts to store when it ends."""

    run_id: int
    kind: str
    counts: dict[str, int] = field(default_factory=dict)

    def add_counts(self, counts: Mapping[str, int]) -> None:
        """Record (or overwrite) named row counts, e.g. ``{"orders": 120}``."""
        self.counts.update({str(name): int(value) for name, value in counts.items()})


@contextmanager
def record_run(
    engine: Engine, kind: str, params: Mapping[str, Any] | None = None
) -> Iterator[RunRecord]:
    """Record one run of ``kind`` around the block; the block's exception is re-raised."""
    with ops_transaction(engine) as connection:
        run_id = connection.execute(insert(runs).values(
            kind=kind, status="running", started_at=utc_now(), host=socket.gethostname(),
            pid=os.getpid(), params=None if params is None else jsonable(params),
        ).returning(runs.c.run_id)).scalar_one()
    run = RunRecord(run_id=int(run_id), kind=kind)
    try:
        yield run
    except BaseException as error:
        _finish(engine, run, "failed", f"{type(error).__name__}: {error}")
        raise
    _finish(engine, run, "succeeded", None)


def _finish(engine: Engine, run: RunRecord, status: str, error: str | None) -> None:
    """Close the run's row. A store that cannot be written must not turn a finished job into
    a failed one (or hide the job's own error), so this failure is only logged."""
    try:
        with ops_transaction(engine) as connection:
            connection.execute(update(runs).where(runs.c.run_id == run.run_id).values(
                status=status, finished_at=utc_now(), counts=run.counts or None, error=error))
    except Exception:
        log.exception("could not record the end of run %s (%s)", run.run_id, run.kind)


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, under another user
        return False
    return False


def list_runs(
    engine: Engine,
    limit: int = 20,
    *,
    now: datetime | None = None,
    running_limit: timedelta = RUNNING_LIMIT,
) -> pd.DataFrame:
    """The latest ``limit`` runs, newest first: run_id, kind, status ('running', 'succeeded',
    'failed' or 'interrupted'), started_at, finished_at, seconds, params, counts, error, host,
    pid. ``now`` (naive UTC) is the moment a 'running' row's age is measured at."""
    query = select(runs).order_by(runs.c.started_at.desc(), runs.c.run_id.desc()).limit(
        int(limit))
    with ops_transaction(engine, readonly=True) as connection:
        frame = pd.DataFrame(connection.execute(query).mappings().all(),
                             columns=[column.name for column in runs.c])
    for column in ("started_at", "finished_at"):  # all-NULL columns arrive as objects
        frame[column] = pd.to_datetime(frame[column])
    frame["seconds"] = pd.Series(dtype="float64")
    if frame.empty:
        return frame[COLUMNS]
    now = now or utc_now()
    here = socket.gethostname()
    running = frame["status"] == "running"
    stale = running & (frame["started_at"] < now - running_limit)
    dead = running & (frame["host"] == here) & frame["pid"].map(_process_gone).astype(bool)
    frame.loc[stale | dead, "status"] = INTERRUPTED
    frame["seconds"] = (frame["finished_at"] - frame["started_at"]).dt.total_seconds()
    return frame[COLUMNS]


def _duration(seconds: float) -> str:
    if pd.isna(seconds):
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def _counts(counts: Mapping[str, int] | None) -> str:
    return ", ".join(f"{name} {value:,}" for name, value in (counts or {}).items())


def _error(error: str | None) -> str:
    if not error:
        return ""
    first = error.strip().splitlines()[0]
    return first if len(first) <= ERROR_WIDTH else first[: ERROR_WIDTH - 1] + "…"


def format_runs(frame: pd.DataFrame) -> str:
    """``list_runs`` as the plain-text table ``python app.py runs`` prints."""
    if frame.empty:
        return NO_RUNS
    table = pd.DataFrame({
        "run": frame["run_id"].astype(str),
        "kind": frame["kind"],
        "status": frame["status"],
        "started (UTC)": frame["started_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        "took": frame["seconds"].map(_duration),
        "rows": frame["counts"].map(_counts),
        "error": frame["error"].map(_error),
    })
    widths = {name: max(len(name), *table[name].str.len()) for name in table.columns}
    lines = ["  ".join(name.ljust(widths[name]) for name in table.columns).rstrip()]
    for row in table.itertuples(index=False):
        lines.append("  ".join(str(value).ljust(widths[name])
                               for name, value in zip(table.columns, row, strict=True)).rstrip())
    return "\n".join(lines)
