"""The refresh lets DuckDB drop its cache of stored tables between steps, and only that."""

from __future__ import annotations

import duckdb

from warehouse.connections import MEMORY_LIMIT
from warehouse.pipeline.refresh import RELEASE_MARGIN_BYTES, release_cached_blocks

MEMORY_SQL = """
SELECT tag, memory_usage_bytes, temporary_storage_bytes FROM duckdb_memory()
WHERE tag IN ('BASE_TABLE', 'IN_MEMORY_TABLE')
"""


def _memory(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    return {tag: (used, spilled) for tag, used, spilled in con.execute(MEMORY_SQL).fetchall()}


def test_cached_blocks_of_stored_tables_are_released_and_temporary_tables_kept(tmp_path):
    con = duckdb.connect(str(tmp_path / "snapshot.duckdb"), config={"memory_limit": MEMORY_LIMIT})
    con.execute("CREATE TABLE stored AS SELECT range AS id, random() AS r FROM range(40000000)")
    con.execute("CREATE TEMP TABLE scratch AS SELECT range AS id FROM range(5000000)")
    assert con.execute("SELECT sum(r) > 0 FROM stored").fetchone() == (True,)
    before = _memory(con)
    assert before["BASE_TABLE"][0] > 3 * RELEASE_MARGIN_BYTES  # 40 M doubles cached

    release_cached_blocks(con)

    after = _memory(con)
    assert after["BASE_TABLE"][0] <= RELEASE_MARGIN_BYTES
    assert after["IN_MEMORY_TABLE"] == before["IN_MEMORY_TABLE"]  # not written out
    assert before["IN_MEMORY_TABLE"][1] == 0
    setting = "SELECT current_setting('memory_limit')"
    opened = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
    assert con.execute(setting).fetchone() == opened.execute(setting).fetchone()  # restored
    assert con.execute("SELECT count(*), max(id) FROM stored").fetchone() == (
        40_000_000, 39_999_999)
    con.close()
