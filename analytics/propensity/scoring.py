"""How well a score ranks the customers of an item, judged on what happened after the cut-off.

The page ranks the customers of ONE item, so each evaluation item is judged on its own — every
customer scored, no sampling — and the figures are averaged over items (each item counts once,
whatever its sales): ROC-AUC, PR-AUC (average precision), precision at k, lift of the top decile,
lift by decile and average lift over audience sizes, as ``analytics.evaluation`` defines them
(tied customers in a random order, in expectation). Items without a buyer in the window (or bought
by everyone, or with fewer than ten customers) have no ranking to judge and are left out of the
averages. The pooled figures rank all (customer, item) rows at once, which also rewards knowing
which items sell; calibration compares predicted and observed rates on the pooled rows, in bins
of equal count (the probabilities are mostly small).

Every item is judged at once: the rows are sorted once by item and descending score, and each
figure is a sum over the runs of tied scores within an item (``np.bincount`` / ``reduceat``),
so the cost is one sort of the rows, whatever the number of items.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics import evaluation

K_VALUES = (100, 500)
CALIBRATION_BINS = 10
DECILES = 10
MIN_CUSTOMERS = 10  # an item with fewer customers has no deciles to judge
ITEM_METRICS = ("roc_auc", "pr_auc", "top_decile_lift", "average_lift",
                *(f"precision_at_{k}" for k in K_VALUES))


@dataclass(frozen=True)
class Evaluation:
    """One score's figures: per item, their means (``summary``), per-decile means, calibration."""

    per_item: pd.DataFrame
    summary: dict[str, float]
    deciles: pd.DataFrame  # decile, lift, cumulative_recall (means over judged items)
    calibration: pd.DataFrame | None  # reliability table, for probabilities only


@dataclass(frozen=True)
class _Ties:
    """Runs of equal scores within each item, in (item, descending score) order."""

    item: np.ndarray  # the item (code) of each run
    first: np.ndarray  # the run's first row in the sorted rows
    start: np.ndarray  # its first position within its item (0 = the highest score)
    size: np.ndarray
    positives: np.ndarray
    before: np.ndarray  # positives of the item ranked above the run
    offsets: np.ndarray  # per item: its first row in the sorted rows (and the end)
    runs: np.ndarray  # per item: its first run (and the end)

    def expected_hits(self, item: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Expected positives among the first ``x`` customers of each ``item``: a cut through
        a run takes its customers with equal probability (``analytics.evaluation``)."""
        run = np.searchsorted(self.first, self.offsets[item] + x, side="right") - 1
        run = np.clip(run, self.runs[item], self.runs[item + 1] - 1)
        taken = np.clip(x - self.start[run], 0, self.size[run])
        return self.before[run] + taken * self.positives[run] / self.size[run]


def _ties(code: np.ndarray, y: np.ndarray, s: np.ndarray, n_items: int,
          descending: np.ndarray) -> _Ties:
    """``descending``: the rows by descending score (a stable sort, shared with the pooled
    figures); a stable sort by item code (radix, for small codes) keeps that order within."""
    small = code[descending].astype(np.min_scalar_type(max(n_items - 1, 0)))
    order = descending[np.argsort(small, kind="stable")]
    code_sorted, s_sorted, y_sorted = code[order], s[order], y[order]
    first = np.flatnonzero(np.r_[True, (code_sorted[1:] != code_sorted[:-1])
                                 | (s_sorted[1:] != s_sorted[:-1])])
    item = code_sorted[first]
    positives = np.add.reduceat(y_sorted, first)
    offsets = np.r_[0, np.cumsum(np.bincount(code, minlength=n_items))]
    runs = np.r_[np.searchsorted(item, np.arange(n_items)), len(first)]
    cumulative = np.r_[0.0, np.cumsum(positives)]
    before = cumulative[:-1] - cumulative[runs[item]]
    return _Ties(item, first, (first - offsets[item]).astype(float),
                 np.diff(np.r_[first, len(s)]).astype(float), positives, before, offsets, runs)


def _per_item(code: np.ndarray, y: np.ndarray, s: np.ndarray, n_items: int,
              descending: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Per item code: customers, positives and ``ITEM_METRICS`` (NaN when not judged), and the
    decile table (items × deciles × (lift, cumulative recall))."""
    n = np.bincount(code, minlength=n_items).astype(float)
    p = np.bincount(code, weights=y, minlength=n_items)
    ties = _ties(code, y, s, n_items, descending)
    judged = (p > 0) & (p < n) & (n >= MIN_CUSTOMERS)
    # ROC-AUC (Mann–Whitney): a run's ascending average rank is n − start − (size − 1) / 2
    rank = n[ties.item] - ties.start - (ties.size - 1) / 2
    rank_sum = np.bincount(ties.item, weights=ties.positives * rank, minlength=n_items)
    negatives = n - p
    with np.errstate(divide="ignore", invalid="ignore"):
        roc = (rank_sum - p * (p + 1) / 2) / (p * negatives)
        # average precision: each run's positives at the precision after the whole run
        hits_after = ties.before + ties.positives
        precision = hits_after / (ties.start + ties.size)
        pr = np.bincount(ties.item, weights=ties.positives * precision,
                         minlength=n_items) / p
    items = np.arange(n_items)
    cuts = np.floor(np.arange(DECILES + 1)[None, :] * n[:, None] / DECILES)
    at_cuts = ties.expected_hits(np.repeat(items, DECILES + 1), cuts.ravel()).reshape(cuts.shape)
    rate = p / np.maximum(n, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        decile_lift = np.diff(at_cuts, axis=1) / np.diff(cuts, axis=1) / rate[:, None]
        recall = at_cuts[:, 1:] / p[:, None]
        fractions = np.asarray(evaluation.DEFAULT_FRACTIONS)
        k = np.maximum(np.round(fractions[None, :] * n[:, None]), 1)
        hits = ties.expected_hits(np.repeat(items, len(fractions)), k.ravel()).reshape(k.shape)
        average_lift = (hits / k / rate[:, None]).mean(axis=1)
    metrics = {"roc_auc": roc, "pr_auc": pr, "top_decile_lift": decile_lift[:, 0],
               "average_lift": average_lift}
    for k_value in K_VALUES:
        top = ties.expected_hits(items, np.minimum(n, k_value))
        metrics[f"precision_at_{k_value}"] = np.where(n >= k_value, top / k_value, np.nan)
    frame = pd.DataFrame({"customers": n.astype(np.int64), "positives": p.astype(np.int64)})
    for name in ITEM_METRICS:
        frame[name] = np.where(judged, metrics[name], np.nan)
    deciles = np.stack([decile_lift, recall], axis=2)[judged]
    return frame, deciles


def evaluate_score(
    item_id: np.ndarray | pd.Series, label: np.ndarray | pd.Series, score: np.ndarray,
    *, probabilities: bool = False,
) -> Evaluation:
    """Judge ``score`` on rows (one per customer × evaluation item) with outcome ``label``.

    ``probabilities``: the score is a probability, so calibration is measured too.
    """
    y = np.asarray(label).astype(float)
    s = np.asarray(score, dtype=float)
    if not (len(item_id) == len(y) == len(s)) or len(y) == 0:
        raise ValueError("item_id, label and score must be non-empty and of equal length")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("label must hold only 0/1 (or False/True)")
    if not np.isfinite(s).all():
        raise ValueError("score must be finite (no NaN or infinity)")
    code, names = pd.factorize(np.asarray(item_id).astype(str), sort=True)
    descending = np.argsort(-s, kind="stable")
    per_item, decile_table = _per_item(code, y, s, len(names), descending)
    per_item.insert(0, "item_id", names)
    judged = per_item.dropna(subset=["roc_auc"])
    summary: dict[str, float] = {
        "items": float(len(per_item)), "items_judged": float(len(judged)),
        "rows": float(len(y)), "positives": float(y.sum()), "base_rate": float(y.mean()),
        **{name: float(judged[name].mean()) if len(judged) else np.nan
           for name in ITEM_METRICS},
    }
    if 0 < y.sum() < len(y):  # every row as one ranking
        pooled, _ = _per_item(np.zeros(len(y), dtype=np.int64), y, s, 1, descending)
        summary["pooled_roc_auc"] = float(pooled["roc_auc"].iloc[0])
        summary["pooled_pr_auc"] = float(pooled["pr_auc"].iloc[0])
    deciles = (pd.DataFrame({"decile": np.arange(1, DECILES + 1),
                             "lift": decile_table[:, :, 0].mean(axis=0),
                             "cumulative_recall": decile_table[:, :, 1].mean(axis=0)})
               if len(decile_table) else pd.DataFrame(columns=["decile", "lift",
                                                               "cumulative_recall"]))
    calibration = None
    if probabilities:
        summary["brier"] = evaluation.brier_score(y, s)
        summary["mean_probability"] = float(s.mean())
        calibration = evaluation.reliability_table(y, s, CALIBRATION_BINS, evaluation.QUANTILE)
    return Evaluation(per_item, summary, deciles, calibration)
