"""The decline step publishes the newest stored run a snapshot may show, and empty tables (the
rule fields still there) before the first run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from warehouse.decline.results import published_version, results_dir, write_results
from warehouse.schema.decline import DECLINE_TABLES
from warehouse.snapshots import open_snapshot


def test_before_any_run_the_tables_are_empty_and_customers_has_null_columns(demo_db) -> None:
    with open_snapshot(demo_db) as con:
        for table in DECLINE_TABLES:
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        assert con.execute("SELECT count(*), count(decline_risk), count(decline_top_reason) "
                           "FROM customers").fetchone()[1:] == (0, 0)
        fields = {name for (name,) in con.execute(
            "SELECT name FROM field_catalogue WHERE step = 'decline'").fetchall()}
    assert fields == {"decline_risk", "decline_top_reason", "decline_risk_band",
                      "decline_profit_band", "allows_notifications"}


def _stored(decline_db: Path) -> dict[str, pd.DataFrame]:
    folder = results_dir(decline_db) / "v1"
    return {name: pd.read_parquet(folder / f"{name}.parquet") for name in DECLINE_TABLES}


def _store(db: Path, tables: dict[str, pd.DataFrame], version: int, source: str,
           as_of: date) -> None:
    run = tables["decline_run"].assign(version=version, source=source, as_of=as_of)
    write_results(db, version, {**tables, "decline_run": run})


def test_a_snapshot_shows_no_events_run_scored_on_later_data(decline_db, tmp_path) -> None:
    db = tmp_path / "w.duckdb"
    tables = _stored(decline_db)
    _store(db, tables, 1, "events", date(2015, 8, 1))
    _store(db, tables, 2, "events", date(2015, 9, 1))
    assert published_version(db, date(2015, 7, 31)) is None
    assert published_version(db, date(2015, 8, 15)).name == "v1"
    assert published_version(db, date(2015, 9, 1)).name == "v2"
    _store(db, tables, 3, "market", date(2026, 1, 1))  # the One Click files carry no dates
    assert published_version(db, date(2015, 8, 15)).name == "v3"


def test_the_published_tables_are_the_stored_ones(decline_db) -> None:
    folder = results_dir(decline_db) / "v1"
    with open_snapshot(decline_db) as con:
        for name in DECLINE_TABLES:
            published = con.execute(f"SELECT * FROM {name}").df()
            stored = con.execute("SELECT * FROM read_parquet(?)",
                                 [str(folder / f"{name}.parquet")]).df()
            assert len(published) > 0, name
            pd.testing.assert_frame_equal(published, stored)
