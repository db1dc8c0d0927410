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

