"""Open the operational store: one engine per URL and process, its schema current.

``ops_store(db)`` is what commands call: it resolves the URL for warehouse ``db`` and imports a
DuckDB-era store lying beside it. ``ops_engine(url)`` is the cached engine itself. The first call
per URL in a process migrates the schema; later calls cost a dictionary lookup. A forked worker
(gunicorn) drops the connections it inherited, which belong to its parent, and opens its own.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from sqlalchemy import Engine

from warehouse.ops.engine import OPS_URL_ENV_VAR, create_ops_engine, ops_url, sqlite_path
from warehouse.ops.legacy import import_legacy_store, legacy_path
from warehouse.ops.migrate import upgrade

_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def ops_engine(url: str) -> Engine:
    """The process's engine for ``url``, created and migrated on first use."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = create_ops_engine(url)
            try:
                upgrade(engine)
            except BaseException:
                engine.dispose()
                raise
            _ENGINES[url] = engine
        return engine


def ops_store(db: Path, url: str | None = None) -> Engine:
    """The operational store of warehouse ``db`` (see ``ops_url``), with any DuckDB-era store
    beside ``db`` imported first."""
    engine = ops_engine(ops_url(db, url))
    import_legacy_store(engine, db)
    return engine


def ops_store_exists(db: Path, url: str | None = None) -> bool:
    """Whether warehouse ``db`` has a store to read, without creating one: a URL is given
    (``url`` or ``$ACTIONBOARD_OPS_URL``: a server's store is taken to exist), or the SQLite file
    or a DuckDB-era store lies beside ``db``. Readers that must not create a store (the refresh,
    ``app.py runs``) ask this before ``ops_store``."""
    if url or os.environ.get(OPS_URL_ENV_VAR):
        return True
    db = Path(db).expanduser().resolve()
    return sqlite_path(db).exists() or legacy_path(db).exists()


def dispose_engines() -> None:
    """Close every cached engine's connections and forget the engines (tests, shutdown)."""
    with _ENGINES_LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()


def _forget_inherited_connections() -> None:
    for engine in _ENGINES.values():
        engine.dispose(close=False)  # the parent still uses them; the child must not


os.register_at_fork(after_in_child=_forget_inherited_connections)
