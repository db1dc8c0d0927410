"""The linear candidates and scoring from stored coefficients.

Three families, each a scikit-learn Pipeline of a StandardScaler and a linear classifier with
logistic loss, fitted with sample weights (negatives are sampled, and weighted back by the
inverse of their sampling rate, so the probabilities stay calibrated):

* ``logistic_l2`` — LogisticRegression, L2 penalty (``l1_ratio=0``, lbfgs), strength ``C``;
* ``logistic_l1`` — LogisticRegression, L1 penalty (``l1_ratio=1``, liblinear): sets unhelpful
  features to exactly zero (liblinear penalises the intercept too; a large intercept scaling
  keeps that penalty negligible);
* ``sgd`` — SGDClassifier with logistic loss and an L2 penalty ``alpha``, ten passes at an
  adaptive step: a fit whose cost grows only linearly with the rows.

A fitted model is a linear score on standardised features, so it is stored as plain numbers
(``LinearParams``: per feature its mean, scale and coefficient, plus the intercept) and scored
with numpy anywhere, without unpickling: ``linear_probability`` equals the pipeline's
``predict_proba``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler


@dataclass(frozen=True)
class Family:
    name: str
    label: str
    parameter: str  # the regularisation setting searched on the validation period
    grid: tuple[float, ...]


FAMILIES: tuple[Family, ...] = (
    Family("logistic_l2", "Logistic regression (L2)", "C", (0.01, 0.1, 1.0)),
    Family("logistic_l1", "Logistic regression (L1)", "C", (0.01, 0.1, 1.0)),
    Family("sgd", "SGD, logistic loss (L2)", "alpha", (1e-5, 1e-4, 1e-3)),
)
FAMILY_BY_NAME = {family.name: family for family in FAMILIES}
MAX_ITER = 300
# SGD: a fixed number of passes at an adaptive step; the default 'optimal' step diverges on
# rows weighted up to 1 / negative_rate, and averaging (ASGD) lost a third of the PR-AUC.
SGD_ETA0 = 0.01
SGD_EPOCHS = 10
# saga took 20 s per fit on the grocery demo at scale 0.2 without converging; liblinear 1 s
L1_INTERCEPT_SCALING = 100.0


def make_model(family: str, value: float, random_state: int = 0) -> Pipeline:
    """An unfitted pipeline of ``family`` with its regularisation set to ``value``."""
    if family == "logistic_l2":
        classifier = LogisticRegression(C=value, l1_ratio=0.0, solver="lbfgs",
                                        max_iter=MAX_ITER)
    elif family == "logistic_l1":
        classifier = LogisticRegression(C=value, l1_ratio=1.0, solver="liblinear",
                                        max_iter=MAX_ITER, intercept_scaling=L1_INTERCEPT_SCALING,
                                        random_state=random_state)
    elif family == "sgd":
        classifier = SGDClassifier(loss="log_loss", penalty="l2", alpha=value,
                                   learning_rate="adaptive", eta0=SGD_ETA0, max_iter=SGD_EPOCHS,
                                   tol=None, random_state=random_state)
    else:
        raise ValueError(f"unknown model family {family!r}; known: "
                         f"{', '.join(FAMILY_BY_NAME)}")
    return Pipeline([("scale", StandardScaler()), ("model", classifier)])


def fit_model(
    family: str, value: float, x: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None,
    random_state: int = 0,
) -> Pipeline:
    """``make_model(family, value)`` fitted on ``x``, ``y`` (0/1) with sample weights."""
    y = np.asarray(y)
    if y.min() == y.max():
        raise ValueError("training rows need both outcomes: every row has the same label")
    model = make_model(family, value, random_state)
    model.fit(x, y, model__sample_weight=weight)
    return model


@dataclass(frozen=True)
class LinearParams:
    """A fitted linear model as numbers: p = σ(b + Σ_j w_j · (x_j − mean_j) / scale_j)."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def frame(self) -> pd.DataFrame:
        """One row per feature: feature, mean, scale, coefficient (and the intercept apart)."""
        return pd.DataFrame({"feature": list(self.names), "mean": self.mean,
                             "scale": self.scale, "coefficient": self.coef})

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, intercept: float) -> LinearParams:
        return cls(tuple(frame["feature"]), frame["mean"].to_numpy(float),
                   frame["scale"].to_numpy(float), frame["coefficient"].to_numpy(float),
                   float(intercept))


def linear_params(model: Pipeline, names: tuple[str, ...]) -> LinearParams:
    """The numbers of a fitted pipeline of ``make_model``."""
    scaler, classifier = model.named_steps["scale"], model.named_steps["model"]
    return LinearParams(names, np.asarray(scaler.mean_, float), np.asarray(scaler.scale_, float),
                        np.asarray(classifier.coef_[0], float),
                        float(np.ravel(classifier.intercept_)[0]))


def linear_probability(x: np.ndarray, params: LinearParams) -> np.ndarray:
    """Probabilities of rows ``x`` (columns in ``params.names`` order)."""
    if x.shape[1] != len(params.names):
        raise ValueError(f"expected {len(params.names)} feature columns, got {x.shape[1]}")
    weights = params.coef / params.scale  # the standardisation folded into the weights
    z = x @ weights + (params.intercept - params.mean @ weights)
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))
