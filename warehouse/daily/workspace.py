"""Where one run of the daily list reads and writes: the cache, the reports, the model
registry, the prediction log and the folder the files go to.

The job works in the warehouse's own workspace (``for_db``). The backtest replays the job in a
sandbox (``sandbox``): its own registry, prediction log and reports in a temporary folder, so a
replay never adds versions or lists to the real ones, but the same cache, since cached
features and outcomes are facts about the data that do not depend on who computed them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from warehouse.commands.model_registry import models_dir
from warehouse.commands.scratch_store import scratch_store
from warehouse.commands.store import store_engine
from warehouse.daily.settings import DailySettings
from warehouse.daily.store import DailyStore
from warehouse.prediction_log import predictions_dir

JOB_USER = "cli"  # the acting user the audit log records for the files the job hands out


@dataclass(frozen=True)
class Workspace:
    """``cache``: features and outcomes; ``reports``: lists, predicted-vs-actual, effects,
    history; ``engine`` and ``models``: the model registry; ``predictions``: the prediction
    log; ``out``: where the list and predicted-vs-actual files are handed out (None: only in
    ``reports``), audited as taken by ``user`` in the store at ``ops_url``."""

    db: Path
    cache: DailyStore
    reports: DailyStore
    engine: Engine
    models: Path
    predictions: Path
    out: Path | None
    settings: DailySettings
    replay: bool = False
    ops_url: str | None = None
    user: str = JOB_USER


def default_out(db: Path) -> Path:
    """``reports/`` beside the warehouse: ``data/reports/`` for the default warehouse."""
    return Path(db).parent / "reports"


def for_db(db: Path, out: Path | None = None, settings: DailySettings | None = None,
           ops_url: str | None = None, user: str = JOB_USER) -> Workspace:
    """The warehouse's own workspace; files go to ``out`` (default ``default_out(db)``)."""
    store = DailyStore.for_db(db)
    return Workspace(db=Path(db), cache=store, reports=store,
                     engine=store_engine(db, ops_url=ops_url), models=models_dir(db),
                     predictions=predictions_dir(db),
                     out=Path(out) if out is not None else default_out(db),
                     settings=settings or DailySettings(), ops_url=ops_url, user=user)


@contextmanager
def sandbox(db: Path, folder: Path, settings: DailySettings) -> Iterator[Workspace]:
    """A workspace whose registry, prediction log and reports live in ``folder`` (its own
    SQLite store, whatever ``$ACTIONBOARD_OPS_URL`` says), sharing ``db``'s cache."""
    folder.mkdir(parents=True, exist_ok=True)
    with scratch_store(folder / "registry.sqlite") as engine:
        yield Workspace(db=Path(db), cache=DailyStore.for_db(db),
                        reports=DailyStore(folder / "reports"), engine=engine,
                        models=folder / "models", predictions=folder / "predictions", out=None,
                        settings=settings, replay=True)
