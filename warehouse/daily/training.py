"""The model versions of the daily list: which one scores a report date, and how a new one is
trained and registered.

A version is identified by the last report date whose outcomes it learned (``labels_through``,
kept in its registry parameters): the list of report date D is scored by the version that
learned through D − horizon − 1 (trained by the job of D − 1), and the job of D then learns
D − horizon, whose outcome window has just closed, for D + 1. ``ensure_version`` returns the
registered version for a date, or trains it: from the version that learned through the latest
earlier date by the strategy's update (warm-started refit on the window, or ``partial_fit`` on
the days it has not seen), or from scratch when there is none or a full retrain is asked for.
So a job run twice finds its versions and trains nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.contact_list.explain import learned_effects
from analytics.contact_list.lists import list_membership, ranking_quality
from analytics.contact_list.model import ConversionModel, make_model
from warehouse.commands.model_registry import (
    ModelArtifactError,
    ModelVersion,
    ModelVersionMismatchError,
    list_versions,
    load_model,
    register_model,
)
from warehouse.daily import cache
from warehouse.daily.data import cutoff_of
from warehouse.daily.store import write_frame
from warehouse.daily.workspace import Workspace

FULL, INCREMENTAL = "full", "incremental"

log = logging.getLogger(__name__)


class NotEnoughHistoryError(ValueError):
    """Too few closed report dates (or no buyer among them) to train a model."""


@dataclass(frozen=True)
class Trained:
    """A model version ready to score: the estimator, its registry entry, whether this call
    registered it."""

    model: ConversionModel
    version: ModelVersion
    created: bool

    @property
    def labels_through(self) -> date:
        return labels_through(self.version)


def labels_through(version: ModelVersion) -> date:
    return date.fromisoformat(version.params["labels_through"])


def _matching(ws: Workspace) -> list[ModelVersion]:
    """The registered versions trained with this workspace's strategy and horizon."""
    settings = ws.settings
    return [v for v in list_versions(ws.engine, ws.models, settings.model_name)
            if v.params.get("strategy") == settings.strategy
            and v.params.get("horizon_days") == settings.horizon_days
            and "labels_through" in v.params]


def version_for(ws: Workspace, through: date) -> ModelVersion | None:
    """The latest version that learned exactly through ``through``."""
    found = [v for v in _matching(ws) if labels_through(v) == through]
    return found[-1] if found else None


def _parent(ws: Workspace, through: date) -> ModelVersion | None:
    """The version that learned through the latest date before ``through`` (latest registered
    among equals)."""
    earlier = [v for v in _matching(ws) if labels_through(v) < through]
    if not earlier:
        return None
    latest = max(labels_through(v) for v in earlier)
    return [v for v in earlier if labels_through(v) == latest][-1]


def _loadable(
    ws: Workspace, version: ModelVersion | None
) -> tuple[ConversionModel, ModelVersion] | None:
    """The parent version's model, or None (train from scratch) when it cannot be used: its
    file is missing or changed, or it was written by other library versions or by an
    earlier form of the model class."""
    if version is None:
        return None
    try:
        model, loaded = load_model(ws.engine, ws.models, ws.settings.model_name,
                                   version.version)
        model.get_params()  # every parameter the current class declares
    except (ModelArtifactError, ModelVersionMismatchError, AttributeError) as error:
        log.warning("model version %d cannot be updated (%s): training from scratch",
                    version.version, error)
        return None
    return model, loaded


def window_days(through: date, first_report_date: date, window: int) -> list[date]:
    """The report dates a version that learns through ``through`` trains on: the last
    ``window`` of them, none before the data's first report date."""
    days = [through - timedelta(days=offset) for offset in range(window)]
    return sorted(day for day in days if day >= first_report_date)


def _outcome(frame: pd.DataFrame) -> np.ndarray:
    return frame["is_converted"].to_numpy(dtype=bool).astype(int)


def _window_metrics(model: ConversionModel, frame: pd.DataFrame, weights: np.ndarray,
                    days: list[date]) -> dict[str, Any]:
    y = _outcome(frame)
    p = model.predict_proba(frame)[:, 1]
    quality = ranking_quality(y, p)
    return {"train_days": len(days), "train_rows": len(frame),
            "train_buyers": int(y.sum()), "train_weight": float(weights.sum()),
            "window_roc_auc": quality["roc_auc"], "window_brier": quality["brier"]}


def _holdout_metrics(parent: ConversionModel, frame: pd.DataFrame, new: np.ndarray,
                     list_size: int) -> dict[str, Any]:
    """How the previous version did on the days it had not learned, before it learns them."""
    if not new.any():
        return {}
    rows = frame.loc[new]
    y = _outcome(rows)
    p = parent.predict_proba(rows)[:, 1]
    quality = ranking_quality(y, p)
    scored = pd.DataFrame({"day": rows["report_date"].to_numpy(), "customer_id":
                           rows["customer_id"].to_numpy(), "y": y, "p": p})
    hits = [float(part["y"][list_membership(part["customer_id"], part["p"], list_size)].sum())
            for _, part in scored.groupby("day")]
    return {"holdout_rows": len(rows), "holdout_buyers": int(y.sum()),
            "holdout_roc_auc": quality["roc_auc"], "holdout_pr_auc": quality["pr_auc"],
            "holdout_brier": quality["brier"], "holdout_list_conversions": float(sum(hits))}


def ensure_version(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    through: date,
    first_report_date: date,
    *,
    full: bool = False,
    prepared: bool = False,
) -> Trained:
    """The version that learned through ``through``: found in the registry, or trained and
    registered (``full``: from scratch, even when one exists). ``prepared``: the caller has
    already made the cache hold its window (``window_days``)."""
    settings = ws.settings
    if not full:
        found = version_for(ws, through)
        if found is not None:
            model, version = load_model(ws.engine, ws.models, settings.model_name,
                                        found.version)
            return Trained(model, version, created=False)
    days = window_days(through, first_report_date, settings.window_days)
    if len(days) < settings.min_training_days:
        raise NotEnoughHistoryError(
            f"not enough history to train on: a model learning through {through} needs "
            f"{settings.min_training_days} report dates with closed outcomes from "
            f"{first_report_date} on, the data has {len(days)}")
    if not prepared:
        cache.ensure(con, ws.cache, feature_days=days, outcome_days=days,
                     horizon_days=settings.horizon_days)
    frame, weights = cache.labelled(ws.cache, days, settings.max_training_rows)
    y = _outcome(frame)
    if y.sum() == 0 or y.sum() == len(y):
        raise NotEnoughHistoryError(
            f"the report dates {days[0]} to {days[-1]} have "
            f"{'no buyer' if y.sum() == 0 else 'only buyers'} among their {len(y):,} "
            "candidates: nothing to learn from yet")
    parent = None if full else _loadable(ws, _parent(ws, through))
    metrics: dict[str, Any] = {}
    if parent is None:
        model = make_model(settings.strategy).fit(frame, y, weights)
        kind, parent_number = FULL, None
    else:
        model, parent_version = parent
        new = (frame["report_date"].dt.date > labels_through(parent_version)).to_numpy()
        metrics |= _holdout_metrics(model, frame, new, settings.list_size)
        model.update(frame, y, new, weights)
        kind, parent_number = INCREMENTAL, parent_version.version
    if not ws.replay:  # in-window figures for the registry's readers, not for a replay's lists
        metrics |= _window_metrics(model, frame, weights, days)
    version = register_model(
        ws.engine, ws.models, settings.model_name, model,
        train_start=cutoff_of(days[0]) - timedelta(days=1),
        train_end=cutoff_of(through + timedelta(days=settings.horizon_days)),
        params={**model.get_params(), "strategy": settings.strategy,
                "horizon_days": settings.horizon_days, "window_days": settings.window_days,
                "labels_through": through.isoformat(), "kind": kind,
                "parent_version": parent_number},
        metrics=metrics,
    )
    if not ws.replay:
        write_frame(ws.reports.effects(settings.model_name, version.version),
                    learned_effects(model, frame))
    log.info("registered %s v%d (%s, learned through %s, %d candidates)", settings.model_name,
             version.version, kind, through, len(frame))
    return Trained(model, version, created=True)
