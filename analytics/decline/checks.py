"""Checks on the features before a model learns from them: multicollinearity and leakage.

* **Multicollinearity**: the variance inflation factor of each number feature,
  ``VIF_j = 1 / (1 − R²_j)`` with ``R²_j`` from regressing feature j on the others (the diagonal
  of the inverse correlation matrix), and every pair correlated at |r| ≥ 0.8. Strongly collinear
  features do not hurt the ranking, but they split credit between them in the explanations, so
  they are reported where the explanations are read.
* **Leakage**: a feature that predicts the label almost perfectly on its own (ROC-AUC of the raw
  value, either direction, ≥ ``LEAK_AUC``; for a category, of its decreased rate) is almost
  always computed from the outcome. Such features are left out of the model and named. By
  construction the warehouse source never gives the model the revenue of the period that defines
  its label (features end at the cut-off, the label period starts there); this check is the
  safety net for other sources.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from analytics.decline.contract import feature_label, split_kinds

LEAK_AUC = 0.97
HIGH_CORRELATION = 0.8
HIGH_VIF = 5.0


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    ranks = rankdata(score)
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def single_feature_auc(features: pd.DataFrame, y: pd.Series) -> pd.Series:
    """For each column, the ROC-AUC it reaches alone, in its better direction (0.5–1)."""
    target = np.asarray(y, dtype=int)
    numbers, categories = split_kinds(features.columns)
    result = {}
    for name in features.columns:
        column = features[name]
        if name in categories:
            score = column.map(pd.Series(target, index=column.index).groupby(column).mean())
        else:
            score = column.fillna(column.median())
        auc = _auc(target, score.to_numpy(dtype=float))
        result[name] = max(auc, 1 - auc)
    return pd.Series(result, dtype=float).reindex(numbers + categories)


def variance_inflation(numbers: pd.DataFrame) -> pd.Series:
    """VIF of each column (inf for a column that is an exact combination of others; NaN for a
    constant one)."""
    filled = numbers.astype(float).fillna(numbers.median(numeric_only=True))
    varying = filled.loc[:, filled.std() > 0]
    result = pd.Series(np.nan, index=numbers.columns, dtype=float)
    if varying.shape[1] == 1:
        result[varying.columns[0]] = 1.0
    elif varying.shape[1] > 1:
        corr = np.corrcoef(varying.to_numpy(), rowvar=False)
        try:
            result[varying.columns] = np.diag(np.linalg.inv(corr))
        except np.linalg.LinAlgError:
            result[varying.columns] = np.inf
    return result


def correlated_pairs(numbers: pd.DataFrame, threshold: float = HIGH_CORRELATION) -> pd.DataFrame:
    """Pairs of number features with |Pearson r| ≥ ``threshold``: feature_a, feature_b, r."""
    filled = numbers.astype(float)
    corr = filled.corr()
    rows = [
        {"feature_a": a, "feature_b": b, "r": float(corr.loc[a, b])}
        for i, a in enumerate(corr.columns) for b in corr.columns[i + 1:]
        if abs(corr.loc[a, b]) >= threshold
    ]
    return pd.DataFrame(rows, columns=["feature_a", "feature_b", "r"])


def feature_checks(features: pd.DataFrame, y: pd.Series) -> pd.DataFrame:
    """One row per feature: feature, label, kind, single_auc, vif, correlated_with (the features
    it correlates with at |r| ≥ 0.8, comma-separated), is_leak (single_auc ≥ ``LEAK_AUC``)."""
    numbers, categories = split_kinds(features.columns)
    auc = single_feature_auc(features, y)
    vif = variance_inflation(features[numbers]) if numbers else pd.Series(dtype=float)
    pairs = correlated_pairs(features[numbers]) if numbers else correlated_pairs(pd.DataFrame())
    partners: dict[str, list[str]] = {}
    for a, b in zip(pairs["feature_a"], pairs["feature_b"], strict=True):
        partners.setdefault(a, []).append(b)
        partners.setdefault(b, []).append(a)
    rows = [{
        "feature": name,
        "label": feature_label(name),
        "kind": "category" if name in categories else "number",
        "single_auc": float(auc[name]),
        "vif": float(vif[name]) if name in vif.index else np.nan,
        "correlated_with": ", ".join(partners.get(name, [])),
        "is_leak": bool(auc[name] >= LEAK_AUC),
    } for name in numbers + categories]
    return pd.DataFrame(rows, columns=["feature", "label", "kind", "single_auc", "vif",
                                       "correlated_with", "is_leak"])
