"""The customer activity profile from either source, as frames for the decline model.

* ``market_profile``: the "One Click" files loaded by ``python app.py ingest-market``
  (``warehouse/sql/market/market_profile.sql``), labels as published; customers without revenue
  in one of the three months are left out, as the published studies do.
* ``events_profiles``: the event warehouse, out of time. Training rows are the customers who
  bought in each of the three periods before the training cut-off ``T = as-of cut-off − one
  period``; their features read only data before ``T``
  (``warehouse/sql/features/decline_features.sql``) and their label compares the period after
  ``T`` with the three before it (``warehouse/sql/labels/decline_labels.sql``). Scoring rows are
  the customers who bought in each of the three periods before the as-of cut-off, with features
  as of that cut-off and no label (their next period has not happened yet).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.clock import cutoff_after
from warehouse.features import build_features, open_raw, set_cutoff
from warehouse.frames import insert_frame
from warehouse.queries.decline import CONTACT_COLUMNS, treatment_contacts
from warehouse.snapshots import current_snapshot, open_snapshot
from warehouse.sql.runner import SQL_DIR, read_query

MARKET_PROFILE_SQL = SQL_DIR / "market" / "market_profile.sql"
LABELS_SQL = SQL_DIR / "labels" / "decline_labels.sql"
FEATURE_SET = "decline_features"
MARKET_TABLES = ("market_customers", "market_revenue", "market_minutes", "market_profit")
REVENUE_MONTHS = ("revenue_current_month", "revenue_previous_month", "revenue_earlier_month")

log = logging.getLogger(__name__)


def _raw_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'raw'").fetchall()
    return {name for (name,) in rows}


def has_market_data(db: Path) -> bool:
    """Whether warehouse ``db`` holds One Click customers (``ingest-market`` ran)."""
    with open_raw(db) as con:
        if "market_customers" not in _raw_tables(con):
            return False
        return bool(con.execute("SELECT EXISTS (FROM raw.market_customers)").fetchone()[0])


@dataclass
class MarketProfile:
    """The published customers to train on and score, and how many were left out."""

    profile: pd.DataFrame
    without_revenue: int  # customers without revenue in one of the three months


def market_profile(db: Path) -> MarketProfile:
    """The One Click profile of every customer with revenue in each of the three months."""
    with open_raw(db) as con:
        missing = [t for t in MARKET_TABLES if t not in _raw_tables(con)]
        if missing:
            raise ValueError(f"{db} holds no One Click files ({', '.join(missing)} missing): "
                             f"load them with python app.py ingest-market DIR --db {db}")
        frame = con.sql(read_query(MARKET_PROFILE_SQL)).df()
    active = (frame[list(REVENUE_MONTHS)].fillna(0) > 0).all(axis=1)
    return MarketProfile(frame[active].reset_index(drop=True), int((~active).sum()))


def last_data_day(db: Path) -> date:
    """The last day with an event or an order in warehouse ``db``."""
    with open_raw(db) as con:
        tables = _raw_tables(con)
        parts = []
        if "events" in tables:
            parts.append('SELECT CAST(epoch_ms(max("timestamp")) AS DATE) AS day FROM raw.events')
        if "orders" in tables:
            parts.append("SELECT CAST(max(ordered_at) AS DATE) AS day FROM raw.orders")
        union = " UNION ALL ".join(parts)
        day = con.execute(f"SELECT max(day) FROM ({union})").fetchone()[0] if parts else None  # noqa: S608
    if day is None:
        raise ValueError(f"{db} holds no events and no orders: load data first with "
                         "python app.py ingest DIR")
    return day


def snapshot_contacts(db: Path) -> pd.DataFrame:
    """Treatment rows of the campaigns in the current snapshot (empty without one)."""
    if current_snapshot(db) is None:
        return pd.DataFrame(columns=list(CONTACT_COLUMNS))
    with open_snapshot(db) as con:
        try:
            return treatment_contacts(con)
        except duckdb.CatalogException:
            log.warning("the current snapshot holds no campaigns; no marketing contacts counted")
            return pd.DataFrame(columns=list(CONTACT_COLUMNS))


@dataclass
class EventProfiles:
    """Training rows (labelled) at ``train_cutoff_at`` and scoring rows at ``cutoff_at``."""

    train: pd.DataFrame
    score: pd.DataFrame
    train_cutoff_at: datetime
    cutoff_at: datetime


def _set(con: duckdb.DuckDBPyConnection, name: str, value: object, sql_type: str) -> None:
    con.execute(f"SET VARIABLE {name} = CAST(? AS {sql_type})", [value])


def events_profiles(
    db: Path,
    as_of: date,
    contacts: pd.DataFrame,
    *,
    period_days: int,
    decline_share: float,
) -> EventProfiles:
    """Training and scoring profiles of warehouse ``db`` as of ``as_of`` (see the module)."""
    cutoff_at = cutoff_after(as_of)
    train_cutoff_at = cutoff_at - timedelta(days=int(period_days))
    with open_raw(db) as con:
        con.execute("CREATE TEMP TABLE campaign_contacts (customer_id VARCHAR, "
                    "launched_at TIMESTAMP, ends_at TIMESTAMP, has_offer BOOLEAN)")
        insert_frame(con, "campaign_contacts", contacts[list(CONTACT_COLUMNS)])
        _set(con, "decline_period_days", int(period_days), "INTEGER")
        _set(con, "decline_share", float(decline_share), "DOUBLE")
        _set(con, "decline_label_start", train_cutoff_at, "TIMESTAMP")
        build_features(con, FEATURE_SET, train_cutoff_at, "train_features")
        set_cutoff(con, cutoff_at)  # the label period ends at the as-of cut-off
        con.execute(f"CREATE TEMP TABLE labels AS {read_query(LABELS_SQL)}")
        train = con.sql(
            "SELECT features.*, labels.purchase_activity FROM train_features AS features "
            "JOIN labels USING (customer_id) ORDER BY customer_id").df()
        build_features(con, FEATURE_SET, cutoff_at, "score_features")
        score = con.sql("SELECT * FROM score_features ORDER BY customer_id").df()
    score["purchase_activity"] = None
    return EventProfiles(train, score, train_cutoff_at, cutoff_at)
