"""Loading a folder of RetailRocket files (Kaggle "retailrocket/ecommerce-dataset") into the
warehouse's raw tables ``events``, ``item_properties`` and ``category_tree``, Kaggle names kept.

Only the item properties the product uses are kept: ``categoryid``, ``available`` and the price
property (``790`` by community convention; configurable and remembered in ``settings``). The other
~90% of property rows are skipped while reading.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import duckdb

from warehouse.ingest.csv_load import LoadStep, run_load
from warehouse.ingest.csv_spec import MAX_AMOUNT, Check, CsvSpec, FileJob, epoch_ms, whole_number
from warehouse.ingest.demo_campaign import (
    DEMO_CAMPAIGN_FILE,
    DemoCampaign,
    check_demo_campaign,
    demo_campaign_note,
    record_demo_campaign,
)
from warehouse.ingest.load_summary import IngestError, IngestSummary
from warehouse.ingest.raw import DEFAULT_PRICE_PROPERTY
from warehouse.ingest.raw import price_property as stored_price_property

__all__ = ["IngestError", "IngestSummary", "find_retailrocket_files", "ingest_retailrocket"]

USED_PROPERTIES = ("categoryid", "available")  # plus the price property
PROPERTIES_SHOWN = 20  # properties listed when the price property is not among them

log = logging.getLogger(__name__)

EVENTS = CsvSpec(
    table="events",
    columns=("timestamp", "visitorid", "event", "itemid", "transactionid"),
    typed=(
        'TRY_CAST("timestamp" AS BIGINT)',
        "TRY_CAST(visitorid AS BIGINT)",
        "event",
        "TRY_CAST(itemid AS BIGINT)",
        "TRY_CAST(transactionid AS BIGINT)",
    ),
    checks=(  # each rule is one pass of the CASE over every row: related rules share one
        epoch_ms("timestamp"),
        whole_number("visitorid"),
        Check(
            "event IS NULL OR event NOT IN ('view', 'addtocart', 'transaction')",
            "CASE WHEN event IS NULL THEN 'event is empty' ELSE 'unknown event type ''' || "
            "left(event, 40) || ''' (expected view, addtocart or transaction)' END",
        ),
        whole_number("itemid"),
        whole_number("transactionid", required=False),
        Check(
            "(event = 'transaction') = (transactionid IS NULL)",
            "CASE WHEN transactionid IS NULL THEN 'transaction without a transactionid' "
            "ELSE 'transactionid on a ' || event || ' event (only transactions have one)' END",
        ),
    ),
)

PRICE_PATTERN = r"n[0-9]+(\.[0-9]+)?"

ITEM_PROPERTIES = CsvSpec(
    table="item_properties",
    columns=("timestamp", "itemid", "property", "value"),
    typed=('TRY_CAST("timestamp" AS BIGINT)', "TRY_CAST(itemid AS BIGINT)", "property", "value"),
    keep="property IN ('categoryid', 'available', $price_property)",
    checks=(
        epoch_ms("timestamp"),
        whole_number("itemid"),
        Check("value IS NULL", "'value of ' || property || ' is empty'"),
        Check(  # one rule for prices: one pass of the CASE, the pattern tested once per price
            f"property = $price_property AND (NOT regexp_full_match(value, '{PRICE_PATTERN}') "
            f"OR TRY_CAST(ltrim(value, 'n') AS DOUBLE) > {MAX_AMOUNT})",
            r"CASE WHEN regexp_full_match(value, 'n-[0-9]+(\.[0-9]+)?') "
            "THEN 'price ''' || value || ''' (property ' || property || ') is negative' "
            f"WHEN NOT regexp_full_match(value, '{PRICE_PATTERN}') "
            "THEN 'price ''' || left(value, 40) || ''' (property ' || property || ') "
            "is not a number written n<number>, e.g. n15360.000' "
            "ELSE 'price ''' || left(value, 40) || ''' (property ' || property || ') is "
            f"implausibly large (more than {MAX_AMOUNT:,.0f})' END",
        ),
        Check(
            "property = 'available' AND value NOT IN ('0', '1')",
            "'available must be 0 or 1, got ''' || left(value, 40) || ''''",
        ),
        Check(
            "property = 'categoryid' AND (value GLOB '*[!0-9]*' OR length(value) > 18)",
            "'categoryid ''' || left(value, 40) || ''' is not a whole number'",
        ),
    ),
)

CATEGORY_TREE = CsvSpec(
    table="category_tree",
    columns=("categoryid", "parentid"),
    typed=("TRY_CAST(categoryid AS BIGINT)", "TRY_CAST(parentid AS BIGINT)"),
    checks=(
        whole_number("categoryid"),
        whole_number("parentid", required=False),
        Check(
            "min(coalesce(TRY_CAST(parentid AS BIGINT), -1)) OVER (PARTITION BY "
            "TRY_CAST(categoryid AS BIGINT)) <> max(coalesce(TRY_CAST(parentid AS BIGINT), -1)) "
            "OVER (PARTITION BY TRY_CAST(categoryid AS BIGINT))",
            "'category ' || categoryid || ' is listed more than once with different parents'",
        ),
    ),
    upsert_key="categoryid",
)

FILES = {  # in load order: small files first, so a bad big file costs little time
    "category_tree": CATEGORY_TREE,
    "item_properties_part1": ITEM_PROPERTIES,
    "item_properties_part2": ITEM_PROPERTIES,
    "events": EVENTS,
}


def find_retailrocket_files(folder: Path) -> dict[str, Path]:
    """The four expected files in ``folder`` by base name, each ``NAME.csv`` or ``NAME.csv.gz``.

    Anything else in the folder (ground_truth_*, demo_campaign.csv, ...) is ignored here."""
    if not folder.is_dir():
        raise FileNotFoundError(f"No folder {folder}: expected a folder holding the RetailRocket "
                                f"files {_expected_files()}")
    found: dict[str, Path] = {}
    for name in FILES:
        candidates = [p for p in (folder / f"{name}.csv", folder / f"{name}.csv.gz") if p.is_file()]
        if not candidates:
            raise IngestError(f"{folder}: missing {name}.csv (or {name}.csv.gz); "
                              f"expected files: {_expected_files()}")
        if len(candidates) > 1:
            raise IngestError(f"{folder}: both {name}.csv and {name}.csv.gz are present; "
                              "keep only one of them")
        found[name] = candidates[0]
    return found


def _expected_files() -> str:
    return ", ".join(f"{name}.csv" for name in FILES) + " (each may be gzipped: .csv.gz)"


def _check_price_property(value: str) -> str:
    value = value.strip()
    if not value or value in USED_PROPERTIES:
        raise IngestError(
            f"price property {value!r} is not usable: expected the key of the item property that "
            f"holds prices (default {DEFAULT_PRICE_PROPERTY}), not empty, categoryid or available"
        )
    return value


def _price_setting(
    requested: str | None,
) -> Callable[[duckdb.DuckDBPyConnection], dict[str, object]]:
    """A ``prepare`` step for run_load: settle and store the price property, in the load's
    transaction, and hand it to the specs as ``$price_property``."""

    def prepare(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
        value = (stored_price_property(con) if requested is None
                 else _check_price_property(requested))
        con.execute(
            "INSERT INTO settings VALUES ('price_property', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [value],
        )
        return {"price_property": value}

    return prepare


def _require_price_property(
    files: list[Path], requested: str | None
) -> Callable[[duckdb.DuckDBPyConnection, dict[str, object]], None]:
    """A check run once the property files are written: some item has the price property, in
    this load or an earlier one, unless the files hold no property at all. Otherwise the load is
    refused, listing the properties the files do hold."""

    def check(con: duckdb.DuckDBPyConnection, params: dict[str, object]) -> None:
        value = str(params["price_property"])
        if con.execute("SELECT EXISTS (SELECT 1 FROM item_properties WHERE property = ?)",
                       [value]).fetchone()[0]:
            return
        found = _properties_in(con, files)
        if not found:
            return
        shown = ", ".join(f"{name} ({rows:,} row{'s' if rows > 1 else ''})"
                          for name, rows in found[:PROPERTIES_SHOWN])
        more = (f" and {len(found) - PROPERTIES_SHOWN:,} more"
                if len(found) > PROPERTIES_SHOWN else "")
        origin = ("given with --price-property" if requested is not None
                  else "the default, or the one the last load used")
        raise IngestError(
            f"price property {value!r} ({origin}) is not a property of any item in "
            f"{' or '.join(f.name for f in files)} or in the warehouse; the properties there, "
            f"most frequent first: {shown}{more}. Name the one holding prices with "
            "--price-property; nothing was loaded."
        )

    return check


def _properties_in(con: duckdb.DuckDBPyConnection, files: list[Path]) -> list[tuple[str, int]]:
    """The properties of the item property files with their row counts, most frequent first.
    Read on a cursor of its own, tolerating bad lines: it only names what exists."""
    reader = con.cursor()
    try:
        return reader.execute(
            "SELECT property, count(*) FROM read_csv($paths, header = true, all_varchar = true, "
            "ignore_errors = true, union_by_name = true) WHERE property IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC, 1",
            {"paths": [str(f) for f in files]},
        ).fetchall()
    except duckdb.Error:
        return []
    finally:
        reader.close()


def ingest_retailrocket(
    db: Path,
    folder: Path,
    price_property: str | None = None,
    progress: bool = True,
    *,
    ops_url: str | None = None,
) -> IngestSummary:
    """Load ``events``, ``item_properties_part1/2`` and ``category_tree`` from ``folder``
    (``.csv`` or ``.csv.gz``) into the warehouse ``db`` as one transaction.

    A ``demo_campaign.csv`` beside them (the demo's completed past campaign: audience, groups,
    window) is part of the load: it is checked before anything is written and recorded in the
    operational store (``ops_url``, see ``warehouse.ops.ops_url``) just before the warehouse
    commits; a bad campaign file refuses the whole load. Importing it again changes nothing.

    Rows already in the warehouse and exact duplicates within a file are dropped (counted);
    bad rows go to ``rejected_rows`` unless a file has more than 5% of them, which refuses the
    whole load (:class:`IngestError`, nothing written). ``price_property`` None keeps the value
    stored by the previous load (default ``790``); a price property no item has is refused.
    """
    folder = Path(folder)
    if price_property is not None:
        _check_price_property(price_property)
    files = find_retailrocket_files(folder)
    campaign_file = folder / DEMO_CAMPAIGN_FILE
    campaign = check_demo_campaign(campaign_file) if campaign_file.is_file() else None
    properties = [files["item_properties_part1"], files["item_properties_part2"]]
    steps = [
        LoadStep(FileJob(spec, files[name], files[name].name),
                 then=(_require_price_property(properties, price_property)
                       if name == "item_properties_part2" else None))
        for name, spec in FILES.items()
    ]
    recorded: list[str] = []
    summary = run_load(Path(db), "retailrocket", steps, progress=progress,
                       prepare=_price_setting(price_property),
                       before_commit=_recorder(Path(db), campaign, recorded, ops_url))
    if recorded:
        summary.notes.append(demo_campaign_note(recorded[0]))
    return summary


def _recorder(
    db: Path, campaign: DemoCampaign | None, recorded: list[str], ops_url: str | None
) -> Callable[[IngestSummary], None] | None:
    """The load's last step before COMMIT: record the checked demo campaign, if any."""
    if campaign is None:
        return None

    def record(_summary: IngestSummary) -> None:
        recorded.append(record_demo_campaign(db, campaign, ops_url=ops_url))
        log.info("recorded the demo campaign %s; committing the load", recorded[0])

    return record
