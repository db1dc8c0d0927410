"""DuckDB connections: waiting while another process holds a file's lock, transactions, and the
warehouse file opened for a load.

DuckDB lets one process write a file at a time; a second process gets a lock error at once. The
helpers here retry for a while and then fail with a message that says what to do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

import duckdb

from warehouse.paths import check_warehouse_path

T = TypeVar("T")

LOCK_WAIT_SECONDS = 30.0
# DuckDB's memory limit for ingest and refresh: keeps the whole process under 3 GB at full size
# and beyond (DuckDB spills to disk past it); DuckDB's default is 80% of the machine's memory.
MEMORY_LIMIT = "2GB"

log = logging.getLogger(__name__)


class WarehouseBusyError(RuntimeError):
    """Another process holds the write lock for longer than we are willing to wait."""


def _is_lock_conflict(error: duckdb.Error) -> bool:
    text = str(error)
    return "lock" in text.lower() and ("Conflicting" in text or "Could not set lock" in text)


def retry_on_lock(
    action: Callable[[], T], path: Path, wait_seconds: float = LOCK_WAIT_SECONDS
) -> T:
    """Run ``action`` (an open or ATTACH of ``path``), waiting while another process holds the
    file's lock, then fail with an error that says what to do."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            return action()
        except duckdb.IOException as error:
            if not _is_lock_conflict(error):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusyError(
                    f"{path} is in use by another Actionboard process (an ingest or refresh); "
                    f"waited {wait_seconds:.0f} s. Try again when it has finished."
                ) from error
            log.debug("%s is locked by another process; retrying in %.2f s", path, delay)
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def connect_with_retry(
    path: Path, *, read_only: bool = False, wait_seconds: float = LOCK_WAIT_SECONDS
) -> duckdb.DuckDBPyConnection:
    """Open ``path``, waiting while another process holds its lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return retry_on_lock(
        lambda: duckdb.connect(str(path), read_only=read_only), path, wait_seconds
    )


@contextmanager
def open_warehouse(db: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse file (the raw tables), closed on exit. A path that cannot
    be a warehouse (a directory, another kind of file) is refused before anything is opened."""
    check_warehouse_path(db)
    if read_only and not db.exists():
        raise FileNotFoundError(
            f"No warehouse at {db}. Load data first: python app.py ingest DIR --db {db}"
        )
    con = connect_with_retry(db, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, or ROLLBACK if the block raises: all of it happens, or none."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        with suppress(duckdb.Error):  # the original error matters, not a failed rollback
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
