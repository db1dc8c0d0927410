"""The pages' access to the published snapshot of the running app.

``create_app`` attaches one ``SnapshotReader`` to the app; pages run read queries through
:func:`query`, which turns "nothing published yet" and "snapshot lacks a table" into
:class:`DataUnavailableError` with a message a user can act on.

A published snapshot never changes, so results are cached per (snapshot file, query, arguments):
moving back and forth between date ranges, granularities or pages does not re-run a query.
Callers must treat returned frames as read-only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import dash
import duckdb
import flask

from warehouse.snapshots import NoSnapshotError, SnapshotReader

READER_CONFIG_KEY = "ACTIONBOARD_SNAPSHOT_READER"
CACHE_SIZE = 512

R = TypeVar("R")


class DataUnavailableError(RuntimeError):
    """The dashboard cannot read the data a page needs; the message says what to do."""


class _ResultCache:
    """A thread-safe least-recently-used map from query call to result."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            if key not in self._items:
                return False, None
            self._items.move_to_end(key)
            return True, self._items[key]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


_cache = _ResultCache(CACHE_SIZE)


def _hashable(call: tuple) -> Hashable:
    try:
        hash(call)
    except TypeError:
        return repr(call)
    return call


_latest_reader: SnapshotReader | None = None


def attach_reader(app: dash.Dash, reader: SnapshotReader) -> None:
    """Give ``app``'s pages ``reader``; outside a request it also serves the code that calls page
    functions directly (tests, scripts): the app created last is the one they mean."""
    global _latest_reader
    app.server.config[READER_CONFIG_KEY] = reader
    _latest_reader = reader


def snapshot_reader() -> SnapshotReader:
    """The reader of the app serving this request (or of the app created last, outside one)."""
    if flask.has_app_context():
        return flask.current_app.config[READER_CONFIG_KEY]
    if _latest_reader is None:
        raise RuntimeError("no dashboard app has been created in this process")
    return _latest_reader


def query(
    run: Callable[..., R], *args: Any, cache: bool = True, **kwargs: Any
) -> R:
    """Call a ``warehouse.queries`` function on a cursor of the current snapshot.

    ``cache=False`` for results that depend on more than the snapshot and the arguments (e.g.
    the operational store's campaigns) or that are too large to keep (full exports). Arguments
    that cannot be hashed (rules, with their condition lists) are keyed by their ``repr``.
    """
    reader = snapshot_reader()
    try:
        path, cursor = reader.current()
        if not cache:
            return run(cursor, *args, **kwargs)
        call = (args, tuple(sorted(kwargs.items())))
        key = (path, run.__module__, run.__qualname__, _hashable(call))
        found, result = _cache.get(key)
        if not found:
            result = run(cursor, *args, **kwargs)
            _cache.put(key, result)
        return result
    except NoSnapshotError as error:
        raise DataUnavailableError(
            f"No data has been published yet for {reader.db.name}. Build it with "
            f"`python app.py refresh --db {reader.db}`, then reload this page."
        ) from error
    except duckdb.CatalogException as error:
        raise DataUnavailableError(
            f"The published data is incomplete ({str(error).splitlines()[0]}). Rebuild it with "
            f"`python app.py refresh --db {reader.db}`."
        ) from error
    except duckdb.Error as error:
        raise DataUnavailableError(
            f"Reading the published data failed: {str(error).splitlines()[0]}"
        ) from error
