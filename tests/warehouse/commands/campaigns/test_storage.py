"""Campaigns as the store holds them, on both backends: the list with group counts and status,
and the bulk read the refresh copies into a snapshot."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from tests.support.campaigns import insert_campaign_row
from tests.support.ops_store import StoreCase
from warehouse.commands import launch_audience, list_campaigns
from warehouse.commands.campaigns.storage import campaign_chunks
from warehouse.ops import sqlite_path
from warehouse.schema.campaigns import CAMPAIGN_STATUS_SQL

OFFER = {"name": "Picks", "action": "Call", "channel": "email", "offer": "10% off",
         "kpi": "conversion rate", "source": "daily_list", "user": "ana"}


def test_campaigns_are_listed_newest_first_with_counts_and_their_state(store: StoreCase) -> None:
    db, url = store.db, store.url
    for number, (launched, ends) in enumerate([(datetime(2015, 6, 1), datetime(2015, 6, 10)),
                                               (datetime(2015, 6, 5), datetime(2015, 7, 5)),
                                               (datetime(2015, 7, 1), datetime(2015, 7, 9))]):
        insert_campaign_row(db, url, campaign_id=f"c-{number}", launched_at=launched,
                            ends_at=ends)
    launch_audience(db, [f"x{i}" for i in range(10)], launched_at=datetime(2015, 6, 20),
                    control_share=0.3, ops_url=url, **OFFER)
    listed = list_campaigns(db, datetime(2015, 6, 20), ops_url=url)
    assert listed["campaign_id"].tolist() == ["c-2", "c-20150620-1", "c-1", "c-0"]
    assert listed["status"].tolist() == ["scheduled", "scheduled", "running", "completed"]
    assert listed["count_treatment"].tolist() == [0, 7, 0, 0]
    assert listed["count_control"].tolist() == [0, 3, 0, 0]
    assert set(list_campaigns(db, ops_url=url)["status"]) == {"scheduled"}  # no data yet
    assert listed["launched_at"].dtype.kind == "M" and listed["audience_size"].dtype == "int64"


def test_the_store_and_the_snapshot_apply_the_same_status_rule(store: StoreCase) -> None:
    db, url = store.db, store.url
    cutoff = datetime(2015, 6, 20)
    for number, (launched, ends) in enumerate([  # before, at and after the cut-off
            (datetime(2015, 6, 1), datetime(2015, 6, 20)), (datetime(2015, 6, 1), cutoff),
            (datetime(2015, 6, 1), datetime(2015, 6, 21)), (cutoff, datetime(2015, 7, 1)),
            (datetime(2015, 6, 19, 23, 59), datetime(2015, 6, 20, 0, 1))]):
        insert_campaign_row(db, url, campaign_id=f"c-{number}", launched_at=launched,
                            ends_at=ends)
    listed = list_campaigns(db, cutoff, ops_url=url).sort_values("campaign_id")
    with duckdb.connect() as con:
        con.register("listed", listed[["campaign_id", "launched_at", "ends_at"]])
        in_snapshot = [status for (status,) in con.execute(
            f"SELECT {CAMPAIGN_STATUS_SQL} FROM listed ORDER BY campaign_id",
            {"cutoff_at": cutoff}).fetchall()]
    assert listed["status"].tolist() == in_snapshot == [
        "completed", "completed", "running", "scheduled", "running"]


def test_the_refresh_reads_every_campaign_and_assignment_in_bounded_chunks(
    store: StoreCase,
) -> None:
    db, url = store.db, store.url
    launch_audience(db, [f"x{i:02d}" for i in range(7)], launched_at=datetime(2015, 6, 1),
                    ops_url=url, **OFFER)
    launch_audience(db, ["y1", "y2"], launched_at=datetime(2015, 6, 2), ops_url=url, **OFFER)
    chunks = list(campaign_chunks(db, url, chunk_rows=3))
    assert [(table, chunk.num_rows) for table, chunk in chunks] == [
        ("campaigns", 2), ("campaign_assignments", 3), ("campaign_assignments", 3),
        ("campaign_assignments", 3)]
    assignments = pa.concat_tables([chunk for table, chunk in chunks
                                    if table == "campaign_assignments"])
    assert assignments.column("customer_id").to_pylist() == [
        *[f"x{i:02d}" for i in range(7)], "y1", "y2"]
    assert assignments.column("segment").null_count == 9  # NULL stays NULL, not 'None' or NaN
    campaigns = chunks[0][1]
    assert campaigns.schema.field("launched_at").type == pa.timestamp("us")
    assert campaigns.column("clock").to_pylist() == ["given", "given"]


def test_without_a_store_the_refresh_reads_nothing_and_creates_nothing(tmp_path: Path,
                                                                       monkeypatch) -> None:
    monkeypatch.delenv("ACTIONBOARD_OPS_URL", raising=False)
    db = tmp_path / "w.duckdb"
    assert list(campaign_chunks(db)) == []
    assert not sqlite_path(db).exists()
