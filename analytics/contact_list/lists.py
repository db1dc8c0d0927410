"""A ranked contact list, and how a list turned out once its outcome window closed.

The model's list is a concrete file: the ``size`` highest probabilities, ties (rare for a
model) in customer id order, so the same scores always give the same file. The baseline's
scores tie often, so its list is judged fairly: a cut through a tie takes each tied visitor with
the same probability (``tie_shared_membership``), and its conversions are *expected* counts
(fractions where the cut splits a tie), as ``analytics.evaluation`` counts hits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analytics.evaluation import (
    average_precision,
    bootstrap_relative_increase,
    brier_score,
    roc_auc,
)


def ranked(customer_ids: Sequence, probability: Sequence) -> np.ndarray:
    """Positions that order candidates by descending probability, then ascending id."""
    ids = np.asarray(customer_ids).astype(str)
    p = np.asarray(probability, dtype=float)
    return np.lexsort((ids, -p))


def list_membership(customer_ids: Sequence, probability: Sequence, size: int) -> np.ndarray:
    """True for the candidates in the list of ``size`` (all of them when fewer)."""
    order = ranked(customer_ids, probability)
    member = np.zeros(len(order), dtype=bool)
    member[order[: int(size)]] = True
    return member


def tie_shared_membership(score: Sequence, size: int) -> np.ndarray:
    """Each candidate's chance of being in a top-``size`` list when ties at the cut are drawn at
    random: 1 above the cut score, a shared fraction at it, 0 below."""
    s = np.asarray(score, dtype=float)
    if len(s) <= size:
        return np.ones(len(s))
    cut = np.sort(s)[::-1][int(size) - 1]
    above = s > cut
    tied = s == cut
    share = (size - above.sum()) / tied.sum()
    return np.where(above, 1.0, np.where(tied, share, 0.0))


def list_result(
    converted: Sequence,
    probability: Sequence,
    in_list: Sequence[bool],
    baseline_share: Sequence[float],
) -> dict[str, float]:
    """How the model's list and the baseline's did among one day's candidates.

    In (one entry per candidate): ``converted`` 0/1 in the outcome window, the model's
    ``probability``, ``in_list`` (the model's list), ``baseline_share`` (chance of being in the
    baseline's list). Out: ``candidates``, ``converted_candidates``, ``list_size``,
    ``list_conversions``, ``expected_list_conversions`` (sum of the listed probabilities),
    ``precision_at_list`` and the baseline's ``baseline_list_conversions`` and
    ``baseline_precision_at_list``.
    """
    y = np.asarray(converted, dtype=float)
    p = np.asarray(probability, dtype=float)
    member = np.asarray(in_list, dtype=bool)
    base = np.asarray(baseline_share, dtype=float)
    size = int(member.sum())
    hits = float(y[member].sum())
    base_hits = float((y * base).sum())
    return {
        "candidates": len(y),
        "converted_candidates": float(y.sum()),
        "list_size": size,
        "list_conversions": hits,
        "expected_list_conversions": float(p[member].sum()),
        "precision_at_list": hits / size if size else np.nan,
        "baseline_list_conversions": base_hits,
        "baseline_precision_at_list": base_hits / size if size else np.nan,
    }


def ranking_quality(converted: Sequence, probability: Sequence) -> dict[str, float]:
    """ROC-AUC, PR-AUC (average precision) and Brier score; NaN where a day has no buyer (or
    only buyers), which leaves ranking undefined."""
    y = np.asarray(converted, dtype=int)
    p = np.asarray(probability, dtype=float)
    both = 0 < y.sum() < len(y)
    return {
        "roc_auc": roc_auc(y, p) if both else np.nan,
        "pr_auc": average_precision(y, p) if y.sum() else np.nan,
        "brier": brier_score(y, p),
    }


def relative_increase(
    model_hits: Sequence[float], baseline_hits: Sequence[float], *, random_state: int = 0
) -> dict[str, float]:
    """Model list conversions ÷ baseline list conversions − 1 with a bootstrap 95 % interval
    over candidates (``analytics.evaluation.bootstrap_relative_increase``)."""
    result = bootstrap_relative_increase(model_hits, baseline_hits, random_state=random_state)
    return {"relative_increase": result.relative_increase, "ci_low": result.ci_low,
            "ci_high": result.ci_high}
