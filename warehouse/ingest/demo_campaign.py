"""The demo's past campaign (``demo_campaign.csv`` beside the RetailRocket files): checked before
the load starts, recorded in the operational store as the load's last step before it commits.

A load is one unit: a bad campaign file refuses the whole load before anything is written, and a
campaign the operational store refuses rolls the warehouse's load back. The order of the two
writes (the campaign first, the warehouse's COMMIT right after) is what makes a failure leave
both stores as they were; see :func:`record_demo_campaign` for the one case it cannot cover.

One row per audience member: ``campaign_id, campaign_name, action, channel, offer, kpi,
launched_at, ends_at, control_share, visitorid, group``; dates are YYYY-MM-DD.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from warehouse.ingest.csv_read import READ_OPTIONS, read_header
from warehouse.ingest.csv_spec import q, sql_text
from warehouse.ingest.load_summary import IngestError

if TYPE_CHECKING:
    import pandas as pd

DEMO_CAMPAIGN_FILE = "demo_campaign.csv"
COLUMNS = ("campaign_id", "campaign_name", "action", "channel", "offer", "kpi", "launched_at",
           "ends_at", "control_share", "visitorid", "group")
CAMPAIGN_COLUMNS = COLUMNS[:9]  # the same on every row of one campaign

log = logging.getLogger(__name__)

# Each rule: (SQL predicate true for a bad row, SQL reason naming the column); the first rule a
# row breaks is reported.
_RULES = (
    ("nullif(trim(campaign_id), '') IS NULL", "'column campaign_id is empty'"),
    ("nullif(trim(visitorid), '') IS NULL", "'column visitorid is empty'"),
    ("trim(visitorid) GLOB '*[!0-9]*' OR length(trim(visitorid)) > 18",
     "'column visitorid: ''' || left(visitorid, 40) || ''' is not a whole number'"),
    ("\"group\" IS DISTINCT FROM 'treatment' AND \"group\" IS DISTINCT FROM 'control'",
     "'column group must be treatment or control, got ''' || coalesce(left(\"group\", 40), '') "
     "|| ''''"),
    ("try_strptime(launched_at, '%Y-%m-%d') IS NULL",
     "'column launched_at must be a date YYYY-MM-DD, got ''' || coalesce(left(launched_at, 40), "
     "'') || ''''"),
    ("try_strptime(ends_at, '%Y-%m-%d') IS NULL",
     "'column ends_at must be a date YYYY-MM-DD, got ''' || coalesce(left(ends_at, 40), '') "
     "|| ''''"),
    ("TRY_CAST(ends_at AS DATE) < TRY_CAST(launched_at AS DATE)",
     "'column ends_at ' || ends_at || ' is before launched_at ' || launched_at"),
    ("NOT coalesce(TRY_CAST(control_share AS DOUBLE) > 0 AND TRY_CAST(control_share AS DOUBLE) "
     "< 1, FALSE)",
     "'column control_share must be a number between 0 and 1, got ''' || "
     "coalesce(left(control_share, 40), '') || ''''"),
)


@dataclass(frozen=True)
class DemoCampaign:
    """A checked campaign file: every row passed the rules above."""

    path: Path
    campaign_ids: tuple[str, ...]
    rows: int

    def frame(self) -> pd.DataFrame:
        """The campaign's rows, typed: campaign columns, ``customer_id`` (the visitorid as text)
        and ``group_name``; read again from the checked file (pandas is loaded only here)."""
        con = duckdb.connect()
        try:
            sql = (
                "SELECT trim(campaign_id) AS campaign_id, campaign_name, action, "  # noqa: S608
                "channel, offer, kpi, CAST(launched_at AS DATE) AS launched_at, "
                "CAST(ends_at AS DATE) AS ends_at, CAST(control_share AS DOUBLE) AS "
                "control_share, trim(visitorid) AS customer_id, \"group\" AS group_name "
                f"FROM ({_select(self.path)})"
            )
            return con.execute(sql, {"path": str(self.path),
                                     "columns": _columns(self.path)}).df()
        finally:
            con.close()


def _columns(path: Path) -> dict[str, str]:
    return {name: "VARCHAR" for name in read_header(path)}


def _select(path: Path, *, numbered: bool = False) -> str:
    ordinality = " WITH ORDINALITY" if numbered else ""
    options = READ_OPTIONS  # constants of this package; the path and columns are parameters
    return f"SELECT * FROM read_csv($path, columns = $columns, {options}){ordinality}"  # noqa: S608


def check_demo_campaign(path: Path) -> DemoCampaign:
    """Check the campaign file ``path``; raise IngestError naming the file, line and column of
    the first problem. Reads only the file: nothing is written anywhere."""
    name = path.name
    header = read_header(path)
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise IngestError(f"{name}, line 1: missing column(s) {', '.join(missing)}; expected "
                          f"{','.join(COLUMNS)}")
    con = duckdb.connect()
    params = {"path": str(path), "columns": {column: "VARCHAR" for column in header},
              "delim": ","}
    try:
        try:
            con.execute(f"CREATE TEMP TABLE campaign_rows AS {_select(path, numbered=True)}",
                        params)
        except duckdb.Error as error:
            detail = str(error).split("\n\n")[0].replace("\n", "; ")
            raise IngestError(f"{name}: not a readable CSV file: {detail}") from error
        reason = " ".join(f"WHEN {bad} THEN {text}" for bad, text in _RULES)
        first_bad = con.execute(
            f"SELECT ordinality, CASE {reason} END AS reason FROM campaign_rows "  # noqa: S608
            "WHERE reason IS NOT NULL ORDER BY ordinality LIMIT 1").fetchall()
        if first_bad:
            row, text = first_bad[0]
            raise IngestError(f"{name}, line {_line(path, row)}: {text}")
        differs = " ".join(f"WHEN r.{q(c)} IS DISTINCT FROM f.{q(c)} THEN {sql_text(c)}"
                           for c in CAMPAIGN_COLUMNS[1:])
        mixed = con.execute(
            "WITH firsts AS (SELECT * FROM campaign_rows QUALIFY row_number() OVER "  # noqa: S608
            "(PARTITION BY trim(campaign_id) ORDER BY ordinality) = 1) "
            f"SELECT r.ordinality, f.ordinality, trim(r.campaign_id), CASE {differs} END AS col "
            "FROM campaign_rows r JOIN firsts f ON trim(r.campaign_id) = trim(f.campaign_id) "
            "WHERE col IS NOT NULL ORDER BY r.ordinality LIMIT 1").fetchall()
        if mixed:
            row, first, campaign_id, column = mixed[0]
            raise IngestError(
                f"{name}, line {_line(path, row)}: column {column} differs from line "
                f"{_line(path, first)} of campaign {campaign_id!r}; a campaign's "
                f"{', '.join(CAMPAIGN_COLUMNS[1:])} must agree on every row")
        duplicate = con.execute(
            "SELECT trim(campaign_id), trim(visitorid), min(ordinality), max(ordinality) "
            "FROM campaign_rows GROUP BY 1, 2 HAVING count(*) > 1 ORDER BY 3 LIMIT 1").fetchall()
        if duplicate:
            campaign_id, visitor, first, second = duplicate[0]
            raise IngestError(
                f"{name}, line {_line(path, second)}: column visitorid: visitor {visitor} appears "
                f"twice in campaign {campaign_id!r} (also on line {_line(path, first)})")
        ids = tuple(row[0] for row in con.execute(
            "SELECT DISTINCT trim(campaign_id) FROM campaign_rows ORDER BY 1").fetchall())
        rows = con.execute("SELECT count(*) FROM campaign_rows").fetchall()[0][0]
    finally:
        con.close()
    if not ids:
        raise IngestError(f"{name}, line 2: no campaign rows after the header")
    return DemoCampaign(path, ids, int(rows))


def _line(path: Path, row: int) -> int:
    """The line of the ``row``-th data row, counting the header and blank lines (``line_map``
    needs numpy, so it is imported only to report a problem)."""
    from warehouse.ingest.line_map import nth_free_line, scan_lines

    blank = scan_lines(path).blank_lines
    return int(nth_free_line([row], [1, *blank])[0])


def record_demo_campaign(db: Path, campaign: DemoCampaign, *, ops_url: str | None = None) -> str:
    """Record the checked campaign in the operational store of warehouse ``db``; its ids.

    Called inside the warehouse's load transaction, just before its COMMIT, so that a campaign
    the store refuses (an id a board campaign already uses, a store that cannot be written) rolls
    the load back and leaves both stores as before. The import replaces an earlier import of
    the same campaign, so loading the same folder again changes nothing.

    What this order cannot cover: the process killed, or the warehouse's COMMIT failing, after
    the store committed the campaign and before the warehouse committed the load. The store then
    holds the campaign without the load, until the same folder is loaded again.
    """
    from warehouse.commands import import_campaign_file

    try:
        return import_campaign_file(db, campaign.path, ops_url=ops_url)
    except ValueError as error:
        raise IngestError(f"{campaign.path.name}: the operational store refused the campaign: "
                          f"{error}; nothing was loaded") from error


def demo_campaign_note(ids: str) -> str:
    return f"Recorded the past campaign {ids} from {DEMO_CAMPAIGN_FILE}."

