"""Snapshots for the CLV page's tests: one built by a function on a new file or a copy of
another snapshot, and one whose CLV step fitted both models on simulated buyers."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb

from tests.support.btyd_orders import make_order_lines
from tests.support.shops import step_context
from warehouse.pipeline.steps.clv import build_clv
from warehouse.snapshots import new_snapshot_path, publish_snapshot

AS_OF = date(2024, 4, 29)


def publish_built(db: Path, build: Callable[[duckdb.DuckDBPyConnection], object],
                  source: Path | None = None) -> Path:
    """Publish a snapshot for ``db``: a copy of ``source`` (or a new file) changed by
    ``build(con)``."""
    building = new_snapshot_path(db)
    if source is not None:
        shutil.copy2(source, building)
    con = duckdb.connect(str(building))
    try:
        build(con)
    finally:
        con.close()
    return publish_snapshot(db, building)


def fitted_clv_warehouse(folder: Path) -> Path:
    """A warehouse in ``folder`` whose snapshot's CLV step fitted both models (400 simulated
    buyers, 120 days up to ``AS_OF``)."""
    db = folder / "actionboard.duckdb"

    def build(con: duckdb.DuckDBPyConnection) -> None:
        make_order_lines(con, n=400, days=120, seed=3)
        build_clv(con, step_context(AS_OF))

    publish_built(db, build)
    return db
