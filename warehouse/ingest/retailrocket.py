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

from warehouse.commands import import_campaign_file
from warehouse.ingest.csv_load import Check, CsvSpec, FileJob, run_load, whole_number
from warehouse.ingest.load_summary import IngestError, IngestSummary
from warehouse.ingest.raw import DEFAULT_PRICE_PROPERTY
from warehouse.ingest.raw import price_property as stored_price_property

__all__ = ["IngestError", "IngestSummary", "find_retailrocket_files", "ingest_retailrocket"]

USED_PROPERTIES = ("categoryid", "available")  # plus the price property
DEMO_CAMPAIGN_FILE = "demo_campaign.csv"

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
        whole_number("timestamp"),
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
        whole_number("timestamp"),
        whole_number("itemid"),
        Check("value IS NULL", "'value of ' || property || ' is empty'"),
        Check(
            r"property = $price_property AND regexp_full_match(value, 'n-[0-9]+(\.[0-9]+)?')",
            "'price ''' || value || ''' (property ' || property || ') is negative'",
        ),
        Check(
            f"property = $price_property AND NOT regexp_full_match(value, '{PRICE_PATTERN}')",
            "'price ''' || left(value, 40) || ''' (property ' || property || ') "
            "is not a number written n<number>, e.g. n15360.000'",
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
    window) is recorded in the operational store (``ops_url``, see ``warehouse.ops.ops_url``) once
    the load has committed; importing it again changes nothing.

    Rows already in the warehouse and exact duplicates within a file are dropped (counted);
    bad rows go to ``rejected_rows`` unless a file has more than 5% of them, which refuses the
    whole load (:class:`IngestError`, nothing written). ``price_property`` None keeps the value
    stored by the previous load (default ``790``).
    """
    folder = Path(folder)
    if price_property is not None:
        _check_price_property(price_property)
    files = find_retailrocket_files(folder)
    jobs = [FileJob(spec, files[name], files[name].name) for name, spec in FILES.items()]
    summary = run_load(Path(db), "retailrocket", jobs, progress=progress,
                       prepare=_price_setting(price_property))
    campaign_file = folder / DEMO_CAMPAIGN_FILE
    if campaign_file.is_file():
        try:
            campaign_id = import_campaign_file(Path(db), campaign_file, ops_url=ops_url)
        except ValueError as error:  # the events are committed; say why the campaign is not
            log.warning("%s was not recorded", campaign_file, exc_info=error)
            summary.notes.append(f"{DEMO_CAMPAIGN_FILE} was not recorded: {error}")
        else:
            summary.notes.append(f"Recorded the past campaign {campaign_id} "
                                 f"from {DEMO_CAMPAIGN_FILE}.")
    return summary
