"""Results of a campaign run outside the product, loaded from a file into the operational store.

One row per customer: ``customer_id``, ``group`` (treatment | control), ``converted`` (0 | 1),
optionally ``revenue`` (the customer's revenue in the campaign window, currency units, 0 unless
converted) and any other columns, which are kept as the campaign's own customer features
(numeric when every value is a number, else text). Column names are matched without case; the
file's own columns must be plain names (letters, digits, _).

Validation as in every ingest (``warehouse.ingest.csv_load``): the file is read in an in-memory
DuckDB as text, each row checked in SQL; a bad row gets its line number, the column and what is
wrong, and is kept in ``campaign_import_rejects`` (quarantined) rather than loaded; more than 5 %
bad rows refuse the whole file, naming the first problems. Exact copies of a line are dropped
(counted); a customer on two lines with different values keeps the first, the others are
rejected. Everything is stored in one transaction — the ``campaigns`` row (source 'import',
clock 'given'), its assignments, each customer's outcome and the file's columns
(``campaign_import_outcomes``), the load (``campaign_imports``) and the audit row — so a failure
stores nothing. Loading a file under the name of a campaign imported before replaces that
campaign (keeping its id): a reload adds no duplicates.

The refresh measures it like any campaign (lift with intervals, SRM against the planned control
share) from the file's outcomes instead of the warehouse's orders, and learns an uplift model from
it with the warehouse's features as of its first day where the ids match, plus the file's columns.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, delete, insert, select

from analytics.experiments.assignment import CONTROL, TREATMENT, validate_control_share
from warehouse.clock import utc_now
from warehouse.commands.audit import LAUNCH, check_user, record
from warehouse.commands.campaigns.launch import GIVEN, campaign_clock
from warehouse.commands.campaigns.storage import next_campaign_id
from warehouse.commands.rules.model import CHANNELS
from warehouse.ingest.csv_load import MAX_BAD_SHARE
from warehouse.ingest.csv_read import read_header
from warehouse.ingest.csv_stage import REASONS_SHOWN
from warehouse.ingest.load_summary import IngestError
from warehouse.ops import ops_store, ops_store_exists, ops_transaction
from warehouse.ops.bulk import insert_rows
from warehouse.ops.schema import (
    campaign_assignments,
    campaign_import_outcomes,
    campaign_import_rejects,
    campaign_imports,
    campaigns,
)

REQUIRED_COLUMNS = ("customer_id", "group", "converted")
REVENUE = "revenue"
NUMBER, TEXT = "number", "text"
IMPORT_SOURCE = "import"
_OWN_COLUMN = re.compile(r"[a-z_][a-z0-9_]{0,62}")
CHUNK_ROWS = 50_000


@dataclass(frozen=True)
class ImportedCampaign:
    """What a load stored: the campaign, its rows, and its own feature columns by type."""

    campaign_id: str
    name: str
    file_name: str
    launched_at: datetime
    ends_at: datetime
    rows_read: int
    rows_loaded: int
    rows_duplicate: int
    rows_rejected: int
    count_treatment: int
    count_control: int
    count_converted: int
    has_revenue: bool
    feature_columns: dict[str, str] = field(default_factory=dict)
    replaced: bool = False
    problems: tuple[str, ...] = ()  # the first rejected lines, "line N: reason"

    def __str__(self) -> str:
        verb = "Replaced" if self.replaced else "Loaded"
        lines = [
            f"{verb} campaign {self.campaign_id} ({self.name!r}) from {self.file_name}: "
            f"{self.rows_loaded:,} customers ({self.count_treatment:,} treatment, "
            f"{self.count_control:,} control; {self.count_converted:,} converted), dated "
            f"{self.launched_at:%Y-%m-%d} to {self.ends_at - timedelta(days=1):%Y-%m-%d}.",
            f"  {self.rows_read:,} rows read, {self.rows_duplicate:,} exact duplicates dropped, "
            f"{self.rows_rejected:,} rejected.",
        ]
        if self.feature_columns:
            own = ", ".join(f"{name} ({kind})" for name, kind in self.feature_columns.items())
            lines.append(f"  Its own customer columns: {own}.")
        if not self.has_revenue:
            lines.append("  No revenue column: only conversion is measured.")
        if self.problems:
            lines.append(f"  Rejected rows are kept with their reasons (campaign "
                         f"{self.campaign_id}); first: " + "; ".join(self.problems))
        return "\n".join(lines)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _header(path: Path) -> tuple[list[str], list[str]]:
    """(all columns in file order, the file's own feature columns); refuses a file without the
    required columns or with unusable names."""
    header = read_header(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise IngestError(
            f"{path.name}: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(c) for c in missing)}; expected columns: "
            f"{', '.join(REQUIRED_COLUMNS)} (optional: revenue and your own columns); "
            f"found: {', '.join(header)}")
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise IngestError(f"{path.name}: column {repeated[0]!r} appears more than once in the "
                          "header")
    own = [c for c in header if c not in (*REQUIRED_COLUMNS, REVENUE)]
    for column in own:
        if not _OWN_COLUMN.fullmatch(column):
            raise IngestError(f"{path.name}: column {column!r} is not a plain name (letters, "
                              "digits and _, not starting with a digit); rename it")
    return header, own


def _read_sql(header: list[str]) -> str:
    """The file's rows, trimmed text, numbered by line (line 1 is the header)."""
    values = ", ".join(f"NULLIF(trim(c{i}), '') AS {_q(name)}" for i, name in enumerate(header))
    return (f"CREATE TABLE file_rows AS SELECT ordinality + 1 AS line_number, {values} "  # noqa: S608
            "FROM read_csv($path, columns = $columns, header = true, auto_detect = false, "
            "delim = ',', quote = '\"', escape = '\"', null_padding = true) WITH ORDINALITY")


def _revenue_checks(has_revenue: bool) -> str:
    if not has_revenue:
        return ""
    number = "TRY_CAST(revenue AS DOUBLE)"
    return f"""
        WHEN revenue IS NOT NULL AND ({number} IS NULL OR NOT isfinite({number}))
            THEN 'column revenue: ''' || left(revenue, 40) || ''' is not a number'
        WHEN {number} < 0 THEN 'column revenue: ' || revenue || ' is negative'
        WHEN {number} > 0 AND converted = '0'
            THEN 'column revenue: ' || revenue || ' on a customer who did not convert'"""


def _checked_sql(has_revenue: bool) -> str:
    """Each row's reason to be refused (NULL when good), first problem first."""
    return f"""
CREATE TABLE checked AS
SELECT *,
    CASE
        WHEN customer_id IS NULL THEN 'column customer_id: empty'
        WHEN "group" IS NULL THEN 'column group: empty (expected treatment or control)'
        WHEN lower("group") NOT IN ('treatment', 'control')
            THEN 'column group: ''' || left("group", 40) || ''' is not treatment or control'
        WHEN converted IS NULL THEN 'column converted: empty (expected 0 or 1)'
        WHEN converted NOT IN ('0', '1')
            THEN 'column converted: ''' || left(converted, 40) || ''' is not 0 or 1'
        {_revenue_checks(has_revenue)}
    END AS reason
FROM file_rows
"""  # noqa: S608 -- fixed text and the fixed revenue checks


def _ranked_sql(own: list[str], has_revenue: bool) -> str:
    """The good rows numbered per customer (``nth``) and per identical line (``copy``): exact
    copies of an earlier line drop out, a customer's later lines that differ are refused."""
    every = ", ".join(["customer_id", '"group"', "converted",
                       *([REVENUE] if has_revenue else []), *(_q(c) for c in own)])
    return f"""
CREATE TABLE ranked AS
SELECT *,
    row_number() OVER (PARTITION BY customer_id ORDER BY line_number) AS nth,
    first_value(line_number) OVER (PARTITION BY customer_id ORDER BY line_number) AS first_line,
    row_number() OVER (PARTITION BY {every} ORDER BY line_number) AS copy
FROM checked WHERE reason IS NULL
"""  # noqa: S608 -- quoted header names


# Refused rows with their reason, and the first line of each distinct good one ('load' when the
# reason is NULL).
DECIDED_SQL = """
CREATE TABLE decided AS
SELECT line_number, customer_id, "group", converted, reason FROM checked WHERE reason IS NOT NULL
UNION ALL BY NAME
SELECT line_number, customer_id, "group", converted,
    CASE WHEN copy = 1 AND nth > 1
         THEN 'column customer_id: ' || customer_id || ' is already on line ' || first_line
              || ' with other values' END AS reason
FROM ranked WHERE copy = 1
"""


def _features_sql(own: list[str], kinds: dict[str, str]) -> str:
    if not own:
        return "CAST(NULL AS VARCHAR)"
    parts = ", ".join(
        f"{_q(c)} := " + (f"TRY_CAST(r.{_q(c)} AS DOUBLE)" if kinds[c] == NUMBER else f"r.{_q(c)}")
        for c in own)
    return f"CAST(to_json(struct_pack({parts})) AS VARCHAR)"


def _column_kinds(con: duckdb.DuckDBPyConnection, own: list[str]) -> dict[str, str]:
    """number when every present value of a column is a finite number, else text."""
    kinds = {}
    for column in own:
        c = _q(column)
        [(text_values,)] = con.execute(
            f"SELECT count(*) FILTER (WHERE {c} IS NOT NULL AND (TRY_CAST({c} AS DOUBLE) IS NULL "  # noqa: S608
            f"OR NOT isfinite(TRY_CAST({c} AS DOUBLE)))) FROM ranked").fetchall()
        kinds[column] = TEXT if text_values else NUMBER
    return kinds


def _raw_line(header: list[str]) -> str:
    return "concat_ws(',', " + ", ".join(f"coalesce(r.{_q(c)}, '')" for c in header) + ")"


@dataclass(frozen=True)
class _Checked:
    rows_read: int
    duplicates: int
    rejected: int
    problems: tuple[str, ...]
    kinds: dict[str, str]


def _check(con: duckdb.DuckDBPyConnection, path: Path, header: list[str], own: list[str],
           has_revenue: bool) -> _Checked:
    columns = {f"c{i}": "VARCHAR" for i in range(len(header))}
    try:
        con.execute(_read_sql(header), {"path": str(path), "columns": columns})
    except duckdb.InvalidInputException as error:
        detail = str(error).split("Possible fixes")[0].split("\n\n")[0]
        detail = detail.removeprefix("Invalid Input Error: ").strip().replace("\n", "; ")
        raise IngestError(f"{path.name}: not a readable CSV file: {detail}") from error
    con.execute(_checked_sql(has_revenue))
    con.execute(_ranked_sql(own, has_revenue))
    con.execute(DECIDED_SQL)
    [(read,)] = con.execute("SELECT count(*) FROM file_rows").fetchall()
    if read == 0:
        raise IngestError(f"{path.name}: no rows after the header")
    [(good, copies)] = con.execute(
        "SELECT count(*) FILTER (WHERE reason IS NULL), "
        "(SELECT count(*) FROM ranked WHERE copy > 1) FROM decided").fetchall()
    rejected = read - good - copies
    examples = con.execute(
        "SELECT line_number, reason FROM decided WHERE reason IS NOT NULL ORDER BY line_number "
        "LIMIT $shown", {"shown": REASONS_SHOWN}).fetchall()
    problems = tuple(f"line {line}: {reason}" for line, reason in examples)
    if rejected > MAX_BAD_SHARE * read:
        raise IngestError(
            f"{path.name}: {rejected:,} of {read:,} rows ({rejected / read:.1%}) are bad, more "
            f"than the {MAX_BAD_SHARE:.0%} allowed, so nothing was loaded. First problems: "
            + "; ".join(problems))
    counts = dict(con.execute(
        "SELECT lower(\"group\"), count(*) FROM decided WHERE reason IS NULL GROUP BY ALL"
    ).fetchall())
    for group in (TREATMENT, CONTROL):
        if not counts.get(group):
            raise IngestError(f"{path.name}: no good row in the {group} group; a campaign's "
                              "results need both groups")
    return _Checked(read, copies, rejected, problems, _column_kinds(con, own))


def _dates(db: Path, launched_at: date | datetime | None, ends_at: date | datetime | None
           ) -> tuple[datetime, datetime]:
    """The window [first day, midnight after the last day); the first day defaults to the end
    of the published data (the campaign clock), the last to the first."""
    def midnight(value: date | datetime) -> datetime:
        day = value.date() if isinstance(value, datetime) else value
        return datetime.combine(day, datetime.min.time())

    start = midnight(launched_at) if launched_at is not None else midnight(
        campaign_clock(db).launched_at)
    end = (midnight(ends_at) if ends_at is not None else start) + timedelta(days=1)
    if end <= start:
        raise ValueError(f"the campaign's last day {end - timedelta(days=1):%Y-%m-%d} is before "
                         f"its first {start:%Y-%m-%d}")
    return start, end


def _text(value: Any, label: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{label} must not be empty")
    return value.strip()


def _chunks(cursor: duckdb.DuckDBPyConnection) -> Any:
    return (row for chunk in iter(lambda: cursor.fetchmany(CHUNK_ROWS), []) for row in chunk)


def _previous_import(connection: Connection, name: str) -> str | None:
    return connection.execute(
        select(campaigns.c.campaign_id)
        .join(campaign_imports, campaign_imports.c.campaign_id == campaigns.c.campaign_id)
        .where(campaigns.c.name == name)).scalars().first()


def import_campaign_results(
    db: Path,
    path: Path,
    *,
    name: str,
    user: str,
    channel: str = "email",
    action: str = "Imported campaign",
    offer: str = "(not stated)",
    kpi: str = "conversion rate",
    launched_at: date | datetime | None = None,
    ends_at: date | datetime | None = None,
    control_share: float | None = None,
    file_name: str | None = None,
    ops_url: str | None = None,
) -> ImportedCampaign:
    """Load the campaign results in CSV ``path`` as campaign ``name``; return what was stored.

    ``launched_at``/``ends_at``: its first and last day (default: the end of the published data,
    a one-day window); ``control_share``: the share planned for control, against which the
    refresh checks the split (default: the share in the file, which no split can fail).
    ``file_name`` names the file in messages and the store (an upload's name; default the
    path's). Raises FileNotFoundError, IngestError (naming file, line and column) or ValueError;
    nothing is stored then.
    """
    user = check_user(user)
    name = _text(name, "campaign name")
    attributes = {"action": _text(action, "action"), "offer": _text(offer, "offer"),
                  "kpi": _text(kpi, "kpi")}
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}, got {channel!r}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No campaign results file {path}: expected a CSV with columns "
                                f"{', '.join(REQUIRED_COLUMNS)} [, revenue, your own columns]")
    label = file_name or path.name
    header, own = _header(path)
    has_revenue = REVENUE in header
    start, end = _dates(db, launched_at, ends_at)
    with duckdb.connect() as con:
        checked = _check(con, path, header, own, has_revenue)
        [(n_treatment, n_control, n_converted)] = con.execute(
            "SELECT count(*) FILTER (WHERE lower(\"group\") = 'treatment'), "
            "count(*) FILTER (WHERE lower(\"group\") = 'control'), "
            "count(*) FILTER (WHERE converted = '1') FROM decided WHERE reason IS NULL"
        ).fetchall()
        share = (validate_control_share(control_share) if control_share is not None
                 else n_control / (n_treatment + n_control))
        loaded = n_treatment + n_control
        revenue = "TRY_CAST(r.revenue AS DOUBLE)" if has_revenue else "CAST(NULL AS DOUBLE)"
        good = ("FROM decided AS d JOIN ranked AS r USING (line_number) "
                "WHERE d.reason IS NULL ORDER BY r.customer_id")
        with ops_transaction(ops_store(db, ops_url)) as connection:
            previous = _previous_import(connection, name)
            if previous is not None:
                for table in (campaign_import_rejects, campaign_import_outcomes, campaign_imports,
                              campaign_assignments, campaigns):
                    connection.execute(delete(table).where(table.c.campaign_id == previous))
            campaign_id = previous or next_campaign_id(connection, start)
            connection.execute(insert(campaigns).values(
                campaign_id=campaign_id, name=name, rule_id=None, rule_name=None,
                channel=channel, control_share=share, **attributes, salt=None, launched_at=start,
                ends_at=end, audience_size=loaded, source=IMPORT_SOURCE, clock=GIVEN))
            connection.execute(insert(campaign_imports).values(
                campaign_id=campaign_id, file_name=label, imported_at=utc_now(), user_name=user,
                rows_read=checked.rows_read, rows_loaded=loaded,
                rows_duplicate=checked.duplicates, rows_rejected=checked.rejected,
                has_revenue=has_revenue,
                feature_columns=[{"name": c, "type": checked.kinds[c]} for c in own]))
            insert_rows(connection, campaign_assignments,
                        ("campaign_id", "customer_id", "group_name"), _chunks(con.execute(
                            f"SELECT $id, r.customer_id, lower(r.\"group\") {good}",
                            {"id": campaign_id})))
            insert_rows(connection, campaign_import_outcomes,
                        ("campaign_id", "customer_id", "is_converted", "revenue_amount",
                         "features"), _chunks(con.execute(
                            f"SELECT $id, r.customer_id, r.converted = '1', {revenue}, "
                            f"{_features_sql(own, checked.kinds)} {good}", {"id": campaign_id})))
            insert_rows(connection, campaign_import_rejects,
                        ("campaign_id", "line_number", "reason", "raw_line"), _chunks(con.execute(
                            f"SELECT $id, d.line_number, d.reason, {_raw_line(header)} "  # noqa: S608
                            "FROM decided AS d JOIN checked AS r USING (line_number) "
                            "WHERE d.reason IS NOT NULL ORDER BY d.line_number",
                            {"id": campaign_id})))
            record(connection, LAUNCH, user=user, campaign_id=campaign_id, row_count=loaded,
                   file_name=label, detail={"source": IMPORT_SOURCE, "results": True,
                                            "rejected": checked.rejected,
                                            "replaced": previous is not None})
    return ImportedCampaign(
        campaign_id=campaign_id, name=name, file_name=label, launched_at=start, ends_at=end,
        rows_read=checked.rows_read, rows_loaded=loaded, rows_duplicate=checked.duplicates,
        rows_rejected=checked.rejected, count_treatment=n_treatment, count_control=n_control,
        count_converted=n_converted, has_revenue=has_revenue,
        feature_columns={c: checked.kinds[c] for c in own}, replaced=previous is not None,
        problems=checked.problems)


@dataclass(frozen=True)
class ImportedOutcomes:
    """An imported campaign's customers with their outcome and the file's own columns
    (``customer_id, group_name, is_converted, revenue_amount`` and one column per own column,
    float for numbers, text otherwise), and those columns' types."""

    frame: pd.DataFrame
    feature_columns: dict[str, str]
    has_revenue: bool


def imported_outcomes(
    db: Path, campaign_id: str, *, ops_url: str | None = None
) -> ImportedOutcomes | None:
    """The file's outcomes of campaign ``campaign_id``; None when its results were not imported
    (or there is no store)."""
    if not ops_store_exists(db, ops_url):
        return None
    o, a = campaign_import_outcomes.c, campaign_assignments.c
    with ops_transaction(ops_store(db, ops_url), readonly=True) as connection:
        load = connection.execute(select(campaign_imports.c.feature_columns,
                                         campaign_imports.c.has_revenue)
                                  .where(campaign_imports.c.campaign_id == campaign_id)).first()
        if load is None:
            return None
        rows = connection.execute(
            select(o.customer_id, a.group_name, o.is_converted, o.revenue_amount, o.features)
            .join(campaign_assignments, (a.campaign_id == o.campaign_id)
                  & (a.customer_id == o.customer_id))
            .where(o.campaign_id == campaign_id).order_by(o.customer_id)).all()
    kinds = {column["name"]: column["type"] for column in load.feature_columns}
    types = {"customer_id": pa.string(), "group_name": pa.string(), "is_converted": pa.bool_(),
             "revenue_amount": pa.float64(), "features": pa.string()}
    columns = list(zip(*rows, strict=True)) or [() for _ in types]
    table = pa.table({name: pa.array(values, kind) for (name, kind), values
                      in zip(types.items(), columns, strict=True)})
    frame = _with_features(table, kinds)
    return ImportedOutcomes(frame, kinds, bool(load.has_revenue))


def _with_features(table: pa.Table, kinds: dict[str, str]) -> pd.DataFrame:
    """The outcome rows with the JSON ``features`` spread into typed columns (in DuckDB)."""
    with duckdb.connect() as con:
        con.register("incoming", table)
        if kinds:
            schema = json.dumps({c: "DOUBLE" if k == NUMBER else "VARCHAR"
                                 for c, k in kinds.items()})
            frame = con.execute(
                "SELECT * EXCLUDE (features, parsed), unnest(parsed) FROM ("
                "SELECT *, json_transform(features, $schema) AS parsed FROM incoming)",
                {"schema": schema}).df()
        else:
            frame = con.execute("SELECT * EXCLUDE (features) FROM incoming").df()
    return frame
