"""Which model predicts decline best: a randomized search over model families, judged once on a
held-out test split.

Every candidate is a scikit-learn Pipeline: a ColumnTransformer that imputes and one-hot encodes
the categories and imputes (median) and standardises the numbers, then one of five families —
logistic regression, k-nearest neighbours, a support vector machine (linear or RBF kernel), a
decision tree, gradient boosting. A ``RandomizedSearchCV`` per family samples an equal share of the
``n_iter`` candidates from that family's hyperparameter distributions (so every family is tried
and reported) and scores each by ROC-AUC with stratified k-fold cross-validation on the training
split only, the same folds for all.

The chosen model is the candidate with the best mean CV ROC-AUC **among those an exact SHAP
explainer supports** (linear: logistic regression and the linear-kernel SVM; tree: the decision
tree and gradient boosting), so that every score can be explained in seconds; when a k-NN or RBF
candidate scored higher, the report says by how much. The test split is used once, after the
choice: each family's best candidate, refitted on the training split, is scored on it (so the
comparison can be read), and the chosen one's test figures are the model's. The decision
threshold maximises F1 on out-of-fold predictions of the training split, never on the test split.

A support vector machine gives a margin, not a probability: when it is chosen it is wrapped in a
sigmoid (Platt) calibration fitted on out-of-fold margins (``ensemble=False``: one SVM, one
sigmoid), which keeps the explanation exact in log-odds.

Baseline: the customer's revenue trend (revenue two months ago minus this month's), a score that
needs no learning; its test ROC-AUC is reported beside the model's.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import loguniform, randint
from sklearn.base import BaseEstimator, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_curve
from sklearn.model_selection import (
    RandomizedSearchCV,
    StratifiedKFold,
    cross_val_predict,
    train_test_split,
)
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from analytics.decline.checks import feature_checks
from analytics.decline.contract import (
    KEY,
    LABEL,
    check_profile,
    is_decreased,
    present_features,
    split_kinds,
)
from analytics.evaluation import (
    average_precision,
    brier_score,
    reliability_table,
    roc_auc,
)

MIN_LABELLED = 100
MIN_PER_CLASS = 20
LINEAR, TREE = "linear", "tree"
BAND_EDGES = (0.4, 0.7)  # precision and recall are also reported at these probabilities
CALIBRATION_BINS = 5


class NotEnoughDataError(ValueError):
    """Too few labelled customers (or of one label) to search, cross-validate and test."""


@dataclass(frozen=True)
class Family:
    """A model family: its estimator with fixed settings and the distributions searched."""

    name: str
    label: str
    estimator: BaseEstimator
    distributions: dict[str, Any]


def families(random_state: int) -> tuple[Family, ...]:
    """The five families and their search spaces (keys without the ``model__`` prefix)."""
    return (
        Family("logistic_regression", "Logistic regression",
               LogisticRegression(max_iter=5000),
               {"C": loguniform(1e-3, 1e2), "class_weight": [None, "balanced"]}),
        Family("knn", "k-nearest neighbours", KNeighborsClassifier(),
               {"n_neighbors": randint(5, 40), "weights": ["uniform", "distance"], "p": [1, 2]}),
        Family("svc", "Support vector machine", SVC(random_state=random_state),
               {"C": loguniform(1e-2, 1e1), "kernel": ["linear", "rbf"],
                "gamma": ["scale", "auto"], "class_weight": [None, "balanced"]}),
        Family("decision_tree", "Decision tree", DecisionTreeClassifier(random_state=random_state),
               {"max_depth": randint(2, 12), "min_samples_leaf": randint(1, 60),
                "criterion": ["gini", "entropy"]}),
        Family("gradient_boosting", "Gradient boosting",
               HistGradientBoostingClassifier(early_stopping=False, random_state=random_state),
               {"max_iter": randint(50, 300), "learning_rate": loguniform(0.01, 0.3),
                "max_depth": randint(2, 5), "min_samples_leaf": randint(5, 60),
                "l2_regularization": loguniform(1e-3, 10.0)}),
    )


def explainer_kind(estimator: BaseEstimator) -> str | None:
    """'linear' or 'tree' when an exact SHAP explainer supports the estimator, else None."""
    if isinstance(estimator, CalibratedClassifierCV):
        estimator = estimator.estimator
    if isinstance(estimator, LogisticRegression):
        return LINEAR
    if isinstance(estimator, SVC):
        return LINEAR if estimator.kernel == "linear" else None
    if isinstance(estimator, DecisionTreeClassifier | HistGradientBoostingClassifier):
        return TREE
    return None


def build_pipeline(numbers: list[str], categories: list[str],
                   estimator: BaseEstimator) -> Pipeline:
    """Impute, encode and scale, then ``estimator``."""
    transformers = []
    if categories:
        transformers.append(("categories", Pipeline([
            ("impute", SimpleImputer(strategy="most_frequent")),
            ("encode", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]), categories))
    if numbers:
        transformers.append(("numbers", Pipeline([
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
        ]), numbers))
    prepare = ColumnTransformer(transformers, verbose_feature_names_out=True)
    return Pipeline([("prepare", prepare), ("model", estimator)])


def finalised(pipeline: Pipeline, random_state: int, cv_folds: int) -> Pipeline:
    """The pipeline as it is fitted to give probabilities: an SVM gets a sigmoid calibration."""
    model = pipeline.named_steps["model"]
    if isinstance(model, SVC):
        folds = StratifiedKFold(cv_folds, shuffle=True, random_state=random_state)
        return Pipeline([*pipeline.steps[:-1], ("model", CalibratedClassifierCV(
            model, method="sigmoid", cv=folds, ensemble=False))])
    return pipeline


@dataclass(frozen=True)
class SearchSettings:
    """How hard to search: ``n_iter`` candidates (shared equally by the families, rounded up),
    ``cv_folds``-fold CV, a ``test_share`` test split; ``n_jobs`` processes for the search
    (results do not depend on it)."""

    n_iter: int = 40
    cv_folds: int = 5
    test_share: float = 0.25
    random_state: int = 7
    n_jobs: int = 1


@dataclass
class DeclineModel:
    """A fitted decline model and the evidence for it.

    ``families``: one row per family — family, label, candidates, cv_mean, cv_sd (of the
    family's best candidate), test_roc_auc (that candidate refitted on the training split),
    explainable, is_chosen, params (text), fit_seconds (mean per fit). ``metrics``: the chosen
    model's test figures. ``calibration``: its reliability table on the test split. ``checks``:
    ``checks.feature_checks`` on the training split. ``split``: 'train' or 'test' per labelled
    customer id.
    """

    pipeline: Pipeline
    features: list[str]
    family: str
    params: dict[str, Any]
    explainer: str
    threshold: float
    families: pd.DataFrame
    metrics: dict[str, float]
    calibration: pd.DataFrame
    checks: pd.DataFrame
    split: pd.Series
    background: pd.DataFrame  # training features, the explanations' reference population
    notes: list[str] = field(default_factory=list)

    def predict_risk(self, profile: pd.DataFrame) -> np.ndarray:
        """Probability that each customer's purchasing decreases."""
        return self.pipeline.predict_proba(profile[self.features])[:, 1]


def _readable(params: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in params.items():
        if key == "model":
            continue
        name = key.removeprefix("model__")
        out[name] = round(float(value), 6) if isinstance(value, float | np.floating) else value
    return out


def _params_text(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in sorted(params.items()))


def _check_counts(y: pd.Series) -> None:
    decreased, steady = int(y.sum()), int(len(y) - y.sum())
    if len(y) < MIN_LABELLED or min(decreased, steady) < MIN_PER_CLASS:
        raise NotEnoughDataError(
            f"{len(y):,} labelled customers ({decreased:,} decreased, {steady:,} at their "
            f"previous level): at least {MIN_LABELLED} with {MIN_PER_CLASS} of each label are "
            "needed to cross-validate and test a model")


def _f1_threshold(y: np.ndarray, probability: np.ndarray) -> float:
    precision, recall, thresholds = precision_recall_curve(y, probability)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.nan_to_num(2 * precision * recall / (precision + recall))
    return float(thresholds[int(np.argmax(f1[:-1]))])


def _at(y: np.ndarray, probability: np.ndarray, threshold: float) -> tuple[float, float]:
    flagged = probability >= threshold
    hits = int((flagged & (y == 1)).sum())
    precision = hits / flagged.sum() if flagged.any() else float("nan")
    return float(precision), float(hits / max(int(y.sum()), 1))


def _trend_baseline(test: pd.DataFrame, y: np.ndarray) -> float:
    if not {"revenue_earlier_month", "revenue_current_month"} <= set(test.columns):
        return float("nan")
    trend = (test["revenue_earlier_month"] - test["revenue_current_month"]).fillna(0)
    return roc_auc(y, trend.to_numpy(float))


def _search_family(base: Pipeline, family: Family, x: pd.DataFrame, y: pd.Series,
                   folds: StratifiedKFold, settings: SearchSettings) -> pd.DataFrame:
    """One family's randomized search: one row per candidate with its CV figures."""
    per_family = max(1, math.ceil(settings.n_iter / len(families(settings.random_state))))
    search = RandomizedSearchCV(
        clone(base).set_params(model=family.estimator),
        {f"model__{k}": v for k, v in family.distributions.items()},
        n_iter=per_family, scoring="roc_auc", cv=folds, refit=False,
        random_state=settings.random_state, n_jobs=settings.n_jobs, error_score="raise")
    search.fit(x, y)
    params = [{"model": family.estimator, **p} for p in search.cv_results_["params"]]
    return pd.DataFrame({
        "family": family.name,
        "cv_mean": search.cv_results_["mean_test_score"],
        "cv_sd": search.cv_results_["std_test_score"],
        "fit_seconds": search.cv_results_["mean_fit_time"],
        "explainable": [explainer_kind(clone(family.estimator).set_params(**{
            k.removeprefix("model__"): v for k, v in p.items()})) is not None
            for p in search.cv_results_["params"]],
        "params": params,
    })


def fit_decline_model(profile: pd.DataFrame, settings: SearchSettings = SearchSettings(),
                      exclude: tuple[str, ...] = ()) -> DeclineModel:
    """Search, choose, test and fit a decline model on the labelled rows of ``profile`` (the
    contract of ``analytics.decline.contract``); ``exclude`` names features to leave out.

    Raises NotEnoughDataError with the counts when the labelled customers are too few.
    """
    check_profile(profile)
    labelled = profile[profile[LABEL].notna()].reset_index(drop=True)
    y_all = is_decreased(labelled).reset_index(drop=True)
    _check_counts(y_all)
    features = present_features(labelled, exclude)
    train, test, y_train, y_test = train_test_split(
        labelled, y_all, test_size=settings.test_share, stratify=y_all,
        random_state=settings.random_state)
    checks = feature_checks(train[features], y_train)
    leaking = checks[checks["is_leak"]]
    leaks = leaking["feature"].tolist()
    notes = [f"left out {name}: alone it predicts the label at ROC-AUC {auc:.3f} (a leak)"
             for name, auc in zip(leaking["feature"], leaking["single_auc"], strict=True)]
    features = [f for f in features if f not in leaks]
    numbers, categories = split_kinds(features)
    base = build_pipeline(numbers, categories, LogisticRegression())
    folds = StratifiedKFold(settings.cv_folds, shuffle=True, random_state=settings.random_state)
    results = pd.concat([_search_family(base, family, train[features], y_train, folds, settings)
                         for family in families(settings.random_state)], ignore_index=True)
    explainable = results[results["explainable"]]
    if explainable.empty:
        raise NotEnoughDataError("no candidate an exact explainer supports was sampled; "
                                 "raise the number of candidates")
    chosen_row = explainable["cv_mean"].idxmax()
    best_row = results["cv_mean"].idxmax()
    if results.loc[best_row, "cv_mean"] > results.loc[chosen_row, "cv_mean"]:
        notes.append(
            f"{results.loc[best_row, 'family']} scored a CV ROC-AUC of "
            f"{results.loc[best_row, 'cv_mean']:.3f}, above the chosen "
            f"{results.loc[chosen_row, 'cv_mean']:.3f}, but no exact explainer supports it")

    x_train, x_test = train[features], test[features]
    y_tr, y_te = y_train.to_numpy(), y_test.to_numpy()
    rows = []
    for family in families(settings.random_state):
        mine = results[results["family"] == family.name]
        if mine.empty:
            continue
        best = mine["cv_mean"].idxmax()
        candidate = clone(base).set_params(**results.loc[best, "params"]).fit(x_train, y_tr)
        score = (candidate.decision_function(x_test) if hasattr(candidate, "decision_function")
                 else candidate.predict_proba(x_test)[:, 1])
        params = _readable(results.loc[best, "params"])
        rows.append({
            "family": family.name, "label": family.label, "candidates": len(mine),
            "cv_mean": float(mine.loc[best, "cv_mean"]), "cv_sd": float(mine.loc[best, "cv_sd"]),
            "test_roc_auc": roc_auc(y_te, score),
            "explainable": bool(mine.loc[best, "explainable"]),
            "is_chosen": family.name == results.loc[chosen_row, "family"],
            "params": _params_text(params),
            "fit_seconds": float(mine["fit_seconds"].mean()),
        })
    chosen_params = results.loc[chosen_row, "params"]
    pipeline = finalised(clone(base).set_params(**chosen_params), settings.random_state,
                         settings.cv_folds)
    out_of_fold = cross_val_predict(pipeline, x_train, y_tr, cv=folds,
                                    method="predict_proba")[:, 1]
    threshold = _f1_threshold(y_tr, out_of_fold)
    started = time.perf_counter()
    pipeline.fit(x_train, y_tr)
    fit_seconds = time.perf_counter() - started
    probability = pipeline.predict_proba(x_test)[:, 1]
    precision, recall = _at(y_te, probability, threshold)
    metrics = {
        "test_roc_auc": roc_auc(y_te, probability),
        "test_pr_auc": average_precision(y_te, probability),
        "test_brier": brier_score(y_te, probability),
        "threshold": threshold,
        "test_precision": precision,
        "test_recall": recall,
        "baseline_test_roc_auc": _trend_baseline(test, y_te),
        "cv_mean": float(results.loc[chosen_row, "cv_mean"]),
        "cv_sd": float(results.loc[chosen_row, "cv_sd"]),
        "train_customers": len(train),
        "test_customers": len(test),
        "train_decreased": int(y_tr.sum()),
        "test_decreased": int(y_te.sum()),
        "candidates": len(results),
        "final_fit_seconds": fit_seconds,
    }
    for edge in BAND_EDGES:
        metrics[f"test_precision_at_{edge:g}"], metrics[f"test_recall_at_{edge:g}"] = _at(
            y_te, probability, edge)
    split = pd.concat([pd.Series("train", index=train[KEY]), pd.Series("test", index=test[KEY])])
    return DeclineModel(
        pipeline=pipeline,
        features=features,
        family=str(results.loc[chosen_row, "family"]),
        params=_readable(chosen_params),
        explainer=str(explainer_kind(pipeline.named_steps["model"])),
        threshold=threshold,
        families=pd.DataFrame(rows),
        metrics=metrics,
        calibration=reliability_table(y_te, probability, n_bins=CALIBRATION_BINS),
        checks=checks,
        split=split.rename("split").rename_axis(KEY),
        background=x_train.reset_index(drop=True),
        notes=notes,
    )
