"""Conversion probability of a daily-list candidate, and two ways to keep it current.

Both models are a logistic regression on the standardised ``features.design_matrix`` columns:
log-loss training makes the output a probability (on the demo its expected conversions stay
within a few percent of the actual ones, docs/METHODS.md), and a linear model's weights can be
read out (``explain``). They differ in how a day's new outcomes enter:

* ``WindowLogisticModel`` (strategy ``"window"``) refits on a rolling window of report dates,
  starting from the previous version's weights (lbfgs ``warm_start``), so a daily refit of a few
  hundred thousand rows takes a fraction of a second. The L2-penalised loss has one minimum, so
  the refit lands where a fit from scratch would;
* ``SgdLogisticModel`` (strategy ``"partial_fit"``) takes stochastic-gradient steps
  (``SGDClassifier.partial_fit``, log loss) on the newly closed days only: cheaper, and it
  remembers old days with decaying weight instead of forgetting them at the window's edge.

``fit`` is a full training (the scaler is fitted too); ``update`` is the daily step and keeps
the scaler, so weights stay comparable from one version to the next. Candidates enter as the
frame of the ``daily_candidates`` feature set (``features.INPUT_COLUMNS``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from analytics.contact_list.features import FEATURE_NAMES, design_matrix

WINDOW, PARTIAL_FIT = "window", "partial_fit"


def _labels(y: Sequence) -> np.ndarray:
    labels = np.asarray(y)
    if labels.ndim != 1 or not np.isin(labels, (0, 1)).all():
        raise ValueError("outcomes must be a 1-D sequence of 0/1")
    return labels.astype(int)


def _weights(sample_weight: Sequence | None, n: int) -> np.ndarray:
    if sample_weight is None:
        return np.ones(n)
    weights = np.asarray(sample_weight, dtype=float)
    if weights.shape != (n,) or (weights <= 0).any() or not np.isfinite(weights).all():
        raise ValueError("sample weights must be positive, finite and one per candidate")
    return weights


class ConversionModel(ClassifierMixin, BaseEstimator):
    """What both strategies share: the design matrix, the scaler and the read-out weights."""

    strategy = ""
    classes_ = np.array([0, 1])

    def _scaled(self, frame: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "scaler_")
        return self.scaler_.transform(design_matrix(frame).to_numpy())

    def _check_training(self, frame: pd.DataFrame, y: Sequence) -> np.ndarray:
        labels = _labels(y)
        if len(labels) != len(frame):
            raise ValueError(f"{len(frame)} candidates but {len(labels)} outcomes")
        if labels.min(initial=1) == labels.max(initial=0):
            raise ValueError("training needs candidates who bought and candidates who did not; "
                             f"these {len(labels):,} all {'did' if labels.any() else 'did not'}")
        return labels

    def _fit_scaler(self, frame: pd.DataFrame) -> np.ndarray:
        design = design_matrix(frame).to_numpy()
        self.scaler_ = StandardScaler().fit(design)
        return self.scaler_.transform(design)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """(n, 2): probability of no purchase and of a purchase within the horizon."""
        return self.classifier_.predict_proba(self._scaled(frame))

    def decision_function(self, frame: pd.DataFrame) -> np.ndarray:
        """Log-odds of a purchase."""
        return self.classifier_.decision_function(self._scaled(frame))

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(frame)[:, 1] >= 0.5).astype(int)

    def coefficients(self) -> pd.Series:
        """Weight of each standardised model column (log-odds per standard deviation)."""
        check_is_fitted(self, "classifier_")
        return pd.Series(self.classifier_.coef_.ravel(), index=list(FEATURE_NAMES),
                         name="coefficient")

    def update(self, frame: pd.DataFrame, y: Sequence, is_new: Sequence[bool],
               sample_weight: Sequence | None = None) -> ConversionModel:
        raise NotImplementedError


class WindowLogisticModel(ConversionModel):
    """Logistic regression refitted daily on a rolling window, warm-started (strategy "window").

    ``C``: inverse L2 penalty strength on the standardised columns (scikit-learn's convention:
    the penalty weighs against the summed, not averaged, log loss, so it matters less as the
    window holds more candidates); ``tol``, ``max_iter``: when lbfgs stops.
    """

    strategy = WINDOW

    def __init__(self, C: float = 0.1, tol: float = 1e-4, max_iter: int = 1000) -> None:
        self.C = C
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, frame: pd.DataFrame, y: Sequence,
            sample_weight: Sequence | None = None) -> WindowLogisticModel:
        labels = self._check_training(frame, y)
        scaled = self._fit_scaler(frame)
        self.classifier_ = LogisticRegression(C=self.C, tol=self.tol, max_iter=self.max_iter,
                                              warm_start=True)
        self.classifier_.fit(scaled, labels, sample_weight=_weights(sample_weight, len(labels)))
        self.n_updates_ = 0
        return self

    def update(self, frame: pd.DataFrame, y: Sequence, is_new: Sequence[bool],
               sample_weight: Sequence | None = None) -> WindowLogisticModel:
        """Refit on the whole window ``frame`` from the current weights (``is_new`` unused:
        the window already holds the new days)."""
        labels = self._check_training(frame, y)
        self.classifier_.fit(self._scaled(frame), labels,
                             sample_weight=_weights(sample_weight, len(labels)))
        self.n_updates_ += 1
        return self


class SgdLogisticModel(ConversionModel):
    """Logistic regression by stochastic gradient descent, updated with ``partial_fit`` on the
    newly closed days only (strategy "partial_fit").

    ``alpha``: L2 penalty per candidate; ``eta0``: the constant step size (a decaying one
    would let the first days outweigh every later update); ``epochs``: passes over the window in
    a full training; ``update_epochs``: passes over the new days in an update. Rows are shuffled
    by a generator seeded from ``random_state`` and the update count, so a version is
    reproducible.
    """

    strategy = PARTIAL_FIT

    def __init__(self, alpha: float = 1e-4, eta0: float = 1e-3, epochs: int = 5,
                 update_epochs: int = 1, random_state: int = 0) -> None:
        self.alpha = alpha
        self.eta0 = eta0
        self.epochs = epochs
        self.update_epochs = update_epochs
        self.random_state = random_state

    def _passes(self, scaled: np.ndarray, labels: np.ndarray, weights: np.ndarray,
                passes: int, seed: int) -> None:
        rng = np.random.default_rng([self.random_state, seed])
        for _ in range(passes):
            order = rng.permutation(len(labels))
            self.classifier_.partial_fit(scaled[order], labels[order], classes=[0, 1],
                                         sample_weight=weights[order])

    def fit(self, frame: pd.DataFrame, y: Sequence,
            sample_weight: Sequence | None = None) -> SgdLogisticModel:
        labels = self._check_training(frame, y)
        scaled = self._fit_scaler(frame)
        self.classifier_ = SGDClassifier(loss="log_loss", alpha=self.alpha,
                                         learning_rate="constant", eta0=self.eta0,
                                         random_state=self.random_state)
        self._passes(scaled, labels, _weights(sample_weight, len(labels)), self.epochs, 0)
        self.n_updates_ = 0
        return self

    def update(self, frame: pd.DataFrame, y: Sequence, is_new: Sequence[bool],
               sample_weight: Sequence | None = None) -> SgdLogisticModel:
        """Gradient steps on the rows of ``frame`` marked ``is_new`` (the newly closed days)."""
        check_is_fitted(self, "classifier_")
        labels = _labels(y)
        new = np.asarray(is_new, dtype=bool)
        if new.shape != labels.shape or len(labels) != len(frame):
            raise ValueError("frame, outcomes and is_new must have one entry per candidate")
        self.n_updates_ += 1
        if new.any():
            weights = _weights(sample_weight, len(labels))[new]
            self._passes(self._scaled(frame.loc[new]), labels[new], weights,
                         self.update_epochs, self.n_updates_)
        return self


STRATEGIES: dict[str, type[ConversionModel]] = {
    WINDOW: WindowLogisticModel,
    PARTIAL_FIT: SgdLogisticModel,
}


def make_model(strategy: str) -> ConversionModel:
    """A new, unfitted model of ``strategy`` ("window" or "partial_fit")."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown update strategy {strategy!r}; choose one of "
                         f"{', '.join(STRATEGIES)}")
    return STRATEGIES[strategy]()
