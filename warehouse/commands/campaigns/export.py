"""Export a campaign's treatment and control groups as formula-safe CSV, audited.

Treatment columns: customer_id, group, action, channel, offer, segment, clv_amount (currency
units). The control group is the hold-out: its file is named ``…_control_do_not_contact.csv`` and
says "do not contact" in an ``instruction`` column instead of an action, channel and offer, so an
upload of the wrong file has nothing to send. Text
cells are neutralised against spreadsheet formula injection (``warehouse.csv_safety``): customer
ids, offers and segment names come from data files and users. Every export — file or dashboard
download — appends an ``audit_log`` row per group (event 'export', user, campaign, group, rows,
file name).

Files are all or nothing: both groups are written to hidden temporary files in the target folder
(``.<file name>.<pid>-<random>.tmp``), both audit rows are committed in one transaction, and only
then are the files renamed into place (``os.replace``, atomic within a folder). An export killed
before the commit leaves the previous files and no audit row; one killed after it has logged both
groups (the log never misses a file handed out, which is what it is for).

Two renames cannot be one atomic step, yet the pair stays consistent: a campaign never changes
once launched (its assignments are frozen, its row is never updated), and both files are written
from it alone, in customer order, so every export of a campaign writes the same bytes. A kill
between the two renames therefore leaves each file either as it was or as the new export writes
it, and those are the same file when the campaign was exported there before. On a first export
such a kill leaves the control file alone (it is renamed first): a list of customers not to
contact, nothing to send. The next export of any campaign into the folder deletes the temporary
files that killed exports left (those whose process is gone, never those of an export running
beside it) and places the pair.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine

from warehouse.commands.audit import EXPORT, check_user, record
from warehouse.commands.campaigns.storage import (
    CHUNK_ROWS,
    CONTROL,
    GROUPS,
    TREATMENT,
    campaign_row,
    count_group,
    group_member_batches,
)
from warehouse.csv_safety import safe_csv_chunks
from warehouse.ops import ops_store, ops_transaction
from warehouse.processes import remove_abandoned

EXPORT_COLUMNS = ("customer_id", "group", "action", "channel", "offer", "segment", "clv_amount")
CONTROL_EXPORT_COLUMNS = ("customer_id", "group", "instruction", "segment", "clv_amount")


def export_columns(group_name: str) -> tuple[str, ...]:
    """The columns of ``group_name``'s file: the control file has nothing to send."""
    return CONTROL_EXPORT_COLUMNS if group_name == CONTROL else EXPORT_COLUMNS


log = logging.getLogger(__name__)


def export_file_name(campaign_id: str, group_name: str) -> str:
    """``<campaign_id>_treatment.csv`` or ``<campaign_id>_control_do_not_contact.csv``;
    characters other than letters, digits, .-_ become _."""
    stem = f"{campaign_id}_{group_name}"
    if group_name == CONTROL:
        stem += "_do_not_contact"
    return re.sub(r"[^A-Za-z0-9._-]", "_", stem) + ".csv"


@dataclass(frozen=True)
class GroupExport:
    """One group handed out: its file name, its size, its columns (``export_columns``) and its
    rows in frames read from the store as they are consumed."""

    file_name: str
    row_count: int
    columns: tuple[str, ...]
    frames: Iterator[pd.DataFrame]


def campaign_group_export(
    db: Path, campaign_id: str, group_name: str, *, user: str, ops_url: str | None = None,
    batch_rows: int = CHUNK_ROWS,
) -> GroupExport:
    """One group for a download by ``user``, logged before any row is read: a server streams
    ``frames`` (``safe_csv_chunks``) with memory bounded by ``batch_rows``. UnknownCampaignError
    or ValueError (an unknown group) before anything is logged."""
    user = check_user(user)
    file_name = export_file_name(campaign_id, group_name)
    engine = ops_store(db, ops_url)
    with ops_transaction(engine) as connection:
        row_count = count_group(connection, campaign_id, group_name)
        record(connection, EXPORT, user=user, campaign_id=campaign_id, group_name=group_name,
               row_count=row_count, file_name=file_name)
    log.info("%s downloads %s (%d customers)", user, file_name, row_count)
    return GroupExport(file_name, row_count, export_columns(group_name),
                       _group_frames(engine, campaign_id, group_name, batch_rows))


def _group_frames(engine: Engine, campaign_id: str, group_name: str,
                  batch_rows: int) -> Iterator[pd.DataFrame]:
    with ops_transaction(engine, readonly=True) as connection:
        campaign_row(connection, campaign_id)
        for frame in group_member_batches(connection, campaign_id, group_name, batch_rows):
            yield frame[list(export_columns(group_name))]


def campaign_group_csv(
    db: Path, campaign_id: str, group_name: str, *, user: str, ops_url: str | None = None
) -> tuple[str, str, int]:
    """(file name, CSV text, customers in it) of one group for a download by ``user``; the
    download is logged before the text is returned. The text is held whole: a server streams
    ``campaign_group_export`` instead."""
    export = campaign_group_export(db, campaign_id, group_name, user=user, ops_url=ops_url)
    return (export.file_name, "".join(safe_csv_chunks(export.frames, export.columns)),
            export.row_count)


TEMPORARY_NAME = re.compile(r"^\..+\.csv\.(?P<pid>[0-9]+)-[0-9a-f]+\.tmp$")
RENAME_ORDER = (CONTROL, TREATMENT)  # the file that lists customers to contact comes last


def _temporary_path(target: Path) -> Path:
    """A new hidden file name beside ``target``, naming this process (so the next export can
    tell a killed export's file from one still being written)."""
    return target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


def remove_abandoned_exports(out_dir: Path) -> list[Path]:
    """Delete the temporary files of exports into ``out_dir`` that were killed: their process
    is gone. This process's own files and those of running exports stay. Returns the paths
    deleted."""
    return remove_abandoned(out_dir.glob(".*.tmp"), TEMPORARY_NAME, "an export")


def _write_group(connection: Connection, campaign_id: str, group_name: str,
                 path: Path) -> int:
    """Write one group to the new file ``path`` (created exclusively) batch by batch, synced to
    disk; return its customers."""
    columns = export_columns(group_name)
    rows = 0

    def counted(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        nonlocal rows
        for frame in frames:
            rows += len(frame)
            yield frame[list(columns)]

    with path.open("x", encoding="utf-8", newline="") as file:
        for chunk in safe_csv_chunks(counted(group_member_batches(
                connection, campaign_id, group_name)), columns):
            file.write(chunk)
        file.flush()
        os.fsync(file.fileno())
    return rows


def export_campaign(
    db: Path, campaign_id: str, out_dir: Path, *, user: str, ops_url: str | None = None
) -> list[Path]:
    """Write ``<campaign_id>_treatment.csv`` and ``_control_do_not_contact.csv`` into
    ``out_dir`` for ``user``; both groups are logged, and both files replace any earlier ones, or
    neither. Memory is bounded by a batch of the store's rows, whatever the campaign's size."""
    user = check_user(user)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    engine = ops_store(db, ops_url)
    targets = {group: out_dir / export_file_name(campaign_id, group) for group in GROUPS}
    for target in targets.values():  # so that the renames after the audit commit can all happen
        if target.exists() and not target.is_file():
            raise ValueError(f"cannot export to {target}: something other than a file is there")
    remove_abandoned_exports(out_dir)
    temporary: dict[str, Path] = {}
    rows: dict[str, int] = {}
    try:
        with ops_transaction(engine, readonly=True) as connection:  # one view of the store
            campaign_row(connection, campaign_id)  # a clear error before any file is made
            for group in GROUPS:
                temporary[group] = _temporary_path(targets[group])
                rows[group] = _write_group(connection, campaign_id, group, temporary[group])
        with ops_transaction(engine) as connection:
            for group in GROUPS:
                record(connection, EXPORT, user=user, campaign_id=campaign_id,
                       group_name=group, row_count=rows[group], file_name=str(targets[group]))
        for group in RENAME_ORDER:
            os.replace(temporary.pop(group), targets[group])
    finally:
        for leftover in temporary.values():
            with suppress(FileNotFoundError):
                leftover.unlink()
    log.info("%s exported campaign %s to %s", user, campaign_id, out_dir)
    return [targets[group] for group in GROUPS]
