"""Fit the uplift learners on one campaign, compare them on customers they never saw, keep the best.

``fit_uplift(X, y, treatment)`` holds out a part of the campaign's customers (``HOLDOUT_SHARE``,
stratified by group and outcome), fits every learner of ``analytics.uplift.learners`` on the
rest, and scores the held-out part: Qini coefficient with a bootstrap interval, AUUC and uplift
at k (``analytics.uplift.metrics``). The learner with the highest held-out Qini coefficient is
chosen and fitted again on every customer (the model that scores customers from then on); its
held-out ranking gives the Qini curves, the deciles (predicted against actual uplift) and the
targeting counts the economic table is built from (``analytics.uplift.economics``). The reported
quality is the held-out one, of the learner fitted without those customers.

The classifiers run on one thread (``threadpoolctl``): on a busy two-core machine, scikit-learn's
OpenMP threads waiting on each other made a 100,000-customer comparison ten times slower. The
learners are compared two at a time instead (``COMPARISON_WORKERS``), each on one thread: every
fit computes what it computes alone, and both cores work.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.model_selection import GroupShuffleSplit, train_test_split
from threadpoolctl import threadpool_limits

from analytics.uplift.economics import GRID
from analytics.uplift.learners import LEARNER_LABELS, LEARNERS, UpliftLearner
from analytics.uplift.metrics import (
    DEFAULT_K,
    auuc,
    qini_coefficient,
    qini_interval,
    targeting_counts,
    uplift_at_k,
    uplift_by_decile,
)

HOLDOUT_SHARE = 0.3
MIN_GROUP_CUSTOMERS = 100  # per group, to learn anything about the difference between them
MIN_CONVERSIONS = 10
CURVE_SHARES = np.round(np.arange(0, 101) / 100, 2)
COMPARISON_WORKERS = 2  # learners fitted and scored at the same time, one thread each


class NotEnoughDataError(ValueError):
    """The campaign is too small to learn from: the message says what is missing."""


@dataclass
class UpliftFit:
    """The chosen learner refitted on every customer, and the held-out evidence.

    ``comparison``: one row per learner — learner, label, qini_coefficient, qini_low, qini_high,
    auuc, uplift_at_k, fit_seconds, is_chosen. ``curves``: learner, share (0 to 1 by 0.01),
    customers, incremental_conversions (the Qini curve at that share of the held-out ranking).
    ``deciles``, ``targeting``: the chosen learner's held-out deciles and targeting counts (per
    ``GRID`` share). ``holdout``: position (in the input), y, treatment and each learner's
    predicted uplift of the held-out customers.
    """

    chosen: str
    model: UpliftLearner
    comparison: pd.DataFrame
    curves: pd.DataFrame
    deciles: pd.DataFrame
    targeting: pd.DataFrame
    holdout: pd.DataFrame
    k: float
    count_train: int
    count_holdout: int
    seconds: float


def too_small(count_treatment: int, count_control: int, conversions: int) -> str | None:
    """Why a campaign of that size cannot be learnt from (None when it can): each group needs
    ``MIN_GROUP_CUSTOMERS`` customers and the campaign ``MIN_CONVERSIONS`` conversions."""
    if min(count_treatment, count_control) < MIN_GROUP_CUSTOMERS:
        return (f"{count_treatment:,} treated and {count_control:,} control customers: an "
                f"uplift model needs at least {MIN_GROUP_CUSTOMERS} in each group")
    if conversions < MIN_CONVERSIONS:
        return f"{conversions:,} conversions: an uplift model needs at least {MIN_CONVERSIONS}"
    return None


def check_trainable(y: np.ndarray, treatment: np.ndarray) -> None:
    """NotEnoughDataError naming what is missing (``too_small``)."""
    reason = too_small(int(treatment.sum()), int((1 - treatment).sum()), int(y.sum()))
    if reason is not None:
        raise NotEnoughDataError(reason)


def _split(y: np.ndarray, treatment: np.ndarray, random_state: int,
           groups: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    positions = np.arange(len(y))
    if groups is not None:  # every row of a group (a customer in several campaigns) on one side
        train, test = next(GroupShuffleSplit(n_splits=1, test_size=HOLDOUT_SHARE,
                                             random_state=random_state).split(positions,
                                                                              groups=groups))
        return np.sort(train), np.sort(test)
    strata = treatment * 2 + y
    counts = np.bincount(strata, minlength=4)
    stratify = strata if counts[counts > 0].min() >= 2 else treatment
    train, test = train_test_split(positions, test_size=HOLDOUT_SHARE, stratify=stratify,
                                   random_state=random_state)
    return np.sort(train), np.sort(test)


def _curve(learner: str, y: np.ndarray, score: np.ndarray, t: np.ndarray) -> pd.DataFrame:
    counts = targeting_counts(y, score, t, CURVE_SHARES)
    n_t, n_c = counts["n_treatment"].to_numpy(float), counts["n_control"].to_numpy(float)
    ratio = np.divide(n_t, n_c, out=np.zeros_like(n_t), where=n_c > 0)
    return pd.DataFrame({
        "learner": learner, "share": counts["share"], "customers": counts["customers"],
        "incremental_conversions": counts["conversions_treatment"]
        - counts["conversions_control"] * ratio,
    })


def fit_uplift(
    X: pd.DataFrame, y: ArrayLike, treatment: ArrayLike, *,
    learners: Sequence[str] = tuple(LEARNERS), k: float = DEFAULT_K, estimator: Any = None,
    random_state: int = 0, bootstrap_samples: int = 200, groups: ArrayLike | None = None,
) -> UpliftFit:
    """Compare ``learners`` on a held-out part of the campaign; refit the best on all of it.

    ``X``: one row per customer (numbers, and text columns); ``y``: converted (0/1);
    ``treatment``: contacted (1) or control (0). ``groups`` (e.g. the customer of each row when
    campaigns are pooled) keeps all rows of a group on one side of the hold-out, so no customer
    is judged on rows of theirs the learners saw. Raises NotEnoughDataError for a campaign too
    small to learn from.
    """
    with threadpool_limits(limits=1, user_api="openmp"):
        return _fit_uplift(X, y, treatment, learners=learners, k=k, estimator=estimator,
                           random_state=random_state, bootstrap_samples=bootstrap_samples,
                           groups=None if groups is None else np.asarray(groups))


def _fit_uplift(
    X: pd.DataFrame, y: ArrayLike, treatment: ArrayLike, *,
    learners: Sequence[str], k: float, estimator: Any, random_state: int,
    bootstrap_samples: int, groups: np.ndarray | None,
) -> UpliftFit:
    started = time.perf_counter()
    y_ = np.asarray(y).astype(np.int64)
    t_ = np.asarray(treatment).astype(np.int64)
    if len(X) != len(y_) or len(y_) != len(t_):
        raise ValueError(f"X, y and treatment must have the same length, got {len(X)}, "
                         f"{len(y_)} and {len(t_)}")
    check_trainable(y_, t_)
    train, test = _split(y_, t_, random_state, groups)
    X_train, X_test = X.iloc[train], X.iloc[test]
    y_test, t_test = y_[test], t_[test]

    def compare(name: str) -> tuple[dict[str, Any], pd.DataFrame, np.ndarray]:
        # OpenMP's thread limit holds per thread: set it in the thread that fits
        with threadpool_limits(limits=1, user_api="openmp"):
            fit_started = time.perf_counter()
            learner = LEARNERS[name](estimator=estimator).fit(X_train, y_[train], t_[train])
            seconds = time.perf_counter() - fit_started
            score = learner.predict(X_test)
            low, high = qini_interval(y_test, score, t_test, samples=bootstrap_samples,
                                      seed=random_state)
        row = {"learner": name, "label": LEARNER_LABELS[name],
               "qini_coefficient": qini_coefficient(y_test, score, t_test),
               "qini_low": low, "qini_high": high,
               "auuc": auuc(y_test, score, t_test),
               "uplift_at_k": uplift_at_k(y_test, score, t_test, k),
               "fit_seconds": seconds}
        return row, _curve(name, y_test, score, t_test), score

    with ThreadPoolExecutor(max_workers=COMPARISON_WORKERS) as pool:
        compared = list(pool.map(compare, learners))
    rows = [row for row, _, _ in compared]
    curves = [curve for _, curve, _ in compared]
    scores = {name: score for name, (_, _, score) in zip(learners, compared, strict=True)}
    comparison = pd.DataFrame(rows)
    chosen = str(comparison.loc[comparison["qini_coefficient"].idxmax(), "learner"])
    comparison["is_chosen"] = comparison["learner"] == chosen
    model = LEARNERS[chosen](estimator=estimator).fit(X, y_, t_)
    best = scores[chosen]
    holdout = pd.DataFrame({"position": test, "y": y_test, "treatment": t_test,
                            **{f"uplift_{name}": score for name, score in scores.items()}})
    return UpliftFit(
        chosen=chosen, model=model, comparison=comparison,
        curves=pd.concat(curves, ignore_index=True),
        deciles=uplift_by_decile(y_test, best, t_test),
        targeting=targeting_counts(y_test, best, t_test, GRID),
        holdout=holdout, k=k, count_train=len(train), count_holdout=len(test),
        seconds=time.perf_counter() - started)
