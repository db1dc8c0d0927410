"""Where the operational store is, how to connect to it, and how to run one transaction.

The store holds what users and jobs write (rules, campaigns, users, audit, runs, model metadata):
small transactions from every server worker and the CLI at once, which DuckDB, one writing
process per file, cannot take. SQLite in WAL mode is the embedded default: readers never block the
writer, and writers queue on a busy timeout instead of failing. A server with several hosts or
many workers points ``ACTIONBOARD_OPS_URL`` at PostgreSQL. Both go through the same SQLAlchemy
Core code.

Write transactions are serialised on both backends, so a command may read and then write in
one transaction (the next id is max + 1, a name must be free) without another writer slipping in
between. On SQLite a write transaction begins IMMEDIATE: it takes the database's write lock at its
start, waiting up to the busy timeout, rather than upgrading a read snapshot later, which SQLite
refuses at once when another writer committed in between. (Python's driver would also begin
transactions only before DML and commit DDL on its own; here SQLAlchemy emits BEGIN itself.) On
PostgreSQL, whose READ COMMITTED writers would interleave and lose such updates, a write
transaction first takes a transaction-scoped advisory lock. The store's writes are small, so one
writer at a time costs little; reads never wait for it. A read-only transaction sees one
snapshot of the store on both backends (PostgreSQL runs it at REPEATABLE READ, which never
fails a reader), so two tables read one after the other agree: a campaign and its assignments.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

OPS_URL_ENV_VAR = "ACTIONBOARD_OPS_URL"
BUSY_TIMEOUT_SECONDS = 30
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
# Any constant works: it only has to be the same in every process that opens the store.
_WRITER_LOCK_KEY = 0x0AC7_10B0
_WRITE_OPTION = "actionboard_write"


def sqlite_path(db: Path) -> Path:
    """The embedded store beside the warehouse file: ``<db stem>.ops.sqlite``."""
    return db.with_name(db.stem + ".ops.sqlite")


def ops_url(db: Path, url: str | None = None) -> str:
    """The store's SQLAlchemy URL: ``url`` (``--ops-url``), else ``$ACTIONBOARD_OPS_URL``, else
    the SQLite file beside ``db``. ``postgresql://`` URLs get the installed driver (psycopg 3)."""
    chosen = url or os.environ.get(OPS_URL_ENV_VAR)
    if not chosen:  # URL.create escapes '?', '#' and '%' in folder names
        path = sqlite_path(Path(db).expanduser().resolve())
        return URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)
    try:
        parsed = make_url(chosen)
    except ArgumentError:  # its message repeats the text, password included
        raise ValueError("the operational store URL is not a database URL: expected "
                         "sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DATABASE") from None
    if parsed.drivername in ("postgresql", "postgres"):  # no driver named: the one installed
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise ValueError(
            f"unsupported operational store {parsed.render_as_string(hide_password=True)!r}: "
            "use sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DATABASE"
        )
    return parsed.render_as_string(hide_password=False)


def describe(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def create_ops_engine(url: str) -> Engine:
    """A new engine for ``url`` with the store's connection settings; no schema check.

    Most code wants ``warehouse.ops.ops_engine``, which caches the engine and migrates the schema.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    if parsed.database in (None, "", ":memory:"):
        raise ValueError("the operational store needs a file: an in-memory SQLite database "
                         "exists once per connection")
    Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed)
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN (see _begin_sqlite)
    cursor = dbapi_connection.cursor()
    try:
        # First, so that switching a new file to WAL waits for a concurrent opener.
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """Put the file in WAL mode (persistent, so once per file), waiting out concurrent openers.

    Switching the journal mode needs an exclusive lock and SQLite answers "database is locked"
    at once, without its busy handler, when another process holds the file: retry until the
    busy timeout instead.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _begin_sqlite(connection: Connection) -> None:
    write = connection.get_execution_options().get(_WRITE_OPTION, True)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def ops_transaction(engine: Engine, *, readonly: bool = False) -> Iterator[Connection]:
    """One transaction on the store: committed when the block ends, rolled back if it raises.

    A write transaction (the default) waits until no other writer, in any thread or process,
    holds the store; it then sees every earlier commit and no later one until it ends.
    ``readonly`` transactions wait for nobody, see one snapshot throughout, and PostgreSQL
    refuses writes in them.
    """
    with engine.connect() as connection, _transaction(connection, readonly=readonly):
        yield connection


@contextmanager
def schema_transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction for migrations, which may rebuild tables.

    SQLite alters a table by copying it and dropping the original, and with foreign keys
    enforced, dropping a parent table first deletes its rows and, by ON DELETE CASCADE, every
    child row (a campaign's assignments). SQLite's documented procedure is to switch enforcement
    off outside the transaction and check every key before committing: done here. PostgreSQL
    alters tables in place; there this is ``ops_transaction``.
    """
    with engine.connect() as connection:
        if engine.dialect.name != "sqlite":
            with _transaction(connection, readonly=False):
                yield connection
            return
        driver = connection.connection.driver_connection  # outside any transaction (autocommit)
        if driver is None:
            raise RuntimeError("the SQLite connection has no driver connection")
        driver.execute("PRAGMA foreign_keys = OFF")
        try:
            with _transaction(connection, readonly=False):
                yield connection
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"a migration left rows without their parent: {broken[:3]}")
        finally:
            driver.execute("PRAGMA foreign_keys = ON")


@contextmanager
def _transaction(connection: Connection, *, readonly: bool) -> Iterator[None]:
    postgres = connection.dialect.name == "postgresql"
    options: dict[str, Any] = {_WRITE_OPTION: not readonly}
    if readonly and postgres:
        options["postgresql_readonly"] = True
        options["isolation_level"] = "REPEATABLE READ"
    connection.execution_options(**options)
    with connection.begin():
        if postgres and not readonly:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": _WRITER_LOCK_KEY})
        yield
