"""How good a customer score is, judged on what happened later: ranking (ROC-AUC, PR-AUC),
targeting (precision and recall in the top k, lift by decile, average lift over audience sizes),
calibration (Brier score, reliability table) and a bootstrap interval for "how many more
conversions did the model's top k find than the baseline's".

Inputs are one value per customer: ``y_true`` (1 = the outcome happened, e.g. converted within the
horizon; 0 otherwise) and ``score`` (higher = more likely; a probability for the calibration
measures). Customers with tied scores are never ordered arbitrarily: a top k that cuts through a
tie takes each tied customer with the same probability, so hits at k and per-decile positives are
*expected* counts over that random choice (fractions where a cut splits a tie).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata

DEFAULT_FRACTIONS = (0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.40, 0.50)
UNIFORM, QUANTILE = "uniform", "quantile"


def _labels_and_scores(y_true: Sequence, score: Sequence) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true)
    s = np.asarray(score, dtype=float)
    if y.ndim != 1 or s.shape != y.shape:
        raise ValueError(f"y_true and score must be 1-D and of equal length, got {y.shape} and "
                         f"{s.shape}")
    if len(y) == 0:
        raise ValueError("no customers to evaluate")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y_true must hold only 0/1 (or False/True)")
    if not np.isfinite(s).all():
        raise ValueError("score must be finite (no NaN or infinity)")
    return y.astype(float), s


def _need_both_classes(y: np.ndarray, what: str) -> None:
    if y.min() == y.max():
        raise ValueError(f"{what} needs customers with and without the outcome, got only "
                         f"{'with' if y[0] else 'without'}")


def roc_auc(y_true: Sequence, score: Sequence) -> float:
    """Area under the ROC curve: the probability that a random customer with the outcome scores
    above a random one without it, ties counting one half (Mann-Whitney U / (n₁·n₀))."""
    y, s = _labels_and_scores(y_true, score)
    _need_both_classes(y, "ROC-AUC")
    ranks = rankdata(s)  # average ranks for ties
    n_pos = y.sum()
    n_neg = len(y) - n_pos
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def average_precision(y_true: Sequence, score: Sequence) -> float:
    """PR-AUC as average precision: Σ over distinct score thresholds (high to low) of the gain
    in recall times the precision at that threshold — no interpolation, tied customers enter
    together (the definition of ``sklearn.metrics.average_precision_score``)."""
    y, s = _labels_and_scores(y_true, score)
    if y.sum() == 0:
        raise ValueError("average precision needs at least one customer with the outcome")
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    last_of_tie = np.r_[s_sorted[1:] != s_sorted[:-1], True]
    true_pos = np.cumsum(y_sorted)[last_of_tie]
    selected = np.flatnonzero(last_of_tie) + 1.0
    recall = true_pos / y.sum()
    precision = true_pos / selected
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def _expected_hits_curve(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                 np.ndarray, np.ndarray]:
    """Tied groups in descending score order: start position, size, positives before, positives.

    Expected positives among the first x customers = before[g] + (x − start[g])·pos[g]/size[g]
    for the group g that contains position x.
    """
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    first_of_tie = np.r_[True, s_sorted[1:] != s_sorted[:-1]]
    start = np.flatnonzero(first_of_tie)
    size = np.diff(np.r_[start, len(s)])
    positives = np.add.reduceat(y_sorted, start)
    before = np.r_[0.0, np.cumsum(positives)[:-1]]
    return start, size, before, positives


def _expected_hits(curve: tuple, x: np.ndarray) -> np.ndarray:
    start, size, before, positives = curve
    x = np.asarray(x, dtype=float)
    group = np.clip(np.searchsorted(start, x, side="right") - 1, 0, len(start) - 1)
    return before[group] + np.clip(x - start[group], 0, size[group]) * positives[group] / size[
        group]


def _check_k(k: int, n: int) -> int:
    if int(k) != k or not 1 <= k <= n:
        raise ValueError(f"k must be a whole number from 1 to {n} (the customers), got {k!r}")
    return int(k)


def expected_hits_at_k(y_true: Sequence, score: Sequence, k: int) -> float:
    """Customers with the outcome among the k highest scores (expected over ties at the cut)."""
    y, s = _labels_and_scores(y_true, score)
    return float(_expected_hits(_expected_hits_curve(y, s), np.array([_check_k(k, len(y))]))[0])


def precision_at_k(y_true: Sequence, score: Sequence, k: int) -> float:
    """Share of the k highest-scored customers who had the outcome."""
    return expected_hits_at_k(y_true, score, k) / k


def recall_at_k(y_true: Sequence, score: Sequence, k: int) -> float:
    """Share of all customers with the outcome who are among the k highest scores."""
    y, _ = _labels_and_scores(y_true, score)
    if y.sum() == 0:
        raise ValueError("recall needs at least one customer with the outcome")
    return expected_hits_at_k(y_true, score, k) / y.sum()


def lift_by_decile(y_true: Sequence, score: Sequence, n_bins: int = 10) -> pd.DataFrame:
    """Customers cut into ``n_bins`` equal groups by descending score (1 = highest scores).

    Columns: ``decile``, ``customers``, ``positives`` (expected where a tie straddles a cut),
    ``rate``, ``lift`` (rate ÷ overall rate), ``cumulative_customers``, ``cumulative_positives``,
    ``cumulative_rate``, ``cumulative_lift``, ``cumulative_recall`` (share of all positives
    captured). Group sizes differ by at most one (cuts at ⌊i·n / n_bins⌋).
    """
    y, s = _labels_and_scores(y_true, score)
    if int(n_bins) != n_bins or not 1 <= n_bins <= len(y):
        raise ValueError(f"n_bins must be a whole number from 1 to {len(y)}, got {n_bins!r}")
    cuts = np.floor(np.arange(n_bins + 1) * len(y) / n_bins)
    cumulative = _expected_hits(_expected_hits_curve(y, s), cuts)
    overall = y.mean()
    frame = pd.DataFrame({
        "decile": np.arange(1, n_bins + 1),
        "customers": np.diff(cuts).astype(int),
        "positives": np.diff(cumulative),
        "cumulative_customers": cuts[1:].astype(int),
        "cumulative_positives": cumulative[1:],
    })
    frame["rate"] = frame["positives"] / frame["customers"]
    frame["lift"] = frame["rate"] / overall if overall > 0 else np.nan
    frame["cumulative_rate"] = frame["cumulative_positives"] / frame["cumulative_customers"]
    frame["cumulative_lift"] = frame["cumulative_rate"] / overall if overall > 0 else np.nan
    frame["cumulative_recall"] = frame["cumulative_positives"] / y.sum() if y.sum() else np.nan
    return frame[["decile", "customers", "positives", "rate", "lift", "cumulative_customers",
                  "cumulative_positives", "cumulative_rate", "cumulative_lift",
                  "cumulative_recall"]]


def lift_curve(
    y_true: Sequence, score: Sequence, fractions: Sequence[float] = DEFAULT_FRACTIONS
) -> pd.DataFrame:
    """Precision and lift of the top ``fraction`` of customers, for each audience size.

    Columns: ``fraction``, ``k`` (= max(1, round(fraction·n))), ``hits`` (expected), ``precision``,
    ``lift`` (precision ÷ overall rate).
    """
    y, s = _labels_and_scores(y_true, score)
    shares = np.asarray(fractions, dtype=float)
    if shares.size == 0 or not ((shares > 0) & (shares <= 1)).all():
        raise ValueError("fractions must be in (0, 1]")
    if y.sum() == 0:
        raise ValueError("lift needs at least one customer with the outcome")
    k = np.maximum(np.round(shares * len(y)), 1)
    hits = _expected_hits(_expected_hits_curve(y, s), k)
    return pd.DataFrame({"fraction": shares, "k": k.astype(int), "hits": hits,
                         "precision": hits / k, "lift": hits / k / y.mean()})


def average_lift(
    y_true: Sequence, score: Sequence, fractions: Sequence[float] = DEFAULT_FRACTIONS
) -> float:
    """Lift quality over audience sizes: the mean lift of the top 5 %, 10 %, …, 50 % (or the
    given ``fractions``). 1 = no better than random; a model that is only good in its first
    few customers, or only over broad audiences, scores lower than one good at every size."""
    return float(lift_curve(y_true, score, fractions)["lift"].mean())


def brier_score(y_true: Sequence, probability: Sequence) -> float:
    """Mean squared difference between predicted probability and outcome (0 = perfect)."""
    y, p = _labels_and_scores(y_true, probability)
    _check_probabilities(p)
    return float(np.mean((p - y) ** 2))


def _check_probabilities(p: np.ndarray) -> None:
    if p.min() < 0 or p.max() > 1:
        raise ValueError("probabilities must lie in [0, 1]")


def reliability_table(
    y_true: Sequence, probability: Sequence, n_bins: int = 10, strategy: str = UNIFORM
) -> pd.DataFrame:
    """Predicted against observed outcome rate per probability bin (a reliability diagram).

    ``strategy``: ``"uniform"`` (equal-width bins on [0, 1]) or ``"quantile"`` (equal-count bins).
    Bins are (lower, upper], the first one including its lower edge, as
    ``sklearn.calibration.calibration_curve`` bins them. Columns: ``bin``, ``lower``, ``upper``,
    ``customers``, ``mean_predicted``, ``observed_rate`` (NaN in an empty bin), ``abs_gap``.
    """
    y, p = _labels_and_scores(y_true, probability)
    _check_probabilities(p)
    if int(n_bins) != n_bins or n_bins < 1:
        raise ValueError(f"n_bins must be a whole number >= 1, got {n_bins!r}")
    if strategy == UNIFORM:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    elif strategy == QUANTILE:
        edges = np.percentile(p, np.linspace(0, 100, n_bins + 1))
    else:
        raise ValueError(f"strategy must be {UNIFORM!r} or {QUANTILE!r}, got {strategy!r}")
    bins = np.searchsorted(edges[1:-1], p)
    customers = np.bincount(bins, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        predicted = np.bincount(bins, weights=p, minlength=n_bins) / customers
        observed = np.bincount(bins, weights=y, minlength=n_bins) / customers
    return pd.DataFrame({
        "bin": np.arange(n_bins), "lower": edges[:-1], "upper": edges[1:],
        "customers": customers, "mean_predicted": predicted, "observed_rate": observed,
        "abs_gap": np.abs(observed - predicted),
    })


def top_k_mask(score: Sequence, k: int, random_state: int | None = 0) -> np.ndarray:
    """True for the k highest scores; a tie at the cut is broken at random (seeded)."""
    s = np.asarray(score, dtype=float)
    k = _check_k(k, len(s))
    tiebreak = np.random.default_rng(random_state).random(len(s))
    order = np.lexsort((tiebreak, -s))
    mask = np.zeros(len(s), dtype=bool)
    mask[order[:k]] = True
    return mask


@dataclass(frozen=True)
class RelativeIncrease:
    """``count_a / count_b − 1`` with a percentile bootstrap interval (NaN when count_b = 0)."""

    count_a: float
    count_b: float
    relative_increase: float
    ci_low: float
    ci_high: float
    n_boot: int


def bootstrap_relative_increase(
    hits_a: Sequence,
    hits_b: Sequence,
    *,
    n_boot: int = 10_000,
    alpha: float = 0.05,
    random_state: int | None = 0,
) -> RelativeIncrease:
    """How many more (or fewer) outcomes A found than B, relatively, with a bootstrap interval.

    ``hits_a``, ``hits_b``: per customer of the same population, the count attributed to each
    side — e.g. 1 if the customer converted *and* is in the model's top 250, and likewise for the
    baseline's top 250 (a customer may count for both). Customers are resampled with replacement
    (the two counts stay paired); because only the pair (a, b) of a customer matters, a resample
    is a multinomial draw over the distinct pairs, so it costs the same for 100 or 10 million
    customers. Interval: the α/2 and 1 − α/2 quantiles of the resampled a*/b* − 1 (a resample
    with b* = 0 counts as +∞).
    """
    a = np.asarray(hits_a, dtype=float)
    b = np.asarray(hits_b, dtype=float)
    if a.ndim != 1 or a.shape != b.shape or len(a) == 0:
        raise ValueError("hits_a and hits_b must be 1-D, non-empty and of equal length")
    if (a < 0).any() or (b < 0).any() or not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("hits must be finite counts >= 0")
    if not 0 < alpha < 1 or n_boot < 1:
        raise ValueError(f"need 0 < alpha < 1 and n_boot >= 1, got {alpha}, {n_boot}")
    count_a, count_b = float(a.sum()), float(b.sum())
    if count_b == 0:
        return RelativeIncrease(count_a, count_b, np.nan, np.nan, np.nan, n_boot)
    pairs, size = np.unique(np.column_stack([a, b]), axis=0, return_counts=True)
    draws = np.random.default_rng(random_state).multinomial(len(a), size / len(a), n_boot)
    resampled_a, resampled_b = draws @ pairs[:, 0], draws @ pairs[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(resampled_b > 0, resampled_a / resampled_b - 1, np.inf)
    low, high = np.quantile(ratio, [alpha / 2, 1 - alpha / 2], method="inverted_cdf")
    return RelativeIncrease(count_a, count_b, count_a / count_b - 1, float(low), float(high),
                            n_boot)
