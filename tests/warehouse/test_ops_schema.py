"""The operational store: schema created once and versioned, rules seeded once; campaign status."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from warehouse.commands import ops_store
from warehouse.commands.ops_store import open_ops
from warehouse.paths import ops_path
from warehouse.schema.campaigns import CAMPAIGN_STATUS_SQL


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


def test_a_new_store_gets_every_table_the_default_rules_and_the_schema_version(
    tmp_path: Path,
) -> None:
    with open_ops(tmp_path / "w.duckdb") as con:
        assert {"rules", "campaigns", "campaign_assignments", "audit_log", "ops_meta"} <= \
            _tables(con)
        assert con.execute("SELECT count(*) FROM rules").fetchone()[0] == \
            len(ops_store.DEFAULT_RULES)
        meta = dict(con.execute("SELECT key, value FROM ops_meta").fetchall())
    assert meta[ops_store.VERSION_KEY] == ops_store.SCHEMA_VERSION


def test_a_store_from_before_versioning_gets_missing_tables_and_keeps_its_deleted_rules(
    tmp_path: Path,
) -> None:
    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(ops_path(db))) as con:  # seeded, then every rule deleted
        con.execute(ops_store.OPS_DDL)
        con.execute("INSERT INTO ops_meta VALUES (?, 'true')", [ops_store.SEEDED_KEY])
        con.execute("DROP TABLE audit_log")
    with open_ops(db) as con:
        assert "audit_log" in _tables(con)
        assert con.execute("SELECT count(*) FROM rules").fetchone()[0] == 0
        version = con.execute("SELECT value FROM ops_meta WHERE key = ?",
                              [ops_store.VERSION_KEY]).fetchone()
    assert version == (ops_store.SCHEMA_VERSION,)


@pytest.mark.parametrize(
    ("cutoff", "expected"),
    [
        (None, ["scheduled", "scheduled", "scheduled"]),  # no data yet: nothing measured
        (datetime(2015, 7, 1), ["completed", "running", "scheduled"]),
    ],
)
def test_campaign_status_compares_launch_and_end_with_the_cutoff(
    cutoff: datetime | None, expected: list[str]
) -> None:
    # (launched_at, ends_at): ends before the cutoff, ends after it, launched at it
    sql = (f"SELECT {CAMPAIGN_STATUS_SQL} FROM (VALUES "
           "(TIMESTAMP '2015-06-01', TIMESTAMP '2015-06-11'), "
           "(TIMESTAMP '2015-06-25', TIMESTAMP '2015-07-09'), "
           "(TIMESTAMP '2015-07-01', TIMESTAMP '2015-07-29')) AS c(launched_at, ends_at)")
    with duckdb.connect() as con:
        got = [row[0] for row in con.execute(sql, {"cutoff_at": cutoff}).fetchall()]
    assert got == expected
