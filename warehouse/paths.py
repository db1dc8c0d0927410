"""Where Actionboard's files live, derived from the warehouse file's path.

DuckDB lets only one process write a database file, and a writer excludes every reader in other
processes. So the data is split by who writes it:

* the **warehouse** file (``--db``, default ``data/actionboard.duckdb``): raw tables, rejected rows
  and the load log. Written only by ``ingest``; read by ``refresh``. The dashboard never opens it.
* **snapshots** (``<db>.marts/<stamp>.duckdb``): the marts and model results built by one refresh,
  published atomically (``warehouse.snapshots``).
* the **operational store**: what users and jobs write — action rules, campaigns, assignments,
  the audit log, runs, model metadata — through ``warehouse.commands`` only. Not DuckDB: an
  SQLite file beside the warehouse (``<db stem>.ops.sqlite``) or a PostgreSQL database
  (``warehouse.ops``).
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = Path("data") / "actionboard.duckdb"
DB_ENV_VAR = "ACTIONBOARD_DB"


def warehouse_path(db: str | os.PathLike[str] | None = None) -> Path:
    """The warehouse file: explicit ``--db`` first, then ``$ACTIONBOARD_DB``, then the default."""
    chosen = db or os.environ.get(DB_ENV_VAR) or DEFAULT_DB
    return Path(chosen).expanduser().resolve()


def snapshot_dir(db: Path) -> Path:
    """The folder holding the warehouse's published snapshots and their ``CURRENT`` pointer."""
    return db.with_name(db.name + ".marts")


DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file
_MAGIC_AT = 8


class WarehousePathError(ValueError):
    """``--db`` names something that cannot be a warehouse file."""


def is_duckdb_file(path: Path) -> bool:
    """Whether ``path`` is a DuckDB database file (by its header, without opening it)."""
    with open(path, "rb") as handle:
        head = handle.read(_MAGIC_AT + len(DUCKDB_MAGIC))
    return head[_MAGIC_AT:] == DUCKDB_MAGIC


def check_warehouse_path(db: Path) -> Path:
    """``db`` if it can be a warehouse file: one that does not exist yet (it is created on the
    first load) or a DuckDB database. A directory, a path under a file, or another kind of file
    is refused with a one-line reason; nothing is created or changed."""
    if db.is_dir():
        raise WarehousePathError(
            f"{db} is a directory, not a warehouse file; name a file in it, e.g. "
            f"--db {db / DEFAULT_DB.name}")
    for parent in db.parents:
        if parent.exists():
            if not parent.is_dir():
                raise WarehousePathError(f"{db}: {parent} is a file, not a directory")
            break
    if db.exists():
        try:
            duckdb_file = is_duckdb_file(db)
        except OSError as error:
            raise WarehousePathError(f"{db}: cannot read the file ({error.strerror})") from None
        if not duckdb_file:
            raise WarehousePathError(
                f"{db} is not a DuckDB database, so not an Actionboard warehouse; name a new "
                "file to create one, or the warehouse file a load created")
    return db
