"""Export a campaign's treatment and control groups as formula-safe CSV, audited.

Treatment columns: customer_id, group, action, channel, offer, segment, clv_amount (currency
units). The control group is the hold-out: its file is named ``…_control_do_not_contact.csv`` and
says "do not contact" in an ``instruction`` column instead of an action, channel and offer, so an
upload of the wrong file has nothing to send. Text
cells are neutralised against spreadsheet formula injection (``warehouse.csv_safety``): customer
ids, offers and segment names come from data files and users. Every export — file or dashboard
download — appends an ``audit_log`` row per group (event 'export', user, campaign, group, rows,
file name).

Files are all or nothing: both groups are written to temporary files in the target folder, both
audit rows are committed in one transaction, and only then are the files renamed into place
(``os.replace``, atomic within a folder). An export killed before the commit leaves the previous
files and no audit row; one killed after it has logged both groups (the log never misses a file
handed out, which is what it is for).
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
from sqlalchemy import Engine

from warehouse.commands.audit import EXPORT, check_user, record
from warehouse.commands.campaigns.storage import (
    CHUNK_ROWS,
    CONTROL,
    GROUPS,
    campaign_row,
    count_group,
    group_member_batches,
    group_members,
)
from warehouse.csv_safety import safe_csv_chunks, to_safe_csv
from warehouse.ops import ops_store, ops_transaction

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


def _write_temporary(target: Path, text: str) -> Path:
    """``text`` in a new hidden file beside ``target`` (created exclusively, so two exports at
    once never share one; permissions as any new file's)."""
    path = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    with path.open("x", encoding="utf-8", newline="") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    return path


def export_campaign(
    db: Path, campaign_id: str, out_dir: Path, *, user: str, ops_url: str | None = None
) -> list[Path]:
    """Write ``<campaign_id>_treatment.csv`` and ``_control_do_not_contact.csv`` into
    ``out_dir`` for ``user``; both groups are logged, and both files replace any earlier ones, or
    neither."""
    user = check_user(user)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    engine = ops_store(db, ops_url)
    with ops_transaction(engine, readonly=True) as connection:
        frames = {group: group_members(connection, campaign_id, group)[list(export_columns(group))]
                  for group in GROUPS}
    targets = {group: out_dir / export_file_name(campaign_id, group) for group in GROUPS}
    for target in targets.values():  # so that the renames after the audit commit can all happen
        if target.exists() and not target.is_file():
            raise ValueError(f"cannot export to {target}: something other than a file is there")
    temporary: dict[str, Path] = {}
    try:
        for group, frame in frames.items():
            temporary[group] = _write_temporary(targets[group], to_safe_csv(frame))
        with ops_transaction(engine) as connection:
            for group, frame in frames.items():
                record(connection, EXPORT, user=user, campaign_id=campaign_id,
                       group_name=group, row_count=len(frame), file_name=str(targets[group]))
        for group in GROUPS:
            os.replace(temporary.pop(group), targets[group])
    finally:
        for leftover in temporary.values():
            with suppress(FileNotFoundError):
                leftover.unlink()
    log.info("%s exported campaign %s to %s", user, campaign_id, out_dir)
    return [targets[group] for group in GROUPS]
