"""Private copies of a built warehouse, so a test can write rules and campaigns freely."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

from warehouse.commands import import_campaign_file, list_campaigns
from warehouse.ops import sqlite_path
from warehouse.paths import snapshot_dir
from warehouse.pipeline.refresh import refresh

DEMO_CAMPAIGN_FILE = "demo_campaign.csv"


def copy_warehouse(source: Path, folder: Path) -> Path:
    """Copy a warehouse file, its published snapshots and its (SQLite) operational store into
    ``folder``. The store is copied with SQLite's backup, which includes what its write-ahead
    log holds."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    shutil.copy2(source, target)
    shutil.copytree(snapshot_dir(source), snapshot_dir(target))
    if sqlite_path(source).exists():
        with closing(sqlite3.connect(sqlite_path(source))) as original, \
                closing(sqlite3.connect(sqlite_path(target))) as copy:
            original.backup(copy)
    return target


def has_demo_campaign(db: Path) -> bool:
    return list_campaigns(db)["campaign_id"].str.startswith("demo-").any()


def board_warehouse(demo_db: Path, demo_folder: Path, folder: Path) -> Path:
    """A copy of the demo warehouse whose snapshot measures the demo's completed campaign
    (imported and refreshed here if the ingest did not bring it)."""
    db = copy_warehouse(demo_db, folder)
    if not has_demo_campaign(db):
        import_campaign_file(db, demo_folder / DEMO_CAMPAIGN_FILE)
        refresh(db, progress=False)
    return db
