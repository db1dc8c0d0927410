"""How well a score ranks customers by what contact does to them, judged on a randomised campaign.

Inputs are one value per customer of a campaign with a random control group: ``y`` (1 = converted
in the window), ``uplift`` (the predicted effect of contact: higher = target first) and
``treatment`` (1 = contacted, 0 = control). Customers are taken in descending order of predicted
uplift; tied customers enter together (curves are evaluated at distinct score values).

* **Qini curve** (Radcliffe 2007, "Using control groups to target on predicted lift", Direct
  Marketing Analytics Journal 3, 14-21): after the first n customers, the treated conversions
  minus the control conversions scaled to the treated count, Y_t(n) − Y_c(n)·N_t(n)/N_c(n) — the
  conversions contact added among the treated of the top n.
* **Qini coefficient**: the area between the model's Qini curve and the random one (the straight
  line to the end point), divided by that of the perfect ordering of the observed outcomes
  (treated converters first, control converters last): 1 is perfect, 0 is random, below 0 worse
  than random.
* **Uplift curve** and **AUUC**: the same with (conversion rate treated − control) × n as the
  curve (Devriendt, Guns & Verbeke 2020, "Learning to rank for uplift modeling"), normalised the
  same way.
* **Uplift at k**: among the top k share of all customers, treated conversion rate minus control
  conversion rate.
* **Uplift by decile**: the ten equal parts of the ranking, each with the observed uplift and its
  normal-approximation interval, and the mean predicted uplift (calibration).

These follow scikit-uplift 0.5.1's definitions exactly (``qini_curve``, ``qini_auc_score`` with
negative effects, ``uplift_curve``, ``uplift_auc_score``, ``uplift_at_k`` with the 'overall'
strategy, ``uplift_by_percentile``); the tests compare them on the same data. That library is
not a dependency: it is unmaintained and parts of it fail on numpy 2 and recent scikit-learn.
The Qini coefficient's interval is a bootstrap over customers, resampled within each group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

DEFAULT_K = 0.3
BOOTSTRAP_SAMPLES = 200
_BOOTSTRAP_BATCH = 25


def check_inputs(
    y: ArrayLike, uplift: ArrayLike, treatment: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The three inputs as 1-D arrays of equal length: y and treatment 0/1, uplift finite;
    ValueError naming what is wrong (and both groups are needed)."""
    y_, u_, t_ = np.asarray(y), np.asarray(uplift, dtype=float), np.asarray(treatment)
    if not (y_.ndim == u_.ndim == t_.ndim == 1) or not (len(y_) == len(u_) == len(t_)):
        raise ValueError(f"y, uplift and treatment must be 1-D and of equal length, got "
                         f"{y_.shape}, {u_.shape} and {t_.shape}")
    for name, values in (("y", y_), ("treatment", t_)):
        if not np.isin(values, (0, 1)).all():
            raise ValueError(f"{name} must hold only 0/1 (or False/True)")
    if not np.isfinite(u_).all():
        raise ValueError("uplift must be finite (no NaN or infinity)")
    t_ = t_.astype(float)
    if t_.min() == t_.max():
        raise ValueError("uplift metrics need treated and control customers, got only "
                         f"{'treated' if t_[0] else 'control'} ones")
    return y_.astype(float), u_, t_


def _descending(uplift: np.ndarray) -> np.ndarray:
    """Positions in descending order of uplift (ties in reverse position, as scikit-uplift)."""
    return np.argsort(uplift, kind="mergesort")[::-1]


def _cumulative(
    y: np.ndarray, uplift: np.ndarray, treatment: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, ...]:
    """At each distinct uplift value, descending: customers so far, treated so far, treated
    conversions, control conversions. ``weights`` (one row per resample, or None) count each
    customer that many times; the results then have one row per resample."""
    order = _descending(uplift)
    u, y, t = uplift[order], y[order], treatment[order]
    ends = np.r_[np.flatnonzero(np.diff(u)), u.size - 1]
    w = np.ones((1, u.size)) if weights is None else weights[:, order]
    n_all = np.cumsum(w, axis=1)[:, ends]
    n_t = np.cumsum(w * t, axis=1)[:, ends]
    y_t = np.cumsum(w * (y * t), axis=1)[:, ends]
    y_c = np.cumsum(w * (y * (1 - t)), axis=1)[:, ends]
    if weights is None:
        return n_all[0], n_t[0], y_t[0], y_c[0]
    return n_all, n_t, y_t, y_c


def _from_origin(x: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Prepend the origin unless the curve already starts there."""
    if x.size and x[0] == 0 and values[0] == 0:
        return x, values
    return np.r_[0.0, x], np.r_[0.0, values]


def _qini_values(n_all: np.ndarray, n_t: np.ndarray, y_t: np.ndarray, y_c: np.ndarray
                 ) -> np.ndarray:
    n_c = n_all - n_t
    ratio = np.divide(n_t, n_c, out=np.zeros_like(n_t), where=n_c != 0)
    return y_t - y_c * ratio


def _uplift_values(n_all: np.ndarray, n_t: np.ndarray, y_t: np.ndarray, y_c: np.ndarray
                   ) -> np.ndarray:
    n_c = n_all - n_t
    rate_t = np.divide(y_t, n_t, out=np.zeros_like(y_t), where=n_t != 0)
    rate_c = np.divide(y_c, n_c, out=np.zeros_like(y_c), where=n_c != 0)
    return (rate_t - rate_c) * n_all


def qini_curve(y: ArrayLike, uplift: ArrayLike, treatment: ArrayLike
               ) -> tuple[np.ndarray, np.ndarray]:
    """(customers targeted, incremental conversions) at each distinct score, from (0, 0)."""
    y_, u_, t_ = check_inputs(y, uplift, treatment)
    n_all, n_t, y_t, y_c = _cumulative(y_, u_, t_)
    return _from_origin(n_all, _qini_values(n_all, n_t, y_t, y_c))


def uplift_curve(y: ArrayLike, uplift: ArrayLike, treatment: ArrayLike
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(customers targeted, (rate treated − rate control) × customers), from (0, 0)."""
    y_, u_, t_ = check_inputs(y, uplift, treatment)
    n_all, n_t, y_t, y_c = _cumulative(y_, u_, t_)
    return _from_origin(n_all, _uplift_values(n_all, n_t, y_t, y_c))


def _perfect_qini_score(y: np.ndarray, treatment: np.ndarray) -> np.ndarray:
    """Treated converters first, control converters last: the best order the outcomes allow."""
    return y * treatment - y * (1 - treatment)


def _perfect_uplift_score(y: np.ndarray, treatment: np.ndarray) -> np.ndarray:
    control_converters = np.sum((y == 1) & (treatment == 0))
    treated_non_converters = np.sum((y == 0) & (treatment == 1))
    summand = y if control_converters > treated_non_converters else treatment
    return 2 * (y == treatment) + summand


def _normalised_area(x: np.ndarray, curve: np.ndarray, x_best: np.ndarray,
                     best: np.ndarray) -> float:
    """(area under curve − random) / (area under the best curve − random); the random curve is
    the straight line from the origin to the best curve's end."""
    random_area = x_best[-1] * best[-1] / 2
    return float((np.trapezoid(curve, x) - random_area)
                 / (np.trapezoid(best, x_best) - random_area))


def qini_coefficient(y: ArrayLike, uplift: ArrayLike, treatment: ArrayLike) -> float:
    """The normalised area between the Qini curve and random (scikit-uplift's
    ``qini_auc_score`` with negative effects)."""
    y_, u_, t_ = check_inputs(y, uplift, treatment)
    x, curve = qini_curve(y_, u_, t_)
    x_best, best = qini_curve(y_, _perfect_qini_score(y_, t_), t_)
    return _normalised_area(x, curve, x_best, best)


def auuc(y: ArrayLike, uplift: ArrayLike, treatment: ArrayLike) -> float:
    """The normalised area under the uplift curve (scikit-uplift's ``uplift_auc_score``)."""
    y_, u_, t_ = check_inputs(y, uplift, treatment)
    x, curve = uplift_curve(y_, u_, t_)
    x_best, best = uplift_curve(y_, _perfect_uplift_score(y_, t_), t_)
    return _normalised_area(x, curve, x_best, best)


def uplift_at_k(y: ArrayLike, uplift: ArrayLike, treatment: ArrayLike, k: float = DEFAULT_K
                ) -> float:
    """Treated minus control conversion rate among the first ``k`` share of all customers
    (``int(n · k)`` of them); NaN when that part holds no customer of a group."""
    y_, u_, t_ = check_inputs(y, uplift, treatment)
    if not 0 < k < 1:
        raise ValueError(f"k must be a share strictly between 0 and 1, got {k}")
    top = _descending(u_)[: int(len(y_) * k)]
    treated, control = y_[top][t_[top] == 1], y_[top][t_[top] == 0]
    if treated.size == 0 or control.size == 0:
        return float("nan")
    return float(treated.mean() - control.mean())


def uplift_by_decile(
    y: ArrayLike, uplift: ArrayLike, treatment: ArrayLike, *, bins: int = 10, alpha: float = 0.05
) -> pd.DataFrame:
    """One row per tenth of the ranking (decile 1 = highest predicted uplift), split as
    scikit-uplift's ``uplift_by_percentile`` does (``numpy.array_split``): n_treatment,
    n_control, rate_treatment, rate_control, actual_uplift with its (1 − alpha) interval
    (normal approximation, NaN for an empty group), predicted_uplift (mean score)."""
    y_, u_, t_ = check_inputs(y, uplift, treatment)
    if not 1 <= bins < len(y_):
        raise ValueError(f"bins must be at least 1 and fewer than the {len(y_)} customers")
    order = _descending(u_)
    size = np.array([part.size for part in np.array_split(order, bins)])
    part = np.repeat(np.arange(bins), size)
    y_s, t_s, u_s = y_[order], t_[order], u_[order]
    n_t = np.bincount(part, weights=t_s, minlength=bins)
    n_c = size - n_t
    conv_t = np.bincount(part, weights=y_s * t_s, minlength=bins)
    conv_c = np.bincount(part, weights=y_s * (1 - t_s), minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate_t, rate_c = conv_t / n_t, conv_c / n_c
        se = np.sqrt(rate_t * (1 - rate_t) / n_t + rate_c * (1 - rate_c) / n_c)
    z = stats.norm.ppf(1 - alpha / 2)
    actual = rate_t - rate_c
    return pd.DataFrame({
        "decile": np.arange(1, bins + 1),
        "n_treatment": n_t.astype(np.int64),
        "n_control": n_c.astype(np.int64),
        "rate_treatment": rate_t,
        "rate_control": rate_c,
        "actual_uplift": actual,
        "ci_low": actual - z * se,
        "ci_high": actual + z * se,
        "predicted_uplift": np.bincount(part, weights=u_s, minlength=bins) / size,
    })


def targeting_counts(
    y: ArrayLike, uplift: ArrayLike, treatment: ArrayLike, shares: ArrayLike
) -> pd.DataFrame:
    """For each share s of the customers, the first ``round(s · n)`` in the ranking: customers,
    n_treatment, n_control, conversions_treatment, conversions_control (the inputs of the Qini
    curve at that point and of the economic table)."""
    y_, u_, t_ = check_inputs(y, uplift, treatment)
    order = _descending(u_)
    y_s, t_s = y_[order], t_[order]
    counts = np.clip(np.round(np.asarray(shares, dtype=float) * len(y_)).astype(np.int64),
                     0, len(y_))

    def cum(values: np.ndarray) -> np.ndarray:
        return np.r_[0.0, np.cumsum(values)][counts]

    n_t = cum(t_s)
    return pd.DataFrame({
        "share": np.asarray(shares, dtype=float),
        "customers": counts,
        "n_treatment": n_t.astype(np.int64),
        "n_control": (counts - n_t).astype(np.int64),
        "conversions_treatment": cum(y_s * t_s).astype(np.int64),
        "conversions_control": cum(y_s * (1 - t_s)).astype(np.int64),
    })


def _areas(parts: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Per resample (row): the area under the Qini curve from the origin, and the random area.
    A leading (0, 0) point adds no area, so every row starts from the origin."""
    n_all = parts[0]
    values = _qini_values(*parts)
    zeros = np.zeros((n_all.shape[0], 1))
    x, curve = np.hstack([zeros, n_all]), np.hstack([zeros, values])
    return np.trapezoid(curve, x, axis=1), x[:, -1] * curve[:, -1] / 2


def _perfect_parts(y: np.ndarray, t: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, ...]:
    """``_cumulative`` of the perfect order, whose score takes three values (treated converters,
    everyone else, control converters): its curve has three points, sums over those groups."""
    score = _perfect_qini_score(y, t)
    members = np.stack([score == value for value in (1, 0, -1)], axis=1).astype(float)
    return tuple(np.cumsum(weights @ (members * values[:, None]), axis=1) for values in
                 (np.ones_like(y), t, y * t, y * (1 - t)))


def _resampled_coefficients(y: np.ndarray, u: np.ndarray, t: np.ndarray,
                            weights: np.ndarray) -> np.ndarray:
    """The Qini coefficient of each resample (a row of ``weights``: how often each customer is
    drawn)."""
    area, _ = _areas(_cumulative(y, u, t, weights))
    best, random_area = _areas(_perfect_parts(y, t, weights))
    return (area - random_area) / (best - random_area)


def qini_interval(
    y: ArrayLike, uplift: ArrayLike, treatment: ArrayLike, *, alpha: float = 0.05,
    samples: int = BOOTSTRAP_SAMPLES, seed: int = 0,
) -> tuple[float, float]:
    """A percentile bootstrap interval of the Qini coefficient: customers resampled with
    replacement within the treated and the control group (group sizes kept), ``samples``
    times."""
    y_, u_, t_ = check_inputs(y, uplift, treatment)
    rng = np.random.default_rng(seed)
    treated, control = np.flatnonzero(t_ == 1), np.flatnonzero(t_ == 0)
    values = []
    for start in range(0, samples, _BOOTSTRAP_BATCH):
        batch = min(_BOOTSTRAP_BATCH, samples - start)
        weights = np.zeros((batch, y_.size))
        for group in (treated, control):  # counts of a draw of group.size with replacement
            draws = rng.integers(0, group.size, size=(batch, group.size))
            draws += np.arange(batch)[:, None] * group.size
            weights[:, group] = np.bincount(draws.ravel(), minlength=batch * group.size
                                            ).reshape(batch, group.size)
        values.append(_resampled_coefficients(y_, u_, t_, weights))
    low, high = np.quantile(np.concatenate(values), [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)
