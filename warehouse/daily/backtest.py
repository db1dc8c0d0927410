"""The backtest: replay the daily job over consecutive report dates and judge each list by what
happened.

``run_backtest(db, days=7, end=None)`` runs ``job.run_day`` for each of the ``days`` report
dates ending at ``end`` (default: the last date whose outcome window has closed), in a sandbox
workspace per update strategy: each day's list is scored by the version the job would have had
that morning, and the day's newly closed outcomes train the next, exactly as the job does, so
no list ever sees data from on or after its date. Then every day's lists are compared with what
the candidates bought in [D, D + horizon): conversions in the model's list and in the
baseline's (ties at the baseline's cut shared), the relative increase with a bootstrap 95 %
interval, precision at the list size, ROC-AUC, PR-AUC, the Brier score, and a reliability
table over all days. Both strategies run, so both are reported; the configured one is the
headline. Results go to the warehouse's daily folder, where the page reads them.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.contact_list.lists import ranking_quality, relative_increase
from analytics.contact_list.model import STRATEGIES
from analytics.evaluation import reliability_table
from warehouse.commands.runs import record_run
from warehouse.daily import cache, data
from warehouse.daily.job import NO_DATA, DailyInputError, require_warehouse, run_day
from warehouse.daily.settings import DailySettings
from warehouse.daily.store import DailyStore, write_frame
from warehouse.daily.workspace import for_db, sandbox
from warehouse.features import open_raw

TOTAL = "total"
RELIABILITY_BINS = 10
DAY_COLUMNS = [
    "strategy", "report_date", "candidates", "buyers", "model_conversions",
    "baseline_conversions", "relative_increase", "ci_low", "ci_high", "model_precision",
    "baseline_precision", "expected_conversions", "roc_auc", "pr_auc", "brier",
]

log = logging.getLogger(__name__)


@dataclass
class BacktestResult:
    """Per strategy and day (and a ``total`` row per strategy): ``DAY_COLUMNS``; the reliability
    table of each strategy over all days; the configured strategy; the seconds it took."""

    days: pd.DataFrame
    reliability: pd.DataFrame
    strategy: str
    list_size: int
    seconds: float

    def headline(self, strategy: str | None = None) -> pd.Series:
        rows = self.days[(self.days["strategy"] == (strategy or self.strategy))
                         & (self.days["report_date"] == TOTAL)]
        return rows.iloc[0]

    def __str__(self) -> str:
        size = self.list_size
        lines = []
        for strategy in self.days["strategy"].unique():
            rows = self.days[self.days["strategy"] == strategy]
            chosen = " (the configured strategy)" if strategy == self.strategy else ""
            lines.append(f"Strategy {strategy}{chosen}: conversions in the top {size}")
            lines.append(f"  {'report date':<12} {'candidates':>10} {'buyers':>7} "
                         f"{'model':>6} {'baseline':>8} {'increase (95% CI)':>26} "
                         f"{'prec.':>6} {'ROC':>5} {'PR':>5} {'Brier':>7}")
            for row in rows.itertuples(index=False):
                lines.append(
                    f"  {row.report_date!s:<12} {row.candidates:>10,} {row.buyers:>7,.0f} "
                    f"{row.model_conversions:>6,.0f} {row.baseline_conversions:>8,.1f} "
                    f"{_increase(row):>26} {row.model_precision:>6.3f} "
                    f"{_number(row.roc_auc, 5, 3)} {_number(row.pr_auc, 5, 3)} "
                    f"{row.brier:>7.5f}")
        total = self.headline()
        lines.append(
            f"Over {len(self.days['report_date'].unique()) - 1} days the {self.strategy} model's "
            f"lists found {total.model_conversions:,.0f} buyers against the baseline's "
            f"{total.baseline_conversions:,.1f}: {_increase(total)} (goal: +50 %). "
            f"Took {self.seconds:.1f} s.")
        return "\n".join(lines)


def _number(value: float, width: int, digits: int) -> str:
    return f"{'—':>{width}}" if pd.isna(value) else f"{value:>{width}.{digits}f}"


def _increase(row) -> str:
    if pd.isna(row.relative_increase):
        return "n/a (baseline found none)"
    return (f"{row.relative_increase:+.0%} ({row.ci_low:+.0%} to "
            f"{row.ci_high:+.0%})" if np.isfinite(row.ci_high) else
            f"{row.relative_increase:+.0%} ({row.ci_low:+.0%} to +inf)")


def _day_row(strategy: str, day: object, judged: pd.DataFrame) -> dict:
    y = judged["is_converted"].to_numpy(dtype=float)
    model_hits = y * judged["is_listed"].to_numpy(dtype=float)
    baseline_hits = y * judged["baseline_share"].to_numpy(dtype=float)
    listed = max(int(judged["is_listed"].sum()), 1)
    return {
        "strategy": strategy, "report_date": day, "candidates": len(judged),
        "buyers": float(y.sum()), "model_conversions": float(model_hits.sum()),
        "baseline_conversions": float(baseline_hits.sum()),
        **relative_increase(model_hits, baseline_hits),
        "model_precision": model_hits.sum() / listed,
        "baseline_precision": baseline_hits.sum() / listed,
        "expected_conversions": float(judged.loc[judged["is_listed"],
                                                 "conversion_probability"].sum()),
        **ranking_quality(y.astype(int), judged["conversion_probability"]),
    }


def _judged(reports: DailyStore, store: DailyStore, day: date) -> pd.DataFrame:
    scores = pd.read_parquet(reports.scores(day))
    outcome = cache.outcomes(store, day)[["customer_id", "is_converted"]]
    judged = scores.merge(outcome, on="customer_id", how="left", validate="1:1")
    judged["is_converted"] = judged["is_converted"].fillna(False).astype(bool)
    return judged


def run_backtest(
    db: Path,
    days: int = 7,
    end: date | None = None,
    *,
    settings: DailySettings | None = None,
    strategies: tuple[str, ...] = tuple(STRATEGIES),
    keep: Path | None = None,
    ops_url: str | None = None,
) -> BacktestResult:
    """Replay the daily job for ``days`` report dates ending at ``end`` with each strategy;
    store and return the result. The replays' workspaces (registry, lists) live in a temporary
    folder, or in ``keep/<strategy>`` to inspect them; the run is recorded in the store at
    ``ops_url``. Raises DailyInputError for dates the
    data cannot judge."""
    settings = settings or DailySettings()
    if int(days) < 1:
        raise DailyInputError(f"the backtest needs at least 1 day, got {days}")
    require_warehouse(db)
    ws = for_db(db, settings=settings, ops_url=ops_url)
    started = time.perf_counter()
    params = {"days": days, "end": end, "strategies": list(strategies)}
    with record_run(ws.engine, "backtest", params) as run, open_raw(db) as con:
        con.execute("SET enable_progress_bar = false")
        span = data.report_dates(con)
        if span is None:
            raise DailyInputError(NO_DATA)
        last_judged = span[1] - timedelta(days=settings.horizon_days)
        end = end or last_judged
        if end > last_judged:
            raise DailyInputError(
                f"the outcome window of {end} ({settings.horizon_days} days) has not closed: "
                f"the data ends on {span[1] - timedelta(days=1)}, so the backtest can end on "
                f"{last_judged} at the latest")
        dates = [end - timedelta(days=offset) for offset in range(int(days))][::-1]
        checked: set[tuple[str, date]] = set()
        cache.ensure(con, ws.cache, feature_days=dates, outcome_days=dates,
                     horizon_days=settings.horizon_days, checked=checked)
        rows, reliability = [], []
        with tempfile.TemporaryDirectory(prefix="actionboard-backtest-") as temporary:
            folder = keep or temporary
            for strategy in strategies:
                chosen = DailySettings(**{**settings.__dict__, "strategy": strategy})
                with sandbox(db, Path(folder) / strategy, chosen) as box:
                    judged_days = []
                    for day in dates:
                        run_day(box, con, day, span, checked=checked)
                        judged = _judged(box.reports, ws.cache, day)
                        rows.append(_day_row(strategy, day.isoformat(), judged))
                        judged_days.append(judged)
                        log.info("backtest %s %s done", strategy, day)
                pooled = pd.concat(judged_days, ignore_index=True)
                rows.append(_day_row(strategy, TOTAL, pooled))
                reliability.append(reliability_table(
                    pooled["is_converted"].astype(int), pooled["conversion_probability"],
                    n_bins=RELIABILITY_BINS, strategy="quantile").assign(strategy=strategy))
        result = BacktestResult(
            days=pd.DataFrame(rows, columns=DAY_COLUMNS),
            reliability=pd.concat(reliability, ignore_index=True),
            strategy=settings.strategy, list_size=settings.list_size,
            seconds=time.perf_counter() - started)
        _store(ws.reports, result, dates)
        total = result.headline()
        run.add_counts({"days": len(dates), "model_conversions": int(total.model_conversions),
                        "baseline_conversions": round(total.baseline_conversions)})
    return result


def _store(reports: DailyStore, result: BacktestResult, dates: list[date]) -> None:
    write_frame(reports.backtest("days"), result.days)
    write_frame(reports.backtest("reliability"), result.reliability)
    write_frame(reports.backtest("info"), pd.DataFrame([{
        "strategy": result.strategy, "list_size": result.list_size,
        "first_date": dates[0], "last_date": dates[-1], "seconds": result.seconds,
    }]))
