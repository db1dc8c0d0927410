"""The operational store (rules, campaigns, assignments, audit log): its connection, schema and
seed rules. Every read and write of the store goes through ``open_ops`` or ``write`` here; the
refresh reads it through ``attached_read_only``.

The store is a DuckDB file beside the warehouse (``warehouse.paths.ops_path``), opened for
milliseconds at a time so that the dashboard and the CLI can both use it. DuckDB lets one process
open the file; within a process, two threads opening it at the same moment collide ("Unique file
handle conflict"), so this process uses the store one thread at a time (``_store_lock``). Writes
run in one transaction each.

``ensure`` runs on every open; the store records its schema version in ``ops_meta``, so once
created an open costs one lookup. The default rules are seeded once per store — a marker in
``ops_meta`` remembers it, so rules a user deleted do not come back.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

from warehouse.clock import utc_now
from warehouse.commands.default_rules import DEFAULT_RULES
from warehouse.connections import connect_with_retry, retry_on_lock, transaction
from warehouse.paths import ops_path
from warehouse.schema.campaigns import CAMPAIGN_TABLES_DDL

T = TypeVar("T")

OPS_DDL = CAMPAIGN_TABLES_DDL + """
CREATE TABLE IF NOT EXISTS rules (
    rule_id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL UNIQUE,
    priority INTEGER NOT NULL,       -- 1 = highest; kept 1..n without gaps by commands.rules
    conditions VARCHAR NOT NULL,     -- JSON list, see commands.rules.validation
    action VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    offer VARCHAR NOT NULL,
    kpi VARCHAR NOT NULL,
    enabled BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_log (
    logged_at TIMESTAMP NOT NULL,
    event VARCHAR NOT NULL,          -- 'launch' | 'export'
    campaign_id VARCHAR NOT NULL,
    group_name VARCHAR,
    row_count BIGINT,
    file_name VARCHAR
);
CREATE TABLE IF NOT EXISTS ops_meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);
"""

SEEDED_KEY = "default_rules_seeded"
VERSION_KEY = "schema_version"
SCHEMA_VERSION = "1"  # raise when OPS_DDL gains a table, so existing stores get it
ATTACHED_AS = "ops"

log = logging.getLogger(__name__)

_locks: dict[Path, threading.RLock] = {}
_locks_guard = threading.Lock()


def _store_lock(path: Path) -> threading.RLock:
    """The lock that lets one thread of this process at a time use the store at ``path``."""
    with _locks_guard:
        return _locks.setdefault(path, threading.RLock())


def _schema_version(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        rows = con.execute("SELECT value FROM ops_meta WHERE key = ?", [VERSION_KEY]).fetchall()
    except duckdb.CatalogException:  # a new, empty store
        return None
    return rows[0][0] if rows else None


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing operational tables and seed the default rules the first time."""
    if _schema_version(con) == SCHEMA_VERSION:
        return
    log.info("creating or upgrading the operational store to schema version %s", SCHEMA_VERSION)
    with transaction(con):
        con.execute(OPS_DDL)
        seeded = con.execute("SELECT 1 FROM ops_meta WHERE key = ?", [SEEDED_KEY]).fetchall()
        if not seeded and not con.execute("SELECT 1 FROM rules LIMIT 1").fetchall():
            now = utc_now()
            for priority, rule in enumerate(DEFAULT_RULES, start=1):
                con.execute(
                    "INSERT INTO rules VALUES (?, ?, ?, ?, ?, ?, ?, ?, true, ?, ?)",
                    [priority, rule["name"], priority, json.dumps(rule["conditions"]),
                     rule["action"], rule["channel"], rule["offer"], rule["kpi"], now, now],
                )
        con.execute(
            "INSERT OR REPLACE INTO ops_meta VALUES (?, 'true'), (?, ?)",
            [SEEDED_KEY, VERSION_KEY, SCHEMA_VERSION],
        )


@contextmanager
def open_ops(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-write connection to the operational store, schema ensured; this
    thread has the store to itself until the block ends."""
    path = ops_path(db)
    with _store_lock(path):
        con = connect_with_retry(path)
        try:
            ensure(con)
            yield con
        finally:
            con.close()


def write(db: Path, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """Run ``work`` in one transaction of the operational store: all of it happens, or none."""
    with open_ops(db) as con, transaction(con):
        return work(con)


@contextmanager
def attached_read_only(con: duckdb.DuckDBPyConnection, db: Path) -> Iterator[str | None]:
    """ATTACH the store read-only to ``con`` (another database, e.g. a snapshot being built) and
    yield the name its tables are under; None when no store exists yet (nothing is created)."""
    path = ops_path(db)
    if not path.exists():
        yield None
        return
    with _store_lock(path):
        retry_on_lock(
            lambda: con.execute(f"ATTACH ? AS {ATTACHED_AS} (READ_ONLY)", [str(path)]), path
        )
        try:
            yield ATTACHED_AS
        finally:
            con.execute(f"DETACH {ATTACHED_AS}")
