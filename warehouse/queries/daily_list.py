"""The read side of the daily contact list: what the Daily list page shows, read from the files
the daily job and the backtest stored in ``<db stem>.daily/`` (``warehouse.daily.store``).
Nothing here computes a list or a metric: every function reads one or two small stored files.

Report types: ``PREDICTION`` (a date's list) and ``PVA`` (a list checked against what happened,
available once its outcome window has closed). Dates are allowed only where a report of that
type is stored, a prediction report up to the data's "today" and a predicted-vs-actual report
up to ``today − horizon``.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from warehouse.daily.reports import list_file_name, pva_file_name, report_view
from warehouse.daily.store import DailyStore, read_frame, read_json

PREDICTION, PVA = "prediction", "pva"
REPORT_TYPES = {PREDICTION: "Prediction report", PVA: "Predicted vs actual"}


class NoDailyListError(LookupError):
    """The daily job has not stored what the page asks for; the message says what to run."""


def _store(db: Path) -> DailyStore:
    return DailyStore.for_db(Path(db))


def status(db: Path) -> dict:
    """The data's "today", the settings and the last report date of the latest job run."""
    found = _store(db).read_status()
    if not found:
        raise NoDailyListError(
            f"No daily list has been made for {Path(db).name} yet. Make today's with "
            f"`python app.py daily --db {db}`, then reload this page.")
    return found


def _stamp(paths: list[Path]) -> tuple[int, ...]:
    return tuple(path.stat().st_mtime_ns if path.is_file() else 0 for path in paths)


def report_stamp(db: Path, report_type: str, day: date) -> tuple[int, ...]:
    """When the files behind a report last changed: a key for caching what is drawn from
    them (a file is rewritten only when its content changes)."""
    store = _store(db)
    paths = [store.status, store.listed(day), store.list_view(day)]
    if report_type == PVA:
        paths += [store.pva_rows(day), store.pva_summary(day), store.pva_view(day)]
    return _stamp(paths)


def page_stamp(db: Path) -> tuple[int, ...]:
    """When the backtest, the history and the status last changed."""
    store = _store(db)
    return _stamp([store.status, store.history,
                   *(store.backtest(name) for name in ("days", "reliability", "info"))])


def allowed_dates(db: Path, report_type: str) -> list[date]:
    """The dates the date picker offers for ``report_type``, oldest first."""
    store = _store(db)
    info = status(db)
    today = date.fromisoformat(info["today"])
    first = date.fromisoformat(info["first_report_date"])
    if report_type == PREDICTION:
        return [day for day in store.list_dates() if first <= day <= today]
    if report_type == PVA:
        closed = today - timedelta(days=int(info["horizon_days"]))
        return [day for day in store.pva_dates() if first <= day <= closed]
    raise ValueError(f"unknown report type {report_type!r}")


def _read(path: Path, what: str, day: date) -> pd.DataFrame:
    if not path.is_file():
        raise NoDailyListError(f"No {what} is stored for {day}.")
    return read_frame(path)


def listed(db: Path, day: date) -> pd.DataFrame:
    """The list of ``day`` by rank: probability, segment, recent behaviour, model version."""
    return _read(_store(db).listed(day), "daily list", day)


def pva(db: Path, day: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The predicted-vs-actual report of ``day``'s list: its rows and its summary."""
    store = _store(db)
    return (_read(store.pva_rows(day), "predicted-vs-actual report", day),
            _read(store.pva_summary(day), "predicted-vs-actual report", day))


def view(db: Path, report_type: str, day: date) -> dict:
    """What the page shows of the ``report_type`` report of ``day``, as the job stored it:
    ``model_version``, ``effects`` (what that version learned, in sentences), ``rows`` (records
    of the listed visitors) and, for a predicted-vs-actual report, ``summary`` (records of
    ``measure, predicted, actual``). One small file; a report stored before such files were
    written is read from its tables instead."""
    store = _store(db)
    if report_type not in REPORT_TYPES:
        raise ValueError(f"unknown report type {report_type!r}")
    path = store.list_view(day) if report_type == PREDICTION else store.pva_view(day)
    if path.is_file():
        return read_json(path)
    listed_rows = listed(db, day)
    version = int(listed_rows["model_version"].iloc[0]) if len(listed_rows) else 0
    learned = effects(db, version)
    if report_type == PREDICTION:
        return report_view(listed_rows, version, learned)
    rows, summary = pva(db, day)
    return report_view(rows, version, learned, summary)


def report_file(db: Path, report_type: str, day: date) -> tuple[str, bytes]:
    """The exact file the job wrote for ``day``: its name and bytes."""
    store = _store(db)
    if report_type == PREDICTION:
        name = list_file_name(day, int(status(db)["list_size"]))
        path = store.list_dir(day) / name
    elif report_type == PVA:
        name = pva_file_name(day)
        path = store.pva_dir(day) / name
    else:
        raise ValueError(f"unknown report type {report_type!r}")
    if not path.is_file():
        raise NoDailyListError(f"No {REPORT_TYPES[report_type].lower()} file is stored for "
                               f"{day}.")
    return name, path.read_bytes()


def effects(db: Path, version: int) -> pd.DataFrame:
    """What model version ``version`` learned: ``signal, low, high, odds_ratio, sentence``,
    strongest first (empty if that version's explanation is not stored)."""
    path = _store(db).effects(status(db)["model_name"], version)
    return read_frame(path) if path.is_file() else pd.DataFrame(
        columns=["signal", "low", "high", "odds_ratio", "sentence"])


def history(db: Path) -> pd.DataFrame:
    """Per report date: candidates, buyers, conversion rate and the lists' conversions."""
    path = _store(db).history
    return read_frame(path) if path.is_file() else pd.DataFrame()


def backtest(db: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series] | None:
    """The last backtest: per strategy and day, the reliability table, its settings; None
    before the first backtest."""
    store = _store(db)
    parts = [store.backtest(name) for name in ("days", "reliability", "info")]
    if not all(path.is_file() for path in parts):
        return None
    days, reliability, info = (read_frame(path) for path in parts)
    return days, reliability, info.iloc[0]
