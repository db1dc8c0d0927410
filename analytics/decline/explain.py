"""Why a customer's decline risk is what it is: SHAP values from the explainer that fits the model.

Only exact explainers are used (``shap.LinearExplainer`` for logistic regression and the
linear-kernel SVM, ``shap.TreeExplainer`` for the decision tree and gradient boosting), so every
scored customer is explained in well under a second per thousand; permutation and kernel
explainers are never used. The values explain the model's own output, in its own unit:

* logistic regression and gradient boosting: the log-odds of decline;
* the calibrated SVM: the log-odds of its sigmoid calibration, ``−(a·margin + b)``, which is
  linear in the margin, so the linear explainer stays exact;
* the decision tree: the probability of decline (a leaf holds a share of decreased customers).

For each customer the values sum to the model output minus the base value (the output on the
reference population, the training split). One-hot columns of a category are summed back into
their feature, and each number is explained in its own column, so a reason reads in the
contract's words: ``"promotion share 0.9: +0.21"``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shap
from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from analytics.decline.contract import KEY, feature_label
from analytics.decline.search import LINEAR, TREE, DeclineModel

LOG_ODDS, PROBABILITY = "log-odds", "probability"
TOP_REASONS = 5


@dataclass
class Explanation:
    """SHAP values (customers × features, indexed by customer id), the base value, the model
    output they explain (``base + values.sum(axis=1)``) and its unit."""

    values: pd.DataFrame
    base_value: float
    output: np.ndarray
    unit: str


def _feature_blocks(pipeline: Pipeline, features: list[str]) -> np.ndarray:
    """A matrix (transformed columns × features) that sums each feature's columns."""
    prepare = pipeline.named_steps["prepare"]
    width = sum(s.stop - s.start for s in prepare.output_indices_.values())
    blocks = np.zeros((width, len(features)))
    for name, transformer, columns in prepare.transformers_:
        if name == "remainder" or not len(columns):
            continue
        where = prepare.output_indices_[name]
        if name == "categories":
            sizes = [len(c) for c in transformer.named_steps["encode"].categories_]
        else:
            sizes = [1] * len(columns)
        start = where.start
        for column, size in zip(columns, sizes, strict=True):
            blocks[start:start + size, features.index(column)] = 1.0
            start += size
    return blocks


def _linear_terms(model: object) -> tuple[np.ndarray, float]:
    """Coefficients and intercept of the model's log-odds, linear in the transformed features."""
    if isinstance(model, CalibratedClassifierCV):
        calibrated = model.calibrated_classifiers_[0]
        svm, sigmoid = calibrated.estimator, calibrated.calibrators[0]
        return (-sigmoid.a_ * svm.coef_.ravel(),
                float(-(sigmoid.a_ * svm.intercept_[0] + sigmoid.b_)))
    if isinstance(model, SVC):
        raise ValueError("an uncalibrated SVM gives margins, not probabilities: fit it through "
                         "analytics.decline.search.finalised")
    return model.coef_.ravel(), float(model.intercept_[0])


def explain(model: DeclineModel, profile: pd.DataFrame) -> Explanation:
    """SHAP values of every customer of ``profile`` (the contract's columns) under ``model``."""
    if model.explainer not in (LINEAR, TREE):
        raise ValueError(f"{model.family}: no exact explainer (linear or tree) supports it")
    pipeline = model.pipeline
    prepare, estimator = pipeline.named_steps["prepare"], pipeline.named_steps["model"]
    x = np.asarray(prepare.transform(profile[model.features]), dtype=float)
    if model.explainer == LINEAR:
        coef, intercept = _linear_terms(estimator)
        background = np.asarray(prepare.transform(model.background[model.features]), dtype=float)
        explainer = shap.LinearExplainer((coef, intercept), background)
        values = np.asarray(explainer.shap_values(x))
        base = float(np.ravel(explainer.expected_value)[0])
        output, unit = x @ coef + intercept, LOG_ODDS
    else:
        explained = shap.TreeExplainer(estimator)(x)
        values, base_values = explained.values, np.asarray(explained.base_values)
        if values.ndim == 3:  # a tree classifier explains each class's probability
            values, base, unit = values[:, :, 1], float(base_values[0, 1]), PROBABILITY
            output = estimator.predict_proba(x)[:, 1]
        else:
            base, unit = float(np.ravel(base_values)[0]), LOG_ODDS
            output = estimator.decision_function(x)
    per_feature = values @ _feature_blocks(pipeline, model.features)
    frame = pd.DataFrame(per_feature, columns=model.features,
                         index=pd.Index(profile[KEY].to_numpy(), name=KEY))
    return Explanation(values=frame, base_value=base, output=np.asarray(output, dtype=float),
                       unit=unit)


def value_text(value: object) -> str:
    """A feature value as a reason shows it: 0.9, 4.25, 13, 5,094, or the category."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "unknown"
    if isinstance(value, str):
        return value
    number = float(value)
    if abs(number) >= 100:
        return f"{number:,.0f}"
    return f"{number:.3g}"


def reason_text(label: str, value: object, contribution: float) -> str:
    """``"promotion share 0.9: +0.21"``."""
    return f"{label} {value_text(value)}: {contribution:+.2f}"


def contributions(explanation: Explanation, profile: pd.DataFrame) -> pd.DataFrame:
    """Every customer × feature: customer_id, feature, label, value (as text), value_number
    (NaN for a category), value_scaled (its rank among the customers, 0–1; NaN for a category),
    contribution, rank (1 = largest in absolute value), reason (text)."""
    values = explanation.values
    long = values.reset_index().melt(id_vars=KEY, var_name="feature", value_name="contribution")
    shown = profile.set_index(KEY)[list(values.columns)].reindex(values.index)
    raw = shown.reset_index().melt(id_vars=KEY, var_name="feature", value_name="raw")
    long = long.merge(raw, on=[KEY, "feature"], how="left")
    long["label"] = long["feature"].map(feature_label)
    long["value"] = long["raw"].map(value_text)
    long["value_number"] = pd.to_numeric(long["raw"], errors="coerce")
    long["value_scaled"] = long.groupby("feature")["value_number"].rank(pct=True)
    long["reason"] = [f"{label} {value}: {c:+.2f}" for label, value, c in
                      zip(long["label"], long["value"], long["contribution"], strict=True)]
    long["rank"] = (long.assign(size=long["contribution"].abs())
                    .groupby(KEY)["size"].rank(method="first", ascending=False).astype(int))
    return long.sort_values([KEY, "rank"]).reset_index(drop=True)[
        [KEY, "feature", "label", "value", "value_number", "value_scaled", "contribution", "rank",
         "reason"]]


def top_reason(explanation: Explanation) -> pd.Series:
    """Per customer, the label of the feature that raises the risk most (None when no feature
    raises it)."""
    values = explanation.values
    best = values.idxmax(axis=1)
    raises = values.max(axis=1) > 0
    return best.map(feature_label).where(raises, None).rename("top_reason")


def top_reasons_text(table: pd.DataFrame, n: int = TOP_REASONS) -> pd.Series:
    """Per customer, the ``n`` largest contributions as one text, largest first, ``; ``-joined."""
    top = table[table["rank"] <= n]
    return top.groupby(KEY, sort=False)["reason"].agg("; ".join).rename("reasons")


def global_importance(explanation: Explanation) -> pd.DataFrame:
    """Per feature: feature, label, mean_abs (mean |SHAP|), mean_positive (mean of the positive
    values over all customers), largest first."""
    values = explanation.values
    frame = pd.DataFrame({
        "feature": values.columns,
        "label": [feature_label(f) for f in values.columns],
        "mean_abs": values.abs().mean().to_numpy(),
        "mean_positive": values.clip(lower=0).mean().to_numpy(),
    })
    return frame.sort_values("mean_abs", ascending=False).reset_index(drop=True)
