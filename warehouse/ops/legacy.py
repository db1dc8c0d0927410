"""Copy an operational store of the DuckDB era into the new store, once.

Before the store moved to SQLite/PostgreSQL, rules, campaigns, assignments, the audit log and
``ops_meta`` lived in ``<db stem>.ops.duckdb``. The first open of the
new store beside such a file copies every row in one transaction, records the import in
``ops_meta`` and renames the file to ``….ops.duckdb.migrated``: either all rows arrive and the file
is set aside, or nothing changes and the file stays for the next attempt. A crash after the
commit but before the rename is healed on the next open (the marker says the rows are in).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import duckdb
from sqlalchemy import Connection, Engine, Table, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from warehouse.ops import schema
from warehouse.ops.engine import describe, ops_transaction

IMPORTED_KEY = "imported_duckdb_store"
MIGRATED_SUFFIX = ".migrated"
# ops_meta keys that described the DuckDB file itself; Alembic versions the new store.
DROPPED_META_KEYS = ("schema_version",)
# Parents before children (foreign keys are checked per row).
TABLES: tuple[Table, ...] = (
    schema.rules,
    schema.campaigns,
    schema.campaign_assignments,
    schema.audit_log,
    schema.ops_meta,
)
LEGACY_ORDER = {"audit_log": "logged_at, rowid", "campaign_assignments": "campaign_id, rowid"}
CHUNK_ROWS = 50_000

log = logging.getLogger(__name__)


class LegacyStoreError(RuntimeError):
    """The DuckDB store cannot be imported; it is left where it is."""


def legacy_path(db: Path) -> Path:
    """Where the DuckDB-era store of warehouse ``db`` lives."""
    return db.with_name(db.stem + ".ops.duckdb")


def import_legacy_store(engine: Engine, db: Path) -> bool:
    """Import ``<db stem>.ops.duckdb`` into the store behind ``engine`` if it is there.

    Returns True when rows were copied by this call. Raises LegacyStoreError when the file cannot
    be read or its rows break the new schema's constraints, or when the store already holds an
    import of another DuckDB file; nothing is copied then.
    """
    path = legacy_path(Path(db).expanduser().resolve())
    if not path.exists():
        return False
    with ops_transaction(engine) as connection:  # a second process waits here for the first
        if not path.exists():  # the process before us imported it and set it aside
            return False
        imported_from = connection.execute(
            select(schema.ops_meta.c.value).where(schema.ops_meta.c.key == IMPORTED_KEY)
        ).scalar()
        if imported_from is None:
            _copy_rows(connection, path)
            connection.execute(insert(schema.ops_meta).values(key=IMPORTED_KEY, value=str(path)))
            _restart_sequences(connection)
        elif imported_from != str(path):
            raise LegacyStoreError(
                f"{path} was not imported: the operational store {describe(str(engine.url))} "
                f"already holds the rows of {imported_from}. Move {path.name} away, or give "
                "this warehouse its own store (--ops-url)."
            )
    _set_aside(path)
    if imported_from is None:
        log.info("imported the DuckDB operational store %s", path)
    return imported_from is None


def _copy_rows(connection: Connection, path: Path) -> None:
    try:
        legacy = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        raise LegacyStoreError(f"cannot read the DuckDB operational store {path}: {error}") \
            from error
    try:
        present = {name for (name,) in legacy.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
        for table in TABLES:
            if table.name not in present:  # stores from before a table existed
                continue
            for rows in _legacy_rows(legacy, table):
                try:
                    connection.execute(insert(table), rows)
                except SQLAlchemyError as error:
                    raise LegacyStoreError(
                        f"cannot import {path}: a row of {table.name} is refused by the new "
                        f"store ({type(error).__name__}: {str(error).splitlines()[0]})"
                    ) from error
    finally:
        legacy.close()


def _legacy_rows(legacy: duckdb.DuckDBPyConnection, table: Table) -> Iterator[list[dict]]:
    """The legacy table's rows in chunks, as dicts of the columns both schemas share."""
    columns = [name for (name,) in legacy.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ?",
        [table.name]).fetchall()]
    shared = [name for name in columns if name in table.c]
    order = LEGACY_ORDER.get(table.name, "rowid")
    quoted = ", ".join(f'"{name}"' for name in shared)
    # Table and column names come from the schema module and the file's own catalogue.
    cursor = legacy.execute(f"SELECT {quoted} FROM {table.name} ORDER BY {order}")  # noqa: S608
    while chunk := cursor.fetchmany(CHUNK_ROWS):
        rows = [dict(zip(shared, row, strict=True)) for row in chunk]
        if table is schema.ops_meta:
            rows = [row for row in rows if row["key"] not in DROPPED_META_KEYS]
        if table is schema.campaigns:  # as migration 0002 fills it for rows stored before it
            for row in rows:
                row.setdefault("clock", "given" if row["source"] == "demo" else "wall")
        if rows:
            yield rows


def _restart_sequences(connection: Connection) -> None:
    """Imported rules keep their ids; PostgreSQL's id sequence must continue after them."""
    if connection.dialect.name != "postgresql":
        return  # SQLite's INTEGER PRIMARY KEY continues after the largest id by itself
    connection.execute(text(
        "SELECT setval(pg_get_serial_sequence('rules', 'rule_id'), "
        "coalesce(max(rule_id), 0) + 1, false) FROM rules"
    ))


def _set_aside(path: Path) -> None:
    """Rename the imported file (and a leftover write-ahead log) so it is not read again."""
    target = path.with_name(path.name + MIGRATED_SUFFIX)
    number = 1
    while target.exists():
        number += 1
        target = path.with_name(f"{path.name}{MIGRATED_SUFFIX}.{number}")
    wal = path.with_name(path.name + ".wal")
    # Another process that found the marker may have renamed them first: then nothing is left.
    with suppress(FileNotFoundError):
        os.replace(path, target)
        os.replace(wal, target.with_name(target.name + ".wal"))

