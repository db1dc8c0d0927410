"""Where the decline job keeps what it computed, for the refresh to publish.

One folder per registered model version, ``<db stem>.decline/v<version>/``, holding one Parquet
file per table of ``warehouse/schema/decline.py`` (scored customers, contributions, families,
metrics, calibration, checks, importance, groups and the one-row run). A folder is written under
a temporary name and renamed into place, so the refresh sees a version whole or not at all. The
refresh publishes the newest version it may show: a run on the event warehouse only in snapshots
as of its date or later (scores from later data never appear in an earlier snapshot); a run on
the One Click files, which carry no dates, in any snapshot.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.schema.decline import DECLINE_TABLES, MARKET, RESULTS_SUFFIX, create_sql

_VERSION = re.compile(r"v(\d+)")


def results_dir(db: Path) -> Path:
    """The decline results of warehouse ``db``: ``<db stem>.decline``."""
    return db.with_name(db.stem + RESULTS_SUFFIX)


def write_results(db: Path, version: int, tables: dict[str, pd.DataFrame]) -> Path:
    """Store ``tables`` (every table of ``DECLINE_TABLES``) as version ``version``; return the
    folder. Types follow the published DDL, so a missing or mistyped column fails here."""
    missing = sorted(set(DECLINE_TABLES) - set(tables))
    if missing:
        raise ValueError(f"decline results lack {', '.join(missing)}")
    root = results_dir(db)
    root.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(dir=root, prefix=".writing-"))
    try:
        with duckdb.connect() as con:
            for name, frame in tables.items():
                con.execute(create_sql(name))
                con.register("incoming", frame)
                con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM incoming")  # noqa: S608
                con.unregister("incoming")
                target = str(building / f"{name}.parquet").replace("'", "''")
                con.execute(f"COPY {name} TO '{target}' (FORMAT parquet)")
        final = root / f"v{int(version)}"
        if final.exists():
            shutil.rmtree(final)
        os.replace(building, final)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return final


def published_version(db: Path, as_of: date) -> Path | None:
    """The folder of the newest stored version a snapshot as of ``as_of`` may show, if any."""
    root = results_dir(db)
    if not root.is_dir():
        return None
    found = []
    for folder in root.iterdir():
        match = _VERSION.fullmatch(folder.name)
        run = folder / "decline_run.parquet"
        if match and run.is_file():
            with duckdb.connect() as con:
                source, run_as_of = con.execute("SELECT source, as_of FROM read_parquet(?)",
                                                [str(run)]).fetchone()
            if source == MARKET or run_as_of <= as_of:
                found.append((int(match[1]), folder))
    return max(found)[1] if found else None
