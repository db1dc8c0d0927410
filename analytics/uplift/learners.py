"""Uplift learners: who converts because of a contact, thin over scikit-learn classifiers.

Each learner is fitted on a randomised campaign — features ``X`` (a frame: numbers, and text
columns one-hot encoded by ``FeatureEncoder``), outcome ``y`` (0/1) and ``treatment`` (1 =
contacted, 0 = control) — and predicts, per customer, the response with and without contact
(``predict_responses``) and their difference, the uplift (``predict``).

* ``TwoModelUplift`` (T-learner): one classifier on the treated, one on the control group;
  uplift = P(y | x, treated) − P(y | x, control).
* ``ClassTransformationUplift`` (Jaskowski & Jaroszewicz 2012, "Uplift modeling for clinical
  trial data", ICML workshop): one classifier of z = 1 when (treated and converted) or (control
  and not converted). With treated and control weighted to equal shares (weights ½ / share of
  the group), P(z = 1 | x) = (1 + uplift(x)) / 2, so uplift = 2·P(z = 1 | x) − 1. It gives no
  response without contact: a control-group classifier adds it, and the response with contact
  is that plus the uplift, cut to [0, 1].
* ``InteractionUplift`` (S-learner with treatment interactions, Lo 2002, "The true lift model",
  SIGKDD Explorations 4(2)): one classifier on [x, t, x·t]; uplift = its prediction with t = 1
  minus with t = 0.

All follow the scikit-learn conventions (hyper-parameters in ``__init__``, ``fit`` returns the
learner, learned attributes end in ``_``), so they clone and pickle. A group without both
outcomes (e.g. no conversion in a small control group) gets a constant probability, its mean.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.preprocessing import OneHotEncoder

MISSING_TEXT = "(missing)"


def default_classifier() -> HistGradientBoostingClassifier:
    """Gradient-boosted trees: they take missing values and interactions as they come, and fit
    100,000 customers in about a second. Shallow (depth 2), slow-learning and regularised,
    because the signal (a difference of a few points in conversion) is small against the noise
    and campaigns are often a few thousand customers (docs/METHODS.md, "Uplift models")."""
    return HistGradientBoostingClassifier(
        learning_rate=0.03, max_iter=200, max_depth=2, min_samples_leaf=50,
        l2_regularization=1.0, early_stopping=False, random_state=0)


class FeatureEncoder(TransformerMixin, BaseEstimator):
    """A frame to a float matrix: numeric columns as they are (missing stays NaN; one missing in
    every training row is left out), text columns one-hot — the ``max_categories`` most frequent
    values of each, the rest together, unseen values as none of them."""

    def __init__(self, max_categories: int = 20) -> None:
        self.max_categories = max_categories

    def fit(self, X: pd.DataFrame, y: Any = None) -> FeatureEncoder:
        numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])
                   or pd.api.types.is_bool_dtype(X[c])]
        # a numeric column missing everywhere says nothing (and trees cannot bin it): left out
        self.numeric_ = [c for c in numeric if X[c].notna().any()]
        self.text_ = [c for c in X.columns if c not in numeric]
        self.encoder_ = None
        if self.text_:
            self.encoder_ = OneHotEncoder(handle_unknown="infrequent_if_exist",
                                          max_categories=self.max_categories,
                                          sparse_output=False)
            self.encoder_.fit(self._text(X))
        return self

    def _text(self, X: pd.DataFrame) -> np.ndarray:
        return X[self.text_].astype("object").where(X[self.text_].notna(), MISSING_TEXT) \
            .astype(str).to_numpy()

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        numbers = X[self.numeric_].to_numpy(dtype=np.float64, na_value=np.nan)
        if self.encoder_ is None:
            return numbers
        return np.hstack([numbers, self.encoder_.transform(self._text(X))])

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        names = list(self.numeric_)
        if self.encoder_ is not None:
            names += list(self.encoder_.get_feature_names_out(self.text_))
        return np.asarray(names, dtype=object)


class ConstantProbability(ClassifierMixin, BaseEstimator):
    """P(y = 1) = the training mean, for a group whose outcomes are all alike."""

    def fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
            ) -> ConstantProbability:
        self.p_ = float(np.average(y, weights=sample_weight))
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        p = np.full(len(X), self.p_)
        return np.column_stack([1 - p, p])


class PresentColumns(ClassifierMixin, BaseEstimator):
    """``estimator`` on the columns with at least one value in training: a group's subset of
    the customers (one arm of the T-learner) may lack a feature entirely, which trees cannot
    bin."""

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator

    def fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
            ) -> PresentColumns:
        self.keep_ = ~np.isnan(X).all(axis=0)
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        self.estimator_ = clone(self.estimator).fit(X[:, self.keep_], y, **kwargs)
        self.classes_ = self.estimator_.classes_
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.estimator_.predict_proba(X[:, self.keep_])


def fit_classifier(estimator: Any, X: np.ndarray, y: np.ndarray,
                   sample_weight: np.ndarray | None = None) -> Any:
    """A clone of ``estimator`` fitted (on the columns that have values), or a
    ``ConstantProbability`` when ``y`` has one class."""
    if np.unique(y).size < 2:
        model: Any = ConstantProbability()
    elif np.isnan(X).all(axis=0).any():
        model = PresentColumns(estimator)
    else:
        model = clone(estimator)
    if sample_weight is None:
        return model.fit(X, y)
    return model.fit(X, y, sample_weight=sample_weight)


def positive_probability(model: Any, X: np.ndarray) -> np.ndarray:
    return model.predict_proba(X)[:, 1]


def _arrays(y: Any, treatment: Any) -> tuple[np.ndarray, np.ndarray]:
    y_, t_ = np.asarray(y).astype(np.int64), np.asarray(treatment).astype(np.int64)
    if not (np.isin(y_, (0, 1)).all() and np.isin(t_, (0, 1)).all()):
        raise ValueError("y and treatment must hold only 0/1")
    if t_.min() == t_.max():
        raise ValueError("an uplift model needs treated and control customers")
    return y_, t_


class UpliftLearner(BaseEstimator):
    """What every learner offers; ``estimator`` is the classifier (None: ``default_classifier``)."""

    def __init__(self, estimator: Any = None, max_categories: int = 20) -> None:
        self.estimator = estimator
        self.max_categories = max_categories

    def _base(self) -> Any:
        return default_classifier() if self.estimator is None else self.estimator

    def _encode_fit(self, X: pd.DataFrame) -> np.ndarray:
        self.encoder_ = FeatureEncoder(self.max_categories).fit(X)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self.encoder_.transform(X)

    def fit(self, X: pd.DataFrame, y: Any, treatment: Any) -> UpliftLearner:
        raise NotImplementedError

    def predict_responses(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(P(convert | contacted), P(convert | not contacted)) per customer."""
        raise NotImplementedError

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The predicted uplift per customer: the change in conversion probability contact
        makes."""
        return self.predict_all(X)[0]

    def predict_all(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(uplift, P(convert | contacted), P(convert | not contacted)) in one pass."""
        treated, control = self.predict_responses(X)
        return treated - control, treated, control


class TwoModelUplift(UpliftLearner):
    """T-learner: separate classifiers for the treated and the control group."""

    def fit(self, X: pd.DataFrame, y: Any, treatment: Any) -> TwoModelUplift:
        y_, t_ = _arrays(y, treatment)
        matrix = self._encode_fit(X)
        self.treated_model_ = fit_classifier(self._base(), matrix[t_ == 1], y_[t_ == 1])
        self.control_model_ = fit_classifier(self._base(), matrix[t_ == 0], y_[t_ == 0])
        return self

    def predict_responses(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        matrix = self.encoder_.transform(X)
        return (positive_probability(self.treated_model_, matrix),
                positive_probability(self.control_model_, matrix))


class ClassTransformationUplift(UpliftLearner):
    """Class transformation with the groups reweighted to equal shares."""

    def fit(self, X: pd.DataFrame, y: Any, treatment: Any) -> ClassTransformationUplift:
        y_, t_ = _arrays(y, treatment)
        matrix = self._encode_fit(X)
        z = (y_ == t_).astype(np.int64)
        share = t_.mean()
        weights = np.where(t_ == 1, 0.5 / share, 0.5 / (1 - share))
        self.transformed_model_ = fit_classifier(self._base(), matrix, z, weights)
        self.control_model_ = fit_classifier(self._base(), matrix[t_ == 0], y_[t_ == 0])
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        matrix = self.encoder_.transform(X)
        return 2 * positive_probability(self.transformed_model_, matrix) - 1

    def predict_all(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        matrix = self.encoder_.transform(X)
        uplift = 2 * positive_probability(self.transformed_model_, matrix) - 1
        control = positive_probability(self.control_model_, matrix)
        return uplift, np.clip(control + uplift, 0.0, 1.0), control

    def predict_responses(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        _, treated, control = self.predict_all(X)
        return treated, control


class InteractionUplift(UpliftLearner):
    """S-learner: one classifier on the features, the treatment flag and their products."""

    @staticmethod
    def _with_treatment(matrix: np.ndarray, flag: np.ndarray) -> np.ndarray:
        column = flag.reshape(-1, 1).astype(np.float64)
        return np.hstack([matrix, column, matrix * column])

    def fit(self, X: pd.DataFrame, y: Any, treatment: Any) -> InteractionUplift:
        y_, t_ = _arrays(y, treatment)
        matrix = self._encode_fit(X)
        self.model_ = fit_classifier(self._base(), self._with_treatment(matrix, t_), y_)
        return self

    def predict_responses(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        matrix = self.encoder_.transform(X)
        ones, zeros = np.ones(len(matrix)), np.zeros(len(matrix))
        return (positive_probability(self.model_, self._with_treatment(matrix, ones)),
                positive_probability(self.model_, self._with_treatment(matrix, zeros)))


LEARNERS: dict[str, type[UpliftLearner]] = {
    "two_model": TwoModelUplift,
    "class_transformation": ClassTransformationUplift,
    "interaction": InteractionUplift,
}
LEARNER_LABELS = {
    "two_model": "Two models (T-learner)",
    "class_transformation": "Class transformation",
    "interaction": "Single model with treatment interactions",
}
