"""Published snapshots: one refresh's marts and model results in a file of their own.

A refresh builds a NEW file (``<db>.marts/<stamp>-<pid>.duckdb.building``) and publishes it by
renaming it and atomically rewriting the ``CURRENT`` pointer. A published snapshot never changes,
so the dashboard keeps reading the previous one while a refresh builds the next, and a failed
refresh changes nothing. The last ``SNAPSHOTS_KEPT`` files are kept.

A refresh that is killed leaves its unfinished file behind; the next refresh deletes it
(:func:`remove_abandoned_builds`). The builder's process id is in the file's name, so a file
whose process is still running (a concurrent refresh) is left alone.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.paths import snapshot_dir
from warehouse.processes import remove_abandoned

SNAPSHOTS_KEPT = 3
BUILDING_SUFFIX = ".duckdb.building"
_BUILDING_NAME = re.compile(r"^[0-9T]+-(?P<pid>[0-9]+)\.duckdb\.building(?:\.wal)?$")

log = logging.getLogger(__name__)


class NoSnapshotError(RuntimeError):
    """No refresh has been published yet for this warehouse."""


def no_snapshot_message(db: Path) -> str:
    return f"No published data for {db}. Run: python app.py refresh --db {db}"


def new_snapshot_path(db: Path) -> Path:
    """A fresh, unpublished snapshot file name (the ``.building`` suffix marks it unfinished,
    the process id who builds it). Files abandoned by killed refreshes are deleted first."""
    folder = snapshot_dir(db)
    folder.mkdir(parents=True, exist_ok=True)
    remove_abandoned_builds(db)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return folder / f"{stamp}-{os.getpid()}{BUILDING_SUFFIX}"


def remove_abandoned_builds(db: Path) -> list[Path]:
    """Delete unfinished snapshot files (and their write-ahead logs) whose refresh is gone: its
    process has exited, or the process now holding its id started after the file was last
    written. This process's own files and those of running refreshes stay. Returns the paths
    deleted."""
    return remove_abandoned(snapshot_dir(db).glob(f"*{BUILDING_SUFFIX}*"), _BUILDING_NAME,
                            "a refresh")


def publish_snapshot(db: Path, building: Path) -> Path:
    """Make a finished snapshot the current one, atomically, and prune old ones."""
    final = building.with_suffix("")  # drop ".building"
    os.replace(building, final)
    pointer = snapshot_dir(db) / "CURRENT"
    tmp = pointer.with_suffix(".tmp")
    tmp.write_text(final.name + "\n", encoding="utf-8")
    os.replace(tmp, pointer)
    _prune_snapshots(db, keep=final)
    log.info("published snapshot %s", final.name)
    return final


def discard_snapshot(building: Path) -> None:
    """Delete an unfinished snapshot and its write-ahead log; the published one stays current.
    The snapshot folder goes too if nothing else is in it (a first refresh that failed)."""
    for path in (building, building.with_name(building.name + ".wal")):
        path.unlink(missing_ok=True)
    with suppress(OSError):  # not empty: other snapshots live there
        building.parent.rmdir()


def _prune_snapshots(db: Path, keep: Path) -> None:
    folder = snapshot_dir(db)
    published = sorted(folder.glob("*.duckdb"), key=lambda p: p.name)
    for old in published[:-SNAPSHOTS_KEPT]:
        if old != keep:
            old.unlink(missing_ok=True)


def current_snapshot(db: Path) -> Path | None:
    """The published snapshot ``CURRENT`` names, or None before the first refresh."""
    pointer = snapshot_dir(db) / "CURRENT"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = pointer.parent / name
    return path if path.exists() else None


@contextmanager
def open_snapshot(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the current snapshot, for one-off reads outside the dashboard."""
    path = current_snapshot(db)
    if path is None:
        raise NoSnapshotError(no_snapshot_message(db))
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


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
                raise NoSnapshotError(no_snapshot_message(self.db))
            if self._current is None or path != self._current[0]:
                if self._previous is not None:
                    self._previous[1].close()
                self._previous = self._current
                self._current = (path, duckdb.connect(str(path), read_only=True))
                log.info("reading snapshot %s", path.name)
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
