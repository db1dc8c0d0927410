"""Behavioural clusters of buyers: K-Means or a Gaussian mixture on log-scaled RFM and behaviour.

Who is clustered: buyers, i.e. customers with an RFM row. Recency, frequency and monetary value
are undefined for visitors who never bought, and 99 % of visitors would otherwise crowd into one
"viewed once" cluster.

Features (one row per buyer, raw units, all >= 0): ``recency_days`` (days since last purchase),
``frequency`` (orders), ``monetary_amount`` (currency), ``count_views``, ``count_cart_adds``,
``cart_to_purchase_ratio`` (orders per cart add) and ``avg_basket_size`` (lines per order).
Counts and money are heavily right-skewed, so each is ``log1p``-transformed and standardised before
the model: Euclidean distances then compare relative, not absolute, differences.

Method and number of clusters are chosen by one rule: the highest *cluster-balanced* silhouette —
each cluster's mean silhouette (Rousseeuw 1987, J. Comput. Appl. Math. 20:53-65), averaged over
clusters with equal weight — among the solutions whose every cluster holds at least
``MIN_CLUSTER_SHARE`` (2 %) of the buyers. The ordinary silhouette averages over
buyers, so when most buyers bought once it is dominated by that one big group and prefers two
clusters ("small baskets / big baskets"), however distinct the small groups are; weighting
clusters equally lets a small, well-separated group count. For a segmentation, fewer than three
clusters are not offered (``SEGMENTATION_K_RANGE``): even the balanced silhouette prefers two on
the demo shop, and two groups are not a segmentation a marketer can act on. The mixture's
Bayesian information criterion (Schwarz 1978) is reported for information only. Each cluster is
named from its centre's z-scores relative to all buyers, e.g. "High spend · frequent".
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.metrics import pairwise_distances_chunked
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from analytics.validation import require_columns

FEATURES: tuple[str, ...] = (
    "recency_days",
    "frequency",
    "monetary_amount",
    "count_views",
    "count_cart_adds",
    "cart_to_purchase_ratio",
    "avg_basket_size",
)

# Words for a centre far above / below the population on a feature.
DIRECTION_WORDS: dict[str, tuple[str, str]] = {
    "recency_days": ("Lapsed", "Recent"),
    "frequency": ("Frequent", "Infrequent"),
    "monetary_amount": ("High spend", "Low spend"),
    "count_views": ("Heavy viewers", "Few views"),
    "count_cart_adds": ("Cart-heavy", "Few cart adds"),
    "cart_to_purchase_ratio": ("High conversion", "Low conversion"),
    "avg_basket_size": ("Big baskets", "Small baskets"),
}
TYPICAL_NAME = "Typical"
NAME_MIN_Z = 0.25  # below this |z| on every feature a cluster is "Typical"
SECOND_WORD_MIN_Z = 0.5  # a second feature enters the name only if this distinctive
KMEANS_ONLY_ROWS = 1_000_000  # method="auto" labels with K-Means from here on
GMM_REG_COVAR = 1e-3  # counts are discrete: keep mixture components from collapsing onto ties
# Starts per candidate: with one large group, few starts often split it and merge small groups.
KMEANS_STARTS = 10
GMM_STARTS = 3
METHODS = ("kmeans", "gmm", "auto")
# The numbers of clusters a segmentation for marketers is chosen from: two groups ("small baskets /
# big baskets") are not a segmentation anyone can act on, and on buyer data dominated by one-time
# buyers every silhouette prefers two. The estimator's default (2, 8) keeps the plain statistical
# choice available.
SEGMENTATION_K_RANGE = (3, 8)
# A solution with a cluster smaller than this share of the buyers is not chosen (unless none is
# larger): nobody can act on a cluster of a handful, and the balanced silhouette, which weighs
# every cluster equally, would otherwise favour splitting off tiny ones on small shops.
MIN_CLUSTER_SHARE = 0.02
SCORE_COLUMNS = ["method", "k", "silhouette", "bic", "inertia", "is_chosen"]
# Candidate models fitted at the same time, each on one thread: the fits are independent, so two
# at a time use both cores of the machine this runs on (3.3 s -> 2.3 s for the 12 candidates),
# and each fit computes exactly what it computes alone.
CANDIDATE_WORKERS = 2


def feature_matrix(X: pd.DataFrame) -> np.ndarray:
    """The ``FEATURES`` columns of ``X`` as a float array, checked to be finite and >= 0."""
    if not isinstance(X, pd.DataFrame):
        raise ValueError(f"expected a DataFrame with columns {', '.join(FEATURES)}")
    require_columns(X, FEATURES, "customer features")
    values = X.loc[:, list(FEATURES)].to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        column = FEATURES[int(np.flatnonzero(bad.any(axis=0))[0])]
        raise ValueError(f"column {column!r} must hold finite values >= 0 (no NULL, no negative)")
    return values


def cluster_names(centre_z: pd.DataFrame) -> dict[int, str]:
    """A unique readable name per cluster from its centre's z-scores (rows: cluster_id).

    The most distinctive feature (largest |z|) gives the first words, a second one is added when
    its |z| >= ``SECOND_WORD_MIN_Z``. Clusters are visited by cluster_id; a name already taken
    gets a " (2)", " (3)" ... suffix.
    """
    names: dict[int, str] = {}
    taken: set[str] = set()
    for cluster_id, row in centre_z.iterrows():  # one row per cluster, not per customer
        z = row.to_numpy(dtype=float)
        order = np.argsort(-np.abs(z), kind="stable")
        if not np.isfinite(z[order[0]]) or abs(z[order[0]]) < NAME_MIN_Z:
            base = TYPICAL_NAME
        else:
            words = [_word(row.index[i], z[i]) for i in order[:2]]
            if abs(z[order[1]]) < SECOND_WORD_MIN_Z:
                words = words[:1]
            base = " · ".join([words[0], *(w.lower() for w in words[1:])])
        name, copy = base, 1
        while name in taken:
            copy += 1
            name = f"{base} ({copy})"
        taken.add(name)
        names[int(cluster_id)] = name
    return names


def _word(feature: str, z: float) -> str:
    high, low = DIRECTION_WORDS[feature]
    return high if z > 0 else low


def silhouettes(
    points: np.ndarray, labelings: list[np.ndarray], *, balanced: bool = False
) -> list[float]:
    """Mean silhouette (Rousseeuw 1987) of each labelling of the same points.

    Equal to ``sklearn.metrics.silhouette_score`` for each labelling, but the pairwise distances
    are computed once, in row chunks, and shared by all candidate labellings: every labelling's
    one-hot columns sit side by side, so one (chunk x n) @ (n x total k) product per chunk gives
    each row's distance sums to every cluster of every labelling. NaN where a labelling has fewer
    than 2 clusters. ``balanced``: the mean over clusters of each cluster's mean silhouette, so
    that every cluster counts the same whatever its size (see ``BehaviourClusterer``).
    """
    n_rows = len(points)
    sizes = [np.bincount(labels) for labels in labelings]
    bounds = np.cumsum([0, *(len(counts) for counts in sizes)])
    onehot = np.zeros((n_rows, bounds[-1]))
    for labels, offset in zip(labelings, bounds[:-1], strict=True):
        onehot[np.arange(n_rows), offset + labels] = 1.0
    intra = np.empty((len(labelings), n_rows))
    inter = np.empty((len(labelings), n_rows))
    start = 0
    for chunk in pairwise_distances_chunked(points, working_memory=64):  # 64 MB blocks
        rows, chunk_rows = slice(start, start + len(chunk)), np.arange(len(chunk))
        all_sums = chunk @ onehot
        for i, (labels, counts) in enumerate(zip(labelings, sizes, strict=True)):
            sums = all_sums[:, bounds[i]:bounds[i + 1]]
            own = labels[rows]
            intra[i, rows] = sums[chunk_rows, own] / np.maximum(counts[own] - 1, 1)
            with np.errstate(divide="ignore", invalid="ignore"):
                means = sums / counts
            means[:, counts == 0] = np.inf
            means[chunk_rows, own] = np.inf
            inter[i, rows] = means.min(axis=1)
        start += len(chunk)
    scores = []
    for labels, counts, a, b in zip(labelings, sizes, intra, inter, strict=True):
        if np.count_nonzero(counts) < 2:
            scores.append(float("nan"))
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            per_row = np.nan_to_num(np.where(counts[labels] == 1, 0.0, (b - a) / np.maximum(a, b)))
        if balanced:
            per_cluster = np.bincount(labels, weights=per_row)[counts > 0] / counts[counts > 0]
            scores.append(float(per_cluster.mean()))
        else:
            scores.append(float(np.mean(per_row)))
    return scores


class BehaviourClusterer(ClusterMixin, BaseEstimator):
    """Pick the number of clusters, fit, label, profile and name behavioural clusters.

    Parameters
    ----------
    k_range : (int, int)
        Inclusive bounds of the numbers of clusters tried (capped at n_samples - 1);
        ``SEGMENTATION_K_RANGE`` (3, 8) for the segmentation shown to marketers.
    method : {"kmeans", "gmm", "auto"}
        The candidate models: K-Means, a Gaussian mixture, or both ("auto"; K-Means only from
        ``KMEANS_ONLY_ROWS`` buyers). Among the candidates whose smallest cluster holds at least
        ``MIN_CLUSTER_SHARE`` of the buyers (all candidates if none does) the highest
        cluster-balanced silhouette wins (ties: fewer clusters, then K-Means).
    silhouette_sample_size : int
        Rows the silhouette is computed on (it is quadratic in rows).
    selection_sample_size : int
        Rows the candidate models are fitted on; the chosen K-Means is then refitted on all rows
        from the sample's centres (a mixture is used as fitted on the sample).
    minibatch_threshold : int
        From this many rows the final K-Means is a ``MiniBatchKMeans``.
    random_state : int or None

    Attributes
    ----------
    n_clusters_, method_ : the chosen number of clusters and method ("kmeans" or "gmm").
    labels_ : ndarray of cluster_id per row of X; cluster_id 0 is the largest cluster.
    scores_ : DataFrame ``method, k, silhouette, bic, inertia, is_chosen`` (one row per method
        and k; ``silhouette`` is the cluster-balanced silhouette that chooses, inertia and BIC are
        on the selection sample and for information; exactly one row is chosen).
    candidates_ : ``scores_`` plus ``smallest_share`` (the smallest cluster's share of the
        selection sample), which says which solutions were eligible.
    profiles_ : DataFrame ``cluster_id, cluster_name, customers, share`` and ``<feature>_mean``,
        ``<feature>_median`` of every raw feature.
    centre_z_ : DataFrame cluster_id x feature: cluster mean of the scaled features (z-scores).
    names_ : dict cluster_id -> unique name.
    pipeline_ : fitted Pipeline log1p -> StandardScaler -> model (its labels are unordered).
    """

    def __init__(
        self,
        k_range: tuple[int, int] = (2, 8),
        method: str = "auto",
        silhouette_sample_size: int = 5000,
        selection_sample_size: int = 10_000,
        minibatch_threshold: int = 200_000,
        random_state: int | None = 0,
    ) -> None:
        self.k_range = k_range
        self.method = method
        self.silhouette_sample_size = silhouette_sample_size
        self.selection_sample_size = selection_sample_size
        self.minibatch_threshold = minibatch_threshold
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: None = None) -> BehaviourClusterer:
        """Fit on one row per buyer holding the ``FEATURES`` columns (extra columns ignored)."""
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        values = feature_matrix(X)
        n_rows = len(values)
        ks = self._candidate_ks(n_rows)

        preprocess = Pipeline(
            [("log", FunctionTransformer(np.log1p)), ("scale", StandardScaler())]
        ).fit(values)
        scaled = preprocess.transform(values)
        sample = scaled
        if n_rows > self.selection_sample_size:
            rows = check_random_state(self.random_state).choice(
                n_rows, self.selection_sample_size, replace=False
            )
            sample = scaled[np.sort(rows)]

        methods = ["kmeans", "gmm"] if self.method == "auto" else [self.method]
        # Candidates are small (a sample, 7 x 7 covariances): BLAS/OpenMP threads cost more than
        # they save there (3-30x slower measured on a busy 2-core machine), so one thread each.
        with threadpool_limits(limits=1):
            scores, fitted = self._score_candidates(sample, ks, methods)
        method, k = self._choose(scores, n_rows)
        scores["is_chosen"] = (scores["method"] == method) & (scores["k"] == k)
        model = self._final_model(fitted[method, k], method, k, scaled, sample)

        self.pipeline_ = Pipeline([*preprocess.steps, ("model", model)])
        raw_labels = model.predict(scaled)
        self._label_map = _order_by_size(raw_labels, k)
        self.labels_ = self._label_map[raw_labels]
        self.n_clusters_ = k
        self.method_ = method
        self.scores_ = scores[SCORE_COLUMNS]
        self.candidates_ = scores[[*SCORE_COLUMNS, "smallest_share"]]
        self.centre_z_ = (
            pd.DataFrame(scaled, columns=list(FEATURES))
            .groupby(self.labels_)
            .mean()
            .reindex(range(k), fill_value=0.0)
            .rename_axis("cluster_id")
        )
        self.names_ = cluster_names(self.centre_z_)
        self.profiles_ = _profiles(values, self.labels_, k, self.names_)
        self.n_features_in_ = len(FEATURES)
        self.feature_names_in_ = np.array(FEATURES, dtype=object)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The cluster_id of each row of ``X`` (same columns as for ``fit``)."""
        check_is_fitted(self, "pipeline_")
        return self._label_map[self.pipeline_.predict(feature_matrix(X))]

    def _candidate_ks(self, n_rows: int) -> list[int]:
        low, high = (int(v) for v in self.k_range)
        if low < 2 or high < low:
            raise ValueError(
                f"k_range must be (low, high) with 2 <= low <= high, got {self.k_range}"
            )
        if n_rows <= low:
            raise ValueError(f"need more than {low} customers to form {low} clusters, got {n_rows}")
        return list(range(low, min(high, n_rows - 1) + 1))

    def _score_candidates(
        self, sample: np.ndarray, ks: list[int], methods: list[str]
    ) -> tuple[pd.DataFrame, dict[tuple[str, int], KMeans | GaussianMixture]]:
        """Fit every (method, k) on the sample; silhouettes on one shared sub-sample of it."""
        candidates = [(method, k) for method in methods for k in ks]
        with ThreadPoolExecutor(max_workers=CANDIDATE_WORKERS) as pool:
            results = list(pool.map(lambda c: self._fit_candidate(sample, *c), candidates))
        rows, fitted, labelings = [], {}, []
        for (method, k), (model, labels, bic, inertia) in zip(candidates, results, strict=True):
            fitted[method, k] = model
            labelings.append(labels)
            smallest = np.bincount(labels, minlength=k).min() / len(labels)
            rows.append((method, k, bic, inertia, smallest))
        frame = pd.DataFrame(rows, columns=["method", "k", "bic", "inertia", "smallest_share"])
        picked = np.arange(len(sample))
        if len(sample) > self.silhouette_sample_size:
            picked = np.sort(
                check_random_state(self.random_state).choice(
                    len(sample), self.silhouette_sample_size, replace=False
                )
            )
        frame["silhouette"] = silhouettes(
            sample[picked], [lab[picked] for lab in labelings], balanced=True
        )
        return frame, fitted

    def _fit_candidate(
        self, sample: np.ndarray, method: str, k: int
    ) -> tuple[KMeans | GaussianMixture, np.ndarray, float, float]:
        """One candidate fitted on one thread (OpenMP's limit is per thread, so it is set in the
        thread that fits): the model, its labels of the sample, BIC and inertia."""
        with threadpool_limits(limits=1):
            if method == "kmeans":
                kmeans = KMeans(k, n_init=KMEANS_STARTS, random_state=self.random_state).fit(sample)
                return kmeans, kmeans.labels_, np.nan, float(kmeans.inertia_)
            mixture = GaussianMixture(
                k,
                reg_covar=GMM_REG_COVAR,
                n_init=GMM_STARTS,
                init_params="k-means++",
                random_state=self.random_state,
            ).fit(sample)
            return mixture, mixture.predict(sample), float(mixture.bic(sample)), np.nan

    def _choose(self, scores: pd.DataFrame, n_rows: int) -> tuple[str, int]:
        """The highest cluster-balanced silhouette among solutions without a cluster smaller than
        ``MIN_CLUSTER_SHARE``; ties: fewer clusters, then K-Means."""
        eligible = scores
        if self.method == "auto" and n_rows >= KMEANS_ONLY_ROWS:
            eligible = scores[scores["method"] == "kmeans"]
        if (eligible["smallest_share"] >= MIN_CLUSTER_SHARE).any():
            eligible = eligible[eligible["smallest_share"] >= MIN_CLUSTER_SHARE]
        ranked = eligible.assign(
            score=eligible["silhouette"].fillna(-np.inf),
            is_gmm=eligible["method"] == "gmm",
        ).sort_values(["score", "k", "is_gmm"], ascending=[False, True, True], kind="stable")
        best = ranked.iloc[0]
        return str(best["method"]), int(best["k"])

    def _final_model(
        self,
        candidate: KMeans | GaussianMixture,
        method: str,
        k: int,
        scaled: np.ndarray,
        sample: np.ndarray,
    ) -> KMeans | MiniBatchKMeans | GaussianMixture:
        if method == "gmm" or sample is scaled:
            return candidate
        kind = MiniBatchKMeans if len(scaled) >= self.minibatch_threshold else KMeans
        return kind(
            k, init=candidate.cluster_centers_, n_init=1, random_state=self.random_state
        ).fit(scaled)


def _order_by_size(raw_labels: np.ndarray, k: int) -> np.ndarray:
    """Map model labels to cluster_ids numbered by decreasing size (ties: model label order)."""
    counts = np.bincount(raw_labels, minlength=k)
    order = np.argsort(-counts, kind="stable")
    mapping = np.empty(k, dtype=np.int64)
    mapping[order] = np.arange(k)
    return mapping


def _profiles(
    values: np.ndarray, labels: np.ndarray, k: int, names: dict[int, str]
) -> pd.DataFrame:
    """Size, share and the mean and median of each raw feature, one row per cluster_id."""
    raw = pd.DataFrame(values, columns=list(FEATURES))
    grouped = raw.groupby(labels)
    means = grouped.mean().add_suffix("_mean")
    medians = grouped.median().add_suffix("_median")
    stats = pd.concat([means, medians], axis=1).reindex(range(k))
    customers = np.bincount(labels, minlength=k)
    profile = pd.DataFrame(
        {
            "cluster_id": np.arange(k),
            "cluster_name": [names[i] for i in range(k)],
            "customers": customers,
            "share": customers / max(len(labels), 1),
        }
    )
    columns = [f"{f}_{s}" for f in FEATURES for s in ("mean", "median")]
    return pd.concat([profile, stats[columns].reset_index(drop=True)], axis=1)
