"""The campaign status rule the operational store and the snapshot share."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from warehouse.schema.campaigns import CAMPAIGN_STATUS_SQL


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
