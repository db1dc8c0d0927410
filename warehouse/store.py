"""Where Actionboard's data lives, and who may open what.

DuckDB lets only one process write a database file, and a writer excludes every reader in other
processes. So the data is split by who writes it:

* the **warehouse** file (``--db``, default ``data/actionboard.duckdb``): raw tables, rejected rows
  and the load log. Written only by ``ingest``; read by ``refresh``. The dashboard never opens it.
* **snapshots** (``<db>.marts/<stamp>.duckdb``): the marts and model results built by one refresh,
  published atomically by rewriting the ``CURRENT`` pointer file. Never modified after publishing,
  so the dashboard keeps reading the previous one while a refresh builds the next.
* the **operational store** (``<db stem>.ops.duckdb``): what users author — action rules,
  campaigns, assignments, the audit log. Opened for milliseconds at a time by whoever needs it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import duckdb

T = TypeVar("T")

DEFAULT_DB = Path("data") / "actionboard.duckdb"
DB_ENV_VAR = "ACTIONBOARD_DB"
SNAPSHOTS_KEPT = 3
LOCK_WAIT_SECONDS = 30.0
# DuckDB's memory limit for ingest and refresh: keeps the whole process under 3 GB at full size
# and beyond (DuckDB spills to disk past it); DuckDB's default is 80% of the machine's memory.
MEMORY_LIMIT = "2GB"


class WarehouseBusyError(RuntimeError):
    """Another process holds the write lock for longer than we are willing to wait."""


class NoSnapshotError(RuntimeError):
    """No refresh has been published yet for this warehouse."""


def warehouse_path(db: str | os.PathLike[str] | None = None) -> Path:
    """The warehouse file: explicit ``--db`` first, then ``$ACTIONBOARD_DB``, then the default."""
    chosen = db or os.environ.get(DB_ENV_VAR) or DEFAULT_DB
    return Path(chosen).expanduser().resolve()


def snapshot_dir(db: Path) -> Path:
    return db.with_name(db.name + ".marts")


def ops_path(db: Path) -> Path:
    return db.with_name(db.stem + ".ops.duckdb")


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


@contextmanager
def open_snapshot(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the current snapshot, for one-off reads outside the dashboard."""
    path = current_snapshot(db)
    if path is None:
        raise NoSnapshotError(_no_snapshot_message(db))
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def _no_snapshot_message(db: Path) -> str:
    return f"No published data for {db}. Run: python app.py refresh --db {db}"


@contextmanager
def open_ops(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-write connection to the operational store, schema ensured."""
    from warehouse import ops_schema  # local import: ops_schema imports this module

    con = connect_with_retry(ops_path(db))
    try:
        ops_schema.ensure(con)
        yield con
    finally:
        con.close()


# --- snapshots -------------------------------------------------------------------------------


def new_snapshot_path(db: Path) -> Path:
    """A fresh, unpublished snapshot file name (the ``.building`` suffix marks it unfinished)."""
    folder = snapshot_dir(db)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return folder / f"{stamp}-{os.getpid()}.duckdb.building"


def publish_snapshot(db: Path, building: Path) -> Path:
    """Make a finished snapshot the current one, atomically, and prune old ones."""
    final = building.with_suffix("")  # drop ".building"
    os.replace(building, final)
    pointer = snapshot_dir(db) / "CURRENT"
    tmp = pointer.with_suffix(".tmp")
    tmp.write_text(final.name + "\n", encoding="utf-8")
    os.replace(tmp, pointer)
    _prune_snapshots(db, keep=final)
    return final


def _prune_snapshots(db: Path, keep: Path) -> None:
    folder = snapshot_dir(db)
    published = sorted(folder.glob("*.duckdb"), key=lambda p: p.name)
    for old in published[:-SNAPSHOTS_KEPT]:
        if old != keep:
            old.unlink(missing_ok=True)
    # Leftovers of a refresh that was killed before it published.
    for stale in folder.glob("*.duckdb.building"):
        if time.time() - stale.stat().st_mtime > 3600:
            stale.unlink(missing_ok=True)


def current_snapshot(db: Path) -> Path | None:
    pointer = snapshot_dir(db) / "CURRENT"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = pointer.parent / name
    return path if path.exists() else None


class SnapshotReader:
    """Read-only access to the newest published snapshot, for the dashboard.

    Cheap to call per request: it re-reads the pointer only when its mtime changes, keeps one
    read-only connection per snapshot, and hands each thread its own cursor. The connection to
    the snapshot before the previous one is closed on a switch, so pruned files are released;
    the previous one stays open for requests still running on it.
    """

    def __init__(self, db: Path) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._pointer_mtime: int | None = None
        self._current: tuple[Path, duckdb.DuckDBPyConnection] | None = None
        self._previous: tuple[Path, duckdb.DuckDBPyConnection] | None = None
        self._local = threading.local()

    def _refresh_connection(self) -> tuple[Path, duckdb.DuckDBPyConnection]:
        pointer = snapshot_dir(self.db) / "CURRENT"
        try:
            mtime = pointer.stat().st_mtime_ns
        except FileNotFoundError:
            mtime = None
        with self._lock:
            if mtime == self._pointer_mtime and self._current is not None:
                return self._current
            path = current_snapshot(self.db)
            if path is None:
                raise NoSnapshotError(_no_snapshot_message(self.db))
            if self._current is None or path != self._current[0]:
                if self._previous is not None:
                    self._previous[1].close()
                self._previous = self._current
                self._current = (path, duckdb.connect(str(path), read_only=True))
            self._pointer_mtime = mtime
            return self._current

    @property
    def path(self) -> Path:
        return self._refresh_connection()[0]

    def current(self) -> tuple[Path, duckdb.DuckDBPyConnection]:
        """The current snapshot's path and a cursor on it private to the calling thread.

        One call gives both, so a result can be labelled with the snapshot it came from even
        when a refresh is published meanwhile.
        """
        path, con = self._refresh_connection()
        cached = getattr(self._local, "cursor", None)
        if cached is None or cached[0] != path:
            cached = (path, con.cursor())
            self._local.cursor = cached
        return cached

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the current snapshot, private to the calling thread."""
        return self.current()[1]
