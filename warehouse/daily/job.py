"""The daily job: today's contact list, tomorrow's model, and how the list of three days ago did.

For report date D (``run_daily``; ``run_day`` is one date in any workspace, which the backtest
replays):

1. **Prepare**: the candidates of D, the visitors active in [D − 24 h, D), with features from the
   data before D (cached), their segment as of D, and the outcomes of D − horizon, whose window
   [D − horizon, D) has just closed.
2. **Predict** with the version that learned through D − horizon − 1 (registered by the job of
   D − 1; trained now if missing): every candidate's probability goes to the prediction log, the
   top ``list_size`` to ``top_250_report_ddmmyyyy.csv``, and the baseline's scores beside them.
3. **Retrain**: the version that learns through D − horizon, updated from the previous one by
   the strategy, registered with its metrics (``--retrain``: from scratch, on features and
   outcomes computed again from the raw data).
4. **Predicted vs actual** for the list of D − horizon, if one is stored:
   ``pva_report_ddmmyyyy.csv`` and the tables the page reads.

Idempotent: a second run finds both versions, writes the same bytes (identical files are not
rewritten), leaves the prediction log as it is, and registers nothing. Dates after the data's
"today" or without any active visitor are refused (``DailyInputError``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from analytics.contact_list.baseline import baseline_scores
from warehouse.commands.daily_list import record_list_download
from warehouse.commands.runs import record_run
from warehouse.daily import cache, data, reports
from warehouse.daily.settings import DailySettings
from warehouse.daily.store import read_frame, write_bytes, write_frame, write_json
from warehouse.daily.training import Trained, ensure_version, window_days
from warehouse.daily.workspace import JOB_USER, Workspace, for_db
from warehouse.features import open_raw
from warehouse.prediction_log import partition_path, write_predictions

log = logging.getLogger(__name__)


class DailyInputError(ValueError):
    """A report date the data cannot answer: in the future, or without any active visitor."""


@dataclass
class DayResult:
    """What one report date's run produced."""

    report_date: date
    candidates: int
    scored_by: int  # the model version that made the list
    trained: int  # the version that learned the newly closed day
    registered: list[int] = field(default_factory=list)  # versions this run registered
    list_file: Path | None = None
    pva_date: date | None = None
    checked_date: date | None = None  # the list date whose window just closed
    files: list[Path] = field(default_factory=list)  # handed-out copies in ``out``
    seconds: float = 0.0

    def __str__(self) -> str:
        lines = [f"Report date {self.report_date}: {self.candidates:,} visitors active in the "
                 f"24 hours before it; list scored by model version {self.scored_by}."]
        lines += [f"Wrote {path}" for path in self.files]
        if self.pva_date is None and self.checked_date is not None:
            lines.append(f"No list stored for {self.checked_date}, whose outcome window has "
                         "just closed: no predicted-vs-actual report.")
        lines.append(
            f"Model version {self.trained} has learned the outcomes of the newly closed day"
            + (f" (registered now: {', '.join(map(str, self.registered))})."
               if self.registered else " (already registered: nothing trained)."))
        lines.append(f"Done in {self.seconds:.1f} s.")
        return "\n".join(lines)


NO_DATA = "the warehouse holds no activity: load data first (python app.py ingest DIR)"


def require_warehouse(db: Path) -> None:
    """Refuse a warehouse file that does not exist before anything is written beside it."""
    if not Path(db).is_file():
        raise FileNotFoundError(
            f"No warehouse at {db}. Load data first: python app.py ingest DIR --db {db}")


def _check_date(day: date, span: tuple[date, date]) -> None:
    first, today = span
    if day > today:
        raise DailyInputError(
            f"{day} is in the future for the data: the last activity is on "
            f"{today - timedelta(days=1)}, so the latest report date is {today}")
    if day < first:
        raise DailyInputError(
            f"{day} is before the data: the first activity is on "
            f"{first - timedelta(days=1)}, so the first report date is {first}")


def _write_predictions(ws: Workspace, day: date, scores: pd.DataFrame, version: int) -> None:
    """Log every candidate's probability, unless the log already holds exactly these."""
    frame = pd.DataFrame({"customer_id": scores["customer_id"],
                          "score": scores["conversion_probability"]})
    existing = partition_path(ws.predictions, ws.settings.model_name, day, version)
    if existing.is_file():
        logged = pq.read_table(existing, columns=["customer_id", "score"]).to_pandas()
        if logged.sort_values("customer_id").reset_index(drop=True).equals(
                frame.sort_values("customer_id").reset_index(drop=True)):
            return
    write_predictions(ws.predictions, frame, model=ws.settings.model_name, version=version,
                      as_of=day, horizon_days=ws.settings.horizon_days)


def _hand_out(ws: Workspace, day: date, name: str, content: bytes, kept: Path) -> Path | None:
    """Keep the file for the page and hand a copy out in ``ws.out`` (a customer list leaving
    the product: audited as an export before it is written; an identical copy already there is
    left alone, unaudited)."""
    write_bytes(kept, content)
    if ws.out is None:
        return None
    handed = ws.out / name
    if handed.is_file() and handed.read_bytes() == content:  # a rerun hands nothing out anew
        return handed
    record_list_download(ws.db, day, name, max(content.count(b"\r\n") - 1, 0), user=ws.user,
                         ops_url=ws.ops_url)
    return write_bytes(handed, content)


def _score(ws: Workspace, con: duckdb.DuckDBPyConnection, day: date, model: Trained,
           candidates: pd.DataFrame) -> pd.DataFrame:
    settings = ws.settings
    probability = model.model.predict_proba(candidates)[:, 1]
    baseline = baseline_scores(candidates, settings.baseline_weights)
    if ws.replay:
        segment = pd.Series(pd.NA, index=candidates.index, dtype="object")
    else:
        data.point_at(con, day)
        segment = data.candidate_segments(con, day, candidates)
    return reports.scores_frame(candidates, probability, baseline, segment, settings.list_size,
                                model.version.version)


def _effects(ws: Workspace, version: int) -> pd.DataFrame | None:
    """What model ``version`` learned, as stored when it was trained (None if not stored)."""
    path = ws.reports.effects(ws.settings.model_name, version)
    return read_frame(path) if path.is_file() else None


def _predicted_vs_actual(ws: Workspace, day: date, result: DayResult) -> None:
    scores_path = ws.reports.scores(day)
    if not scores_path.is_file():
        return
    scores = pd.read_parquet(scores_path)
    rows, summary = reports.pva_tables(scores, cache.outcomes(ws.cache, day))
    write_frame(ws.reports.pva_rows(day), rows)
    write_frame(ws.reports.pva_summary(day), summary)
    version = int(scores["model_version"].iloc[0]) if len(scores) else 0
    write_json(ws.reports.pva_view(day),
               reports.report_view(rows, version, _effects(ws, version), summary))
    name = reports.pva_file_name(day)
    kept = ws.reports.pva_dir(day) / name
    handed = _hand_out(ws, day, name, reports.pva_csv(rows, summary), kept)
    result.pva_date = day
    if handed is not None:
        result.files.append(handed)


def run_day(ws: Workspace, con: duckdb.DuckDBPyConnection, day: date,
            span: tuple[date, date], *, retrain: bool = False,
            checked: set[tuple[str, date]] | None = None) -> DayResult:
    """The daily job for report date ``day`` in workspace ``ws`` (``span``: the data's first
    and last report dates, ``data.report_dates``; ``checked``: cache files already made
    current by this process, ``cache.ensure``)."""
    started = time.perf_counter()
    _check_date(day, span)
    settings = ws.settings
    horizon = timedelta(days=settings.horizon_days)
    first = span[0]
    closed = day - horizon  # its outcome window [closed, day) is complete
    # the candidates of the day, and every closed day the two versions of the day learn from
    learned = sorted(set(window_days(closed, first, settings.window_days))
                     | set(window_days(closed - timedelta(days=1), first,
                                       settings.window_days)))
    cache.ensure(con, ws.cache, feature_days=[day, *learned], outcome_days=learned,
                 horizon_days=settings.horizon_days, refresh=retrain, checked=checked)
    candidates = cache.features(ws.cache, day)
    if candidates.empty:
        raise DailyInputError(f"no visitor was active in the 24 hours before {day} "
                              f"({day - timedelta(days=1)}): no list to make")
    scorer = ensure_version(ws, con, closed - timedelta(days=1), first, prepared=True)
    scores = _score(ws, con, day, scorer, candidates)
    write_frame(ws.reports.scores(day), scores)
    listed = scores[scores["is_listed"]].reset_index(drop=True)
    write_frame(ws.reports.listed(day), listed)
    write_json(ws.reports.list_view(day), reports.report_view(
        listed, scorer.version.version, _effects(ws, scorer.version.version)))
    _write_predictions(ws, day, scores, scorer.version.version)
    name = reports.list_file_name(day, settings.list_size)
    result = DayResult(report_date=day, candidates=len(candidates),
                       scored_by=scorer.version.version, trained=scorer.version.version,
                       list_file=ws.reports.list_dir(day) / name)
    handed = _hand_out(ws, day, name, reports.list_csv(scores), result.list_file)
    if handed is not None:
        result.files.append(handed)
    learner = ensure_version(ws, con, closed, first, full=retrain, prepared=True)
    result.trained = learner.version.version
    result.registered = [t.version.version for t in (scorer, learner) if t.created]
    if closed >= first and not ws.replay:
        result.checked_date = closed
        _predicted_vs_actual(ws, closed, result)
    result.seconds = time.perf_counter() - started
    return result


def run_daily(
    db: Path,
    report_date: date | None = None,
    *,
    out: Path | None = None,
    retrain: bool = False,
    settings: DailySettings | None = None,
    ops_url: str | None = None,
    user: str = JOB_USER,
) -> DayResult:
    """The daily job on warehouse ``db`` for ``report_date`` (default: the data's "today", the
    day after the last loaded activity); files go to ``out`` (default ``data/reports/`` beside
    the warehouse), each audited as an export by ``user``. Recorded as a run of kind ``daily``
    in the store at ``ops_url``."""
    require_warehouse(db)
    ws = for_db(db, out, settings, ops_url=ops_url, user=user)
    params = {"report_date": report_date, "retrain": retrain, "out": ws.out}
    with record_run(ws.engine, "daily", params) as run, open_raw(db) as con:
        con.execute("SET enable_progress_bar = false")
        span = data.report_dates(con)
        if span is None:
            raise DailyInputError(NO_DATA)
        day = report_date or span[1]
        result = run_day(ws, con, day, span, retrain=retrain)
        write_frame(ws.reports.history, reports.history(ws.cache, ws.reports))
        ws.reports.write_status({
            "today": span[1].isoformat(), "first_report_date": span[0].isoformat(),
            "last_report_date": day.isoformat(), "list_size": ws.settings.list_size,
            "horizon_days": ws.settings.horizon_days, "strategy": ws.settings.strategy,
            "model_name": ws.settings.model_name,
        })
        run.add_counts({"candidates": result.candidates, "scored_by": result.scored_by,
                        "trained": result.trained,
                        "registered": len(result.registered)})
    log.info("daily list for %s: %d candidates, version %d", day, result.candidates,
             result.scored_by)
    return result
