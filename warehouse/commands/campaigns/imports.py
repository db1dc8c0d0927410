"""Load a finished campaign from a CSV file (the demo's ``demo_campaign.csv``) into the ops store.

One row per customer: ``campaign_id, campaign_name, action, channel, offer, kpi, launched_at,
ends_at, control_share, visitorid, group``. Dates are YYYY-MM-DD; ``launched_at`` is the first day
and ``ends_at`` the last day of the campaign (inclusive), so the stored ``ends_at`` is midnight
after it. ``visitorid`` becomes ``customer_id`` as text; segment and CLV stay NULL (the refresh
fills the segment as of the launch from its segment snapshots). The campaign is stored with
``source = 'demo'``.

Idempotent: importing the same file again replaces that demo campaign, leaving the store as after
the first import. A campaign id already used by a launched campaign is refused.

The file is read and checked in an in-memory DuckDB (the same CSV reader and rules as the
ingest); the rows then go to the operational store in one transaction, in bulk. This module loads
neither pandas nor the rest of the command side: the ingest calls it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from sqlalchemy import delete, insert, select

from warehouse.ops import ops_store, ops_transaction
from warehouse.ops.bulk import insert_rows
from warehouse.ops.schema import campaign_assignments, campaigns

REQUIRED_COLUMNS = ("campaign_id", "campaign_name", "action", "channel", "offer", "kpi",
                    "launched_at", "ends_at", "control_share", "visitorid", "group")
CAMPAIGN_COLUMNS = REQUIRED_COLUMNS[:9]

READ_SQL = """
CREATE TABLE import_rows AS
SELECT *, row_number() OVER () + 1 AS line_number
FROM read_csv(?, all_varchar = true, header = true)
"""

BAD_ROWS_SQL = """
SELECT line_number,
    CASE
        WHEN nullif(trim(campaign_id), '') IS NULL THEN 'campaign_id is empty'
        WHEN nullif(trim(visitorid), '') IS NULL THEN 'visitorid is empty'
        WHEN "group" IS DISTINCT FROM 'treatment' AND "group" IS DISTINCT FROM 'control'
            THEN 'group must be treatment or control, got ' || coalesce("group", 'nothing')
        WHEN try_strptime(launched_at, '%Y-%m-%d') IS NULL
            THEN 'launched_at must be a date YYYY-MM-DD, got ' || coalesce(launched_at, 'nothing')
        WHEN try_strptime(ends_at, '%Y-%m-%d') IS NULL
            THEN 'ends_at must be a date YYYY-MM-DD, got ' || coalesce(ends_at, 'nothing')
        WHEN TRY_CAST(ends_at AS DATE) < TRY_CAST(launched_at AS DATE)
            THEN 'ends_at is before launched_at'
        WHEN NOT coalesce(TRY_CAST(control_share AS DOUBLE) > 0
                          AND TRY_CAST(control_share AS DOUBLE) < 1, false)
            THEN 'control_share must be a number between 0 and 1, got '
                 || coalesce(control_share, 'nothing')
    END AS reason
FROM import_rows
WHERE reason IS NOT NULL
ORDER BY line_number
LIMIT 1
"""

INCONSISTENT_SQL = """
SELECT campaign_id FROM import_rows
GROUP BY campaign_id
HAVING count(DISTINCT (campaign_name, action, channel, offer, kpi, launched_at, ends_at,
                       control_share)) > 1
LIMIT 1
"""

DUPLICATES_SQL = """
SELECT campaign_id, trim(visitorid), min(line_number), max(line_number) FROM import_rows
GROUP BY campaign_id, trim(visitorid) HAVING count(*) > 1
LIMIT 1
"""

CAMPAIGNS_SQL = """
SELECT trim(campaign_id) AS campaign_id, any_value(campaign_name) AS name,
       any_value(action) AS action, any_value(channel) AS channel, any_value(offer) AS offer,
       any_value(kpi) AS kpi, CAST(any_value(control_share) AS DOUBLE) AS control_share,
       CAST(CAST(any_value(launched_at) AS DATE) AS TIMESTAMP) AS launched_at,
       CAST(CAST(any_value(ends_at) AS DATE) AS TIMESTAMP) + INTERVAL 1 DAY AS ends_at,
       count(*) AS audience_size
FROM import_rows
GROUP BY trim(campaign_id)
ORDER BY campaign_id
"""

ASSIGNMENTS_SQL = """
SELECT trim(campaign_id), trim(visitorid), "group" FROM import_rows ORDER BY line_number
"""
ASSIGNMENT_COLUMNS = ("campaign_id", "customer_id", "group_name")
CHUNK_ROWS = 50_000


def _validate(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    columns = [row[0] for row in con.execute("DESCRIBE import_rows").fetchall()]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}; expected "
                         f"{','.join(REQUIRED_COLUMNS)}")
    bad = con.execute(BAD_ROWS_SQL).fetchall()
    if bad:
        raise ValueError(f"{path}, line {bad[0][0]}: {bad[0][1]}")
    mixed = con.execute(INCONSISTENT_SQL).fetchall()
    if mixed:
        raise ValueError(f"{path}: campaign {mixed[0][0]!r} has differing values in "
                         f"{', '.join(CAMPAIGN_COLUMNS[1:])} across its rows; they must agree")
    duplicate = con.execute(DUPLICATES_SQL).fetchall()
    if duplicate:
        campaign_id, visitor, first_line, second_line = duplicate[0]
        raise ValueError(f"{path}: visitor {visitor} appears twice in campaign "
                         f"{campaign_id!r} (lines {first_line} and {second_line})")


def import_campaign_file(db: Path, path: Path, *, ops_url: str | None = None) -> str:
    """Store the campaign(s) of ``path`` as completed demo campaigns; return their id(s).

    Raises FileNotFoundError for a missing file and ValueError naming the file, line and column
    of the first problem; nothing is stored then.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No campaign file at {path}")
    with duckdb.connect() as con:
        con.execute(READ_SQL, [str(path)])
        _validate(con, path)
        cursor = con.execute(CAMPAIGNS_SQL)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        if not rows:
            raise ValueError(f"{path}: no campaign rows after the header")
        ids = [row["campaign_id"] for row in rows]
        with ops_transaction(ops_store(db, ops_url)) as connection:
            taken = connection.execute(
                select(campaigns.c.campaign_id)
                .where(campaigns.c.campaign_id.in_(ids), campaigns.c.source != "demo")
            ).scalars().first()
            if taken is not None:
                raise ValueError(f"{path}: campaign id {taken!r} is already used by a "
                                 "campaign launched from the board or a page")
            for table in (campaign_assignments, campaigns):
                connection.execute(delete(table).where(table.c.campaign_id.in_(ids)))
            connection.execute(insert(campaigns), [
                {**row, "rule_id": None, "rule_name": None, "salt": None, "source": "demo",
                 "clock": "given"} for row in rows])
            cursor = con.execute(ASSIGNMENTS_SQL)
            insert_rows(connection, campaign_assignments, ASSIGNMENT_COLUMNS,
                        (row for chunk in iter(lambda: cursor.fetchmany(CHUNK_ROWS), [])
                         for row in chunk))
    return ", ".join(ids)
