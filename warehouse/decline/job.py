"""The decline job: ``python app.py decline``. Train, test, explain and score, then publish.

The model runs as a job of its own, not as a refresh step: its search fits a few hundred
candidate pipelines (tens of seconds), which would make every refresh that much slower, and the
One Click files it may learn from are not part of the event pipeline. The job:

1. builds the customer activity profile from the chosen source (``sources.py``): the One Click
   files when the warehouse holds them (``--source auto``), else the event warehouse as of the
   last day with data (or ``--as-of``);
2. searches, chooses and tests a model (``analytics.decline.search``), explains every scored
   customer (``analytics.decline.explain``) and splits them into risk × profit groups
   (``analytics.decline.segments``);
3. registers the fitted pipeline, its parameters and metrics in the model registry, writes each
   customer's probability to the prediction log and stores the tables the page and the rules
   read (``results.py``), inside one run record (``python app.py runs`` lists it);
4. publishes them: a refresh copies the newest results into a new snapshot (the ``decline``
   step), where ``customers`` gains ``decline_risk``, ``decline_top_reason`` and the bands as
   rule fields; the first model of an operational store also adds the decline rules to the
   Action board (``rules.py``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analytics.decline.contract import KEY, LABEL, present_features
from analytics.decline.explain import (
    contributions,
    explain,
    global_importance,
    top_reason,
    top_reasons_text,
)
from analytics.decline.search import SearchSettings, fit_decline_model
from analytics.decline.segments import (
    Bands,
    decline_groups,
    monthly_revenue,
    profit_band,
    profit_threshold,
    risk_band,
)
from warehouse.clock import utc_now
from warehouse.commands import store_engine
from warehouse.commands.model_registry import models_dir, register_model
from warehouse.commands.runs import record_run
from warehouse.decline.results import write_results
from warehouse.decline.rules import seed_decline_rules
from warehouse.decline.settings import (
    DEFAULT_CANDIDATES,
    DEFAULT_DECLINE_SHARE,
    DEFAULT_HIGH_RISK,
    DEFAULT_MARGIN_RATE,
    DEFAULT_MEDIUM_RISK,
    DEFAULT_PERIOD_DAYS,
    DEFAULT_SEED,
    SOURCES,
)
from warehouse.decline.sources import (
    events_profiles,
    has_market_data,
    last_data_day,
    market_profile,
    snapshot_contacts,
)
from warehouse.prediction_log import predictions_dir, write_predictions
from warehouse.queries.status import refresh_info
from warehouse.schema.decline import EVENTS, MARKET, MODEL_NAME
from warehouse.snapshots import current_snapshot, open_snapshot

MARKET_HORIZON_DAYS = 30  # the published label speaks of the next month

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeclineSettings:
    """What a user may choose per run (``python app.py decline --help``)."""

    source: str = "auto"
    as_of: date | None = None
    period_days: int = DEFAULT_PERIOD_DAYS
    decline_share: float = DEFAULT_DECLINE_SHARE
    margin_rate: float = DEFAULT_MARGIN_RATE
    medium_from: float = DEFAULT_MEDIUM_RISK
    high_above: float = DEFAULT_HIGH_RISK
    profit_threshold: float | None = None
    candidates: int = DEFAULT_CANDIDATES
    seed: int = DEFAULT_SEED
    n_jobs: int = 1

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}, got {self.source!r}")
        if not 7 <= int(self.period_days) <= 92:
            raise ValueError(f"the period must be 7 to 92 days, got {self.period_days}")
        if not 0 < self.decline_share < 1:
            raise ValueError(f"the decline share must be between 0 and 1 (e.g. 0.8), got "
                             f"{self.decline_share}")
        if not 0 < self.margin_rate <= 1:
            raise ValueError(f"the margin rate must be in (0, 1], e.g. 0.25, got "
                             f"{self.margin_rate}")
        if int(self.candidates) < 5:
            raise ValueError(f"search at least 5 candidates, got {self.candidates}")
        Bands(self.medium_from, self.high_above, self.profit_threshold)  # checks the bands


@dataclass
class DeclineRun:
    """What one run did; ``str()`` is the summary the CLI prints."""

    version: int
    source: str
    as_of: date
    customers_trained: int
    customers_scored: int
    family: str
    metrics: dict[str, float]
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    results: Path | None = None
    published: Path | None = None
    rules_added: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        m = self.metrics
        where = "the One Click files" if self.source == MARKET else \
            f"the event warehouse as of {self.as_of}"
        lines = [
            f"Decline model v{self.version} from {where}: {self.family}, chosen by CV ROC-AUC "
            f"{m['cv_mean']:.3f} ± {m['cv_sd']:.3f}; test ROC-AUC {m['test_roc_auc']:.3f} on "
            f"{m['test_customers']:,} customers (revenue-trend baseline "
            f"{m['baseline_test_roc_auc']:.3f}).",
            f"  threshold {m['threshold']:.2f}: precision {m['test_precision']:.2f}, recall "
            f"{m['test_recall']:.2f}; trained on {self.customers_trained:,}, scored "
            f"{self.customers_scored:,} customers.",
            "  seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in self.seconds.items()),
        ]
        lines += [f"  note: {note}" for note in self.notes]
        if self.published:
            lines.append(f"  published {self.published.name}")
        if self.rules_added:
            lines.append(f"  added rules to the Action board: {', '.join(self.rules_added)}")
        return "\n".join(lines)


@dataclass
class _Profiles:
    source: str
    as_of: date
    train: pd.DataFrame
    score: pd.DataFrame
    train_start: datetime
    train_end: datetime
    train_cutoff_at: datetime | None
    horizon_days: int
    notes: list[str]


def resolve_source(db: Path, source: str) -> str:
    """``auto``: the One Click files when the warehouse holds them, else the event warehouse."""
    if source == "auto":
        return MARKET if has_market_data(db) else EVENTS
    return source


def _profiles(db: Path, settings: DeclineSettings, source: str) -> _Profiles:
    if source == MARKET:
        market = market_profile(db)
        today = utc_now().date()
        notes = []
        if market.without_revenue:
            notes.append(f"{market.without_revenue:,} customers without revenue in one of the "
                         "three months are left out")
        unlabelled = int(market.profile[LABEL].isna().sum())
        if unlabelled:
            notes.append(f"{unlabelled:,} customers without a label are scored, not trained on")
        midnight = datetime.combine(today, datetime.min.time())
        return _Profiles(MARKET, today, market.profile, market.profile, midnight, midnight, None,
                         MARKET_HORIZON_DAYS, notes)
    as_of = settings.as_of or last_data_day(db)
    period = int(settings.period_days)
    found = events_profiles(db, as_of, snapshot_contacts(db), period_days=period,
                            decline_share=settings.decline_share)
    for frame in (found.train, found.score):
        frame["monthly_profit"] = settings.margin_rate * monthly_revenue(frame)
    return _Profiles(
        EVENTS, as_of, found.train, found.score,
        train_start=found.train_cutoff_at - timedelta(days=6 * period),
        train_end=found.cutoff_at, train_cutoff_at=found.train_cutoff_at,
        horizon_days=period,
        notes=[f"trained on the {len(found.train):,} customers who bought in each of the three "
               f"{period}-day periods before {found.train_cutoff_at:%Y-%m-%d}, labelled by the "
               f"period after it; scored the {len(found.score):,} who bought in each of the "
               f"three periods up to {as_of}"],
    )


def _empty_columns(frame: pd.DataFrame) -> list[str]:
    """Features the source could not provide for anyone: left out, not imputed."""
    return [name for name in present_features(frame) if frame[name].isna().all()]


def _customer_table(profiles: _Profiles, model: Any, risk: np.ndarray, explanation: Any,
                    table: pd.DataFrame, bands: Bands) -> tuple[pd.DataFrame, float]:
    score = profiles.score.reset_index(drop=True)
    risk_series = pd.Series(risk, index=score.index)
    profit = score["monthly_profit"] if "monthly_profit" in score.columns else \
        pd.Series(np.nan, index=score.index)
    threshold = profit_threshold(profit, bands)
    reasons = top_reasons_text(table)
    top = top_reason(explanation)
    frame = pd.DataFrame({
        KEY: score[KEY].astype(str),
        "decline_risk": risk,
        "decline_top_reason": top.reindex(score[KEY]).to_numpy(),
        "decline_risk_band": risk_band(risk_series, bands).to_numpy(),
        "decline_profit_band": profit_band(profit, threshold).to_numpy(),
        "allows_notifications": score.get("allows_notifications",
                                          pd.Series(None, index=score.index, dtype=object)),
        "monthly_profit": profit.to_numpy(),
        "monthly_revenue": monthly_revenue(score).to_numpy(),
        "popular_category": score.get("popular_category",
                                      pd.Series(None, index=score.index, dtype=object)),
        "purchase_activity": score[LABEL],
        # the rows trained on are the rows scored only for the One Click files; the events'
        # training rows are earlier profiles of (partly) the same customers
        "split": score[KEY].map(model.split).to_numpy() if profiles.train is profiles.score
        else None,
        "model_output": explanation.output,
        "reasons": reasons.reindex(score[KEY]).to_numpy(),
    })
    return frame, threshold


def _holds_a_shop(db: Path) -> bool:
    try:
        last_data_day(db)
    except ValueError:
        return False
    return True


def _publish(db: Path, source: str, as_of: date, ops_url: str | None) -> Path:
    from warehouse.pipeline.refresh import refresh  # the refresh imports every model step

    shown = None
    if source == MARKET and current_snapshot(db) is not None:
        with open_snapshot(db) as con:
            shown = date.fromisoformat(refresh_info(con)["as_of_date"])
    return refresh(db, as_of=as_of if source == EVENTS else shown, progress=False,
                   ops_url=ops_url)


def run_decline(db: Path, settings: DeclineSettings = DeclineSettings(), *,
                publish: bool = True, ops_url: str | None = None) -> DeclineRun:
    """Run the decline job on warehouse ``db`` (see the module) with the operational store
    ``ops_url`` (``--ops-url``; None: ``$ACTIONBOARD_OPS_URL``, else the SQLite file beside
    ``db``); return what it did.

    Raises FileNotFoundError without a warehouse, ValueError (NotEnoughDataError among them)
    when the data cannot give a model; nothing is registered or published then.
    """
    db = Path(db)
    if not db.exists():
        raise FileNotFoundError(f"No warehouse at {db}. Load data first: python app.py ingest "
                                f"DIR (or ingest-market DIR) --db {db}")
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    source = resolve_source(db, settings.source)
    engine = store_engine(db, ops_url=ops_url)
    params = {**settings.__dict__, "source": source}
    with record_run(engine, "decline", params) as run:
        profiles = _profiles(db, settings, source)
        seconds["profile"] = time.perf_counter() - started

        mark = time.perf_counter()
        search = SearchSettings(n_iter=int(settings.candidates), random_state=int(settings.seed),
                                n_jobs=int(settings.n_jobs))
        model = fit_decline_model(profiles.train, search, exclude=tuple(
            _empty_columns(profiles.train)))
        seconds["search and fit"] = time.perf_counter() - mark

        mark = time.perf_counter()
        score = profiles.score.reset_index(drop=True)
        risk = model.predict_risk(score)
        explanation = explain(model, score)
        table = contributions(explanation, score)
        seconds["explain"] = time.perf_counter() - mark

        mark = time.perf_counter()
        bands = Bands(settings.medium_from, settings.high_above, settings.profit_threshold)
        customers, threshold = _customer_table(profiles, model, risk, explanation, table, bands)
        groups = decline_groups(customers.rename(columns={
            "decline_risk_band": "risk_band", "decline_profit_band": "profit_band"}), table)
        notes = [*profiles.notes, *model.notes]
        family_label = model.families.set_index("family").loc[model.family, "label"]
        registered = register_model(
            engine, models_dir(db), MODEL_NAME, model.pipeline,
            train_start=profiles.train_start, train_end=profiles.train_end,
            params={"source": source, "family": model.family, **model.params,
                    "features": model.features, "threshold": model.threshold},
            metrics={**model.metrics, "families": model.families.to_dict("records")},
        )
        write_predictions(predictions_dir(db), customers[[KEY]].assign(score=risk),
                          model=MODEL_NAME, version=registered.version, as_of=profiles.as_of,
                          horizon_days=profiles.horizon_days)
        run_row = pd.DataFrame([{
            "model": MODEL_NAME, "version": registered.version, "source": source,
            "as_of": profiles.as_of, "train_cutoff_at": profiles.train_cutoff_at,
            "trained_at": registered.trained_at, "family": model.family,
            "family_label": family_label,
            "params": ", ".join(f"{k}={v}" for k, v in sorted(model.params.items())),
            "explainer": model.explainer, "unit": explanation.unit,
            "base_value": explanation.base_value, "threshold": model.threshold,
            "medium_from": bands.medium_from, "high_above": bands.high_above,
            "profit_threshold": threshold,
            "period_days": settings.period_days if source == EVENTS else None,
            "decline_share": settings.decline_share if source == EVENTS else None,
            "margin_rate": settings.margin_rate if source == EVENTS else None,
            "features": ", ".join(model.features), "notes": "\n".join(notes),
        }])
        results = write_results(db, registered.version, {
            "customer_decline": customers,
            "decline_contributions": table,
            "decline_families": model.families,
            "decline_metrics": pd.DataFrame({"metric": list(model.metrics),
                                             "value": [float(v) for v in model.metrics.values()]}),
            "decline_calibration": model.calibration,
            "decline_checks": model.checks,
            "decline_importance": global_importance(explanation),
            "decline_groups": groups,
            "decline_run": run_row,
        })
        seconds["store"] = time.perf_counter() - mark
        run.add_counts({"trained": len(profiles.train), "scored": len(customers),
                        "version": registered.version})
    summary = DeclineRun(
        version=registered.version, source=source, as_of=profiles.as_of,
        customers_trained=int(model.metrics["train_customers"]
                              + model.metrics["test_customers"]),
        customers_scored=len(customers), family=str(family_label), metrics=model.metrics,
        seconds=seconds, notes=notes, results=results)
    if publish and not _holds_a_shop(db):
        summary.notes.append("not published: the warehouse holds no events or orders, so it has "
                             "no snapshot to publish to (load a shop with python app.py ingest); "
                             f"the results are stored in {results.parent}")
    elif publish:
        mark = time.perf_counter()
        summary.published = _publish(db, source, profiles.as_of, ops_url)
        seconds["publish"] = time.perf_counter() - mark
        if registered.version == 1:
            summary.rules_added = seed_decline_rules(db, ops_url=ops_url)
    log.info("decline model v%d published in %.1f s", registered.version,
             time.perf_counter() - started)
    return summary
