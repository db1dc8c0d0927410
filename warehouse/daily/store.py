"""Where the daily list keeps what it computed, beside the warehouse: ``<db stem>.daily/``.

    cache/features/<D>.parquet   the candidates of report date D and their features (cut at D)
    cache/outcomes/<D>.parquet   what D's candidates bought in [D, D + horizon) (cut at its end)
    lists/<D>/scores.parquet     every candidate of D: probability, baseline score, list flags,
                                 recent behaviour and segment, the model version that scored it
    lists/<D>/list.parquet       the listed candidates alone, by rank (what the page shows)
    lists/<D>/top_250_report_ddmmyyyy.csv   the list file, byte for byte as handed out
    pva/<D>/rows.parquet, summary.parquet, pva_report_ddmmyyyy.csv   D's list against what
                                 happened (written once D's outcome window has closed)
    lists/<D>/view.json, pva/<D>/view.json   what the page shows of a report, ready to send:
                                 its rows, summary and model's explanation (one small read)
    effects/<model>/v<version>.parquet      what a model version learned, in sentences
    history.parquet              per report date: candidates, buyers, the lists' conversions
    backtest/*.parquet           the last backtest: per day, total, strategies, reliability
    status.json                  the data's "today" and the settings at the last job

The cache holds facts that depend only on the raw rows before a cut-off, so any job or backtest
may reuse them; each file carries the row counts of the raw tables before its cut-off, and a
file whose counts no longer match (rows dated before the cut-off were loaded since) is computed
again. Everything is written to a temporary file in its folder and renamed into place, so a page
reading the store sees the old file or the new one, never a part.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

DAILY_SUFFIX = ".daily"
_FINGERPRINT_KEY = b"actionboard.fingerprint"


def daily_dir(db: Path) -> Path:
    """The daily list's folder of warehouse ``db``: ``<db stem>.daily``."""
    return db.with_name(db.stem + DAILY_SUFFIX)


def _replace(target: Path, write) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=".writing-", suffix=".tmp")
    os.close(handle)
    try:
        write(name)
        os.replace(name, target)
    finally:
        Path(name).unlink(missing_ok=True)
    return target


def write_bytes(target: Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically; an identical file is left untouched."""
    if target.is_file() and target.read_bytes() == data:
        return target
    return _replace(target, lambda name: Path(name).write_bytes(data))


def write_frame(target: Path, frame: pd.DataFrame, fingerprint: Any = None) -> Path:
    """Write ``frame`` as Parquet atomically, with an optional JSON ``fingerprint``; a file
    holding the same rows and fingerprint is left untouched."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if fingerprint is not None:
        metadata = dict(table.schema.metadata or {})
        metadata[_FINGERPRINT_KEY] = json.dumps(fingerprint).encode()
        table = table.replace_schema_metadata(metadata)
    if target.is_file():
        existing = pq.read_table(target)
        if existing.equals(table, check_metadata=True):
            return target
    return _replace(target, lambda name: pq.write_table(table, name))


def write_json(target: Path, content: Any) -> Path:
    """Write ``content`` as JSON atomically; an identical file is left untouched."""
    return write_bytes(target, json.dumps(content, sort_keys=True, allow_nan=False).encode())


def read_json(path: Path) -> Any:
    return json.loads(path.read_bytes())


def read_frame(path: Path) -> pd.DataFrame:
    return pq.read_table(path).to_pandas()


def read_fingerprint(path: Path) -> Any:
    """The fingerprint stored with a Parquet file (None without one or without the file)."""
    if not path.is_file():
        return None
    metadata = pq.read_schema(path).metadata or {}
    raw = metadata.get(_FINGERPRINT_KEY)
    return json.loads(raw) if raw else None


class DailyStore:
    """The files of one daily-list folder (see the module docstring for the layout)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    @classmethod
    def for_db(cls, db: Path) -> DailyStore:
        return cls(daily_dir(Path(db)))

    def features(self, day: date) -> Path:
        return self.folder / "cache" / "features" / f"{day.isoformat()}.parquet"

    def outcomes(self, day: date) -> Path:
        return self.folder / "cache" / "outcomes" / f"{day.isoformat()}.parquet"

    def list_dir(self, day: date) -> Path:
        return self.folder / "lists" / day.isoformat()

    def scores(self, day: date) -> Path:
        return self.list_dir(day) / "scores.parquet"

    def listed(self, day: date) -> Path:
        return self.list_dir(day) / "list.parquet"

    def list_view(self, day: date) -> Path:
        return self.list_dir(day) / "view.json"

    def pva_dir(self, day: date) -> Path:
        return self.folder / "pva" / day.isoformat()

    def pva_rows(self, day: date) -> Path:
        return self.pva_dir(day) / "rows.parquet"

    def pva_summary(self, day: date) -> Path:
        return self.pva_dir(day) / "summary.parquet"

    def pva_view(self, day: date) -> Path:
        return self.pva_dir(day) / "view.json"

    def effects(self, model: str, version: int) -> Path:
        return self.folder / "effects" / model / f"v{int(version)}.parquet"

    @property
    def history(self) -> Path:
        return self.folder / "history.parquet"

    def backtest(self, part: str) -> Path:
        return self.folder / "backtest" / f"{part}.parquet"

    @property
    def status(self) -> Path:
        return self.folder / "status.json"

    def list_dates(self) -> list[date]:
        """Report dates with a stored list, oldest first."""
        return self._dates(self.folder / "lists", "scores.parquet")

    def pva_dates(self) -> list[date]:
        """Report dates with a stored predicted-vs-actual report, oldest first."""
        return self._dates(self.folder / "pva", "summary.parquet")

    @staticmethod
    def _dates(parent: Path, marker: str) -> list[date]:
        if not parent.is_dir():
            return []
        found = []
        for child in parent.iterdir():
            try:
                day = date.fromisoformat(child.name)
            except ValueError:
                continue
            if (child / marker).is_file():
                found.append(day)
        return sorted(found)

    def write_status(self, status: dict[str, Any]) -> Path:
        text = json.dumps(status, indent=2, sort_keys=True, default=str) + "\n"
        return write_bytes(self.status, text.encode())

    def read_status(self) -> dict[str, Any]:
        if not self.status.is_file():
            return {}
        return json.loads(self.status.read_text(encoding="utf-8"))
