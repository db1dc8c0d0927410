"""How well a score ranks the customers of an item, judged on what happened after the cut-off.

The page ranks the customers of ONE item, so each evaluation item is judged on its own — every
customer scored, no sampling — and the figures are averaged over items (each item counts once,
whatever its sales): ROC-AUC, PR-AUC (average precision), precision at k, lift of the top decile,
lift by decile and average lift over audience sizes (``analytics.evaluation``). Items without a
buyer in the window (or bought by everyone) have no ranking to judge and are left out of the
averages. The pooled figures rank all (customer, item) rows at once, which also rewards knowing
which items sell; calibration compares predicted and observed rates on the pooled rows, in bins
of equal count (the probabilities are mostly small).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics import evaluation

K_VALUES = (100, 500)
CALIBRATION_BINS = 10
ITEM_METRICS = ("roc_auc", "pr_auc", "top_decile_lift", "average_lift",
                *(f"precision_at_{k}" for k in K_VALUES))


@dataclass(frozen=True)
class Evaluation:
    """One score's figures: per item, their means (``summary``), per-decile means, calibration."""

    per_item: pd.DataFrame
    summary: dict[str, float]
    deciles: pd.DataFrame  # decile, lift, cumulative_recall (means over judged items)
    calibration: pd.DataFrame | None  # reliability table, for probabilities only


def _groups(item_id: np.ndarray) -> list[np.ndarray]:
    order = np.argsort(item_id, kind="stable")
    _, starts = np.unique(item_id[order], return_index=True)
    return np.split(order, starts[1:])


def _judge(y: np.ndarray, s: np.ndarray) -> tuple[dict[str, float], pd.DataFrame | None]:
    n, positives = len(y), int(y.sum())
    row: dict[str, float] = {"customers": n, "positives": positives}
    if positives == 0 or positives == n or n < 10:
        return row | dict.fromkeys(ITEM_METRICS, np.nan), None
    deciles = evaluation.lift_by_decile(y, s)
    row |= {
        "roc_auc": evaluation.roc_auc(y, s),
        "pr_auc": evaluation.average_precision(y, s),
        "top_decile_lift": float(deciles["lift"].iloc[0]),
        "average_lift": evaluation.average_lift(y, s),
    }
    for k in K_VALUES:
        row[f"precision_at_{k}"] = evaluation.precision_at_k(y, s, k) if k <= n else np.nan
    return row, deciles[["decile", "lift", "cumulative_recall"]]


def evaluate_score(
    item_id: np.ndarray | pd.Series, label: np.ndarray | pd.Series, score: np.ndarray,
    *, probabilities: bool = False,
) -> Evaluation:
    """Judge ``score`` on rows (one per customer × evaluation item) with outcome ``label``.

    ``probabilities``: the score is a probability, so calibration is measured too.
    """
    items = np.asarray(item_id).astype(str)
    y = np.asarray(label).astype(float)
    s = np.asarray(score, dtype=float)
    if not (len(items) == len(y) == len(s)) or len(y) == 0:
        raise ValueError("item_id, label and score must be non-empty and of equal length")
    rows, tables = [], []
    for members in _groups(items):
        row, deciles = _judge(y[members], s[members])
        rows.append({"item_id": items[members[0]], **row})
        if deciles is not None:
            tables.append(deciles)
    per_item = pd.DataFrame(rows)
    judged = per_item.dropna(subset=["roc_auc"])
    summary: dict[str, float] = {
        "items": float(len(per_item)), "items_judged": float(len(judged)),
        "rows": float(len(y)), "positives": float(y.sum()), "base_rate": float(y.mean()),
        **{name: float(judged[name].mean()) if len(judged) else np.nan
           for name in ITEM_METRICS},
    }
    if 0 < y.sum() < len(y):
        summary["pooled_roc_auc"] = evaluation.roc_auc(y, s)
        summary["pooled_pr_auc"] = evaluation.average_precision(y, s)
    deciles = (pd.concat(tables).groupby("decile", as_index=False).mean() if tables
               else pd.DataFrame(columns=["decile", "lift", "cumulative_recall"]))
    calibration = None
    if probabilities:
        summary["brier"] = evaluation.brier_score(y, s)
        summary["mean_probability"] = float(s.mean())
        calibration = evaluation.reliability_table(y, s, CALIBRATION_BINS, evaluation.QUANTILE)
    return Evaluation(per_item, summary, deciles, calibration)
