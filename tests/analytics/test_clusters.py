"""BehaviourClusterer: scikit-learn conformance, planted-cluster recovery, k selection, names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_samples, silhouette_score

import analytics.clusters as clusters_module
from analytics.clusters import (
    FEATURES,
    MIN_CLUSTER_SHARE,
    SEGMENTATION_K_RANGE,
    BehaviourClusterer,
    cluster_names,
    silhouettes,
)

# Planted centres in log1p space, one row per cluster, columns in FEATURES order:
# recency_days, frequency, monetary_amount, count_views, count_cart_adds, cart_to_purchase_ratio,
# avg_basket_size. Cluster 0 spends e^4 times more than the others and differs most on money.
CENTRES = np.array(
    [
        [3.0, 0.7, 8.0, 2.0, 1.0, 0.5, 0.7],
        [4.5, 0.7, 4.0, 5.0, 1.0, 0.2, 0.7],
        [1.0, 0.7, 4.0, 2.0, 3.0, 0.5, 0.7],
        [4.5, 2.0, 4.5, 2.0, 1.0, 0.5, 1.5],
    ]
)
PER_CLUSTER = 60
MIN_ARI = 0.9


def planted_blobs(seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Raw features whose log1p forms four tight, well-separated Gaussian blobs."""
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(len(CENTRES)), PER_CLUSTER)
    logged = CENTRES[truth] + rng.normal(0.0, 0.15, size=(len(truth), len(FEATURES)))
    frame = pd.DataFrame(np.expm1(np.clip(logged, 0.0, None)), columns=list(FEATURES))
    frame.insert(0, "customer_id", [f"c{i}" for i in range(len(truth))])
    return frame, truth


@pytest.fixture(scope="module")
def blobs() -> tuple[pd.DataFrame, np.ndarray]:
    return planted_blobs()


def test_clone_copies_hyperparameters_and_drops_learned_state(blobs):
    frame, _ = blobs
    model = BehaviourClusterer(k_range=(3, 5), method="kmeans", random_state=3).fit(frame)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "labels_")


def test_set_params_changes_get_params_and_returns_the_estimator():
    model = BehaviourClusterer()
    assert model.set_params(method="gmm", k_range=(2, 4)) is model
    assert model.get_params()["method"] == "gmm"
    assert model.get_params()["k_range"] == (2, 4)


def test_fit_returns_self_with_learned_attributes(blobs):
    frame, _ = blobs
    model = BehaviourClusterer(k_range=(2, 5))
    assert model.fit(frame) is model
    assert len(model.labels_) == len(frame)
    assert set(model.labels_) == set(range(model.n_clusters_))
    assert list(model.pipeline_.named_steps) == ["log", "scale", "model"]
    assert model.scores_["is_chosen"].sum() == 1


@pytest.mark.parametrize("method", ["kmeans", "gmm", "auto"])
def test_recovers_planted_clusters(blobs, method):
    frame, truth = blobs
    model = BehaviourClusterer(k_range=(2, 6), method=method).fit(frame)
    assert adjusted_rand_score(truth, model.labels_) >= MIN_ARI


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_k_selection_picks_the_planted_number_of_clusters(blobs, method):
    frame, _ = blobs
    model = BehaviourClusterer(k_range=(2, 6), method=method).fit(frame)
    assert model.n_clusters_ == len(CENTRES)
    chosen = model.scores_.loc[model.scores_["is_chosen"]].iloc[0]
    assert (chosen["method"], chosen["k"]) == (method, len(CENTRES))


def test_scores_hold_every_method_and_k_with_the_criterion_of_each(blobs):
    frame, _ = blobs
    scores = BehaviourClusterer(k_range=(2, 6), method="auto").fit(frame).scores_
    assert sorted(zip(scores["method"], scores["k"], strict=True)) == sorted(
        (m, k) for m in ("kmeans", "gmm") for k in range(2, 7)
    )
    kmeans = scores[scores["method"] == "kmeans"]
    gmm = scores[scores["method"] == "gmm"]
    assert kmeans["inertia"].notna().all() and kmeans["bic"].isna().all()
    assert gmm["bic"].notna().all() and gmm["inertia"].isna().all()
    assert scores["silhouette"].between(-1, 1).all()


def test_sampled_selection_and_minibatch_refit_still_recover_the_clusters(blobs):
    frame, truth = blobs
    model = BehaviourClusterer(
        k_range=(2, 6),
        method="kmeans",
        selection_sample_size=100,
        silhouette_sample_size=80,
        minibatch_threshold=200,
    ).fit(frame)
    assert type(model.pipeline_.named_steps["model"]).__name__ == "MiniBatchKMeans"
    assert model.n_clusters_ == len(CENTRES)
    assert adjusted_rand_score(truth, model.labels_) >= MIN_ARI


def test_fit_is_deterministic_for_a_fixed_random_state(blobs):
    frame, _ = blobs
    first = BehaviourClusterer(random_state=5).fit(frame)
    second = BehaviourClusterer(random_state=5).fit(frame)
    np.testing.assert_array_equal(first.labels_, second.labels_)
    pd.testing.assert_frame_equal(first.scores_, second.scores_)


def test_candidates_fitted_two_at_a_time_equal_those_fitted_one_at_a_time(monkeypatch):
    # a sampled selection (every candidate on 600 of 900 rows), so the fits do real work
    frame, _ = planted_blobs(seed=3)
    frame = pd.concat([frame] * 4, ignore_index=True).iloc[:900]
    settings = {"selection_sample_size": 600, "silhouette_sample_size": 400, "random_state": 2}
    together = BehaviourClusterer(**settings).fit(frame)
    monkeypatch.setattr(clusters_module, "CANDIDATE_WORKERS", 1)
    alone = BehaviourClusterer(**settings).fit(frame)
    pd.testing.assert_frame_equal(together.candidates_, alone.candidates_, check_exact=True)
    np.testing.assert_array_equal(together.labels_, alone.labels_)
    assert len(together.candidates_) == 14  # K-Means and mixtures, k = 2..8


def test_predict_on_the_training_rows_reproduces_labels(blobs):
    frame, _ = blobs
    model = BehaviourClusterer(k_range=(2, 6), method="gmm").fit(frame)
    np.testing.assert_array_equal(model.predict(frame), model.labels_)


def test_cluster_ids_are_numbered_by_decreasing_size():
    frame, _ = planted_blobs()
    lopsided = pd.concat([frame.iloc[:PER_CLUSTER], frame.iloc[PER_CLUSTER : PER_CLUSTER + 20]])
    model = BehaviourClusterer(k_range=(2, 2), method="kmeans").fit(lopsided)
    assert model.profiles_["customers"].tolist() == [PER_CLUSTER, 20]


def test_profiles_sum_to_the_population_and_hold_raw_feature_means(blobs):
    frame, _ = blobs
    model = BehaviourClusterer(k_range=(2, 6)).fit(frame)
    profiles = model.profiles_
    assert profiles["customers"].sum() == len(frame)
    assert profiles["share"].sum() == pytest.approx(1.0)
    expected = frame.groupby(model.labels_)["monetary_amount"].mean()
    np.testing.assert_allclose(profiles["monetary_amount_mean"], expected.sort_index())
    expected_median = frame.groupby(model.labels_)["count_views"].median()
    np.testing.assert_allclose(profiles["count_views_median"], expected_median.sort_index())


def test_highest_spending_cluster_is_named_high_spend(blobs):
    frame, _ = blobs
    model = BehaviourClusterer(k_range=(2, 6)).fit(frame)
    top = int(model.profiles_["monetary_amount_mean"].idxmax())
    assert model.profiles_.loc[top, "cluster_name"].startswith("High spend")
    assert model.profiles_["cluster_name"].is_unique


def test_names_come_from_the_one_or_two_most_distinctive_centre_features():
    z = pd.DataFrame(0.0, index=range(4), columns=list(FEATURES))
    z.loc[0, ["monetary_amount", "frequency"]] = [2.0, 0.8]  # two strong features
    z.loc[1, ["recency_days", "count_views"]] = [-1.5, 0.3]  # second one too weak
    z.loc[2, "count_views"] = 0.1  # nothing distinctive
    z.loc[3, ["count_views", "cart_to_purchase_ratio"]] = [1.2, -0.9]
    assert cluster_names(z) == {
        0: "High spend · frequent",
        1: "Recent",
        2: "Typical",
        3: "Heavy viewers · low conversion",
    }


def test_colliding_names_get_a_numbered_suffix():
    z = pd.DataFrame(0.0, index=range(3), columns=list(FEATURES))
    z["monetary_amount"] = [1.0, 1.5, 2.0]
    assert cluster_names(z) == {0: "High spend", 1: "High spend (2)", 2: "High spend (3)"}


def test_missing_feature_column_is_named_in_the_error(blobs):
    frame, _ = blobs
    with pytest.raises(ValueError, match="count_views"):
        BehaviourClusterer().fit(frame.drop(columns="count_views"))


def test_negative_or_missing_values_name_the_column(blobs):
    frame, _ = blobs
    bad = frame.copy()
    bad.loc[3, "avg_basket_size"] = np.nan
    with pytest.raises(ValueError, match="avg_basket_size"):
        BehaviourClusterer().fit(bad)


def test_too_few_customers_for_the_smallest_k_is_a_clear_error(blobs):
    frame, _ = blobs
    with pytest.raises(ValueError, match="more than 3 customers"):
        BehaviourClusterer(k_range=(3, 5)).fit(frame.head(3))


def test_unknown_method_is_rejected(blobs):
    frame, _ = blobs
    with pytest.raises(ValueError, match="method"):
        BehaviourClusterer(method="dbscan").fit(frame)


def test_shared_distance_silhouettes_equal_sklearn():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(90, 3))
    labelings = [
        rng.integers(0, 3, 90),
        (points[:, 0] > 0).astype(int),
        np.r_[np.zeros(89, dtype=int), 1],  # a singleton cluster scores 0 for its point
        np.where(points[:, 1] > 0, 2, 0),  # cluster 1 left empty
    ]
    expected = [silhouette_score(points, labels) for labels in labelings]
    np.testing.assert_allclose(silhouettes(points, labelings), expected)


def test_silhouettes_over_several_distance_chunks_equal_sklearn():
    # 3,000 rows: the 64 MB distance blocks hold about 2,800 rows, so rows span two chunks
    rng = np.random.default_rng(2)
    points = rng.normal(size=(3000, 4))
    labelings = [rng.integers(0, k, 3000) for k in (3, 5)]
    expected = [silhouette_score(points, labels) for labels in labelings]
    np.testing.assert_allclose(silhouettes(points, labelings), expected)


def test_balanced_silhouettes_weigh_every_cluster_equally():
    rng = np.random.default_rng(1)
    points = rng.normal(size=(120, 3))
    labels = np.r_[np.zeros(100, dtype=int), np.ones(15, dtype=int), np.full(5, 2)]
    per_point = silhouette_samples(points, labels)
    expected = np.mean([per_point[labels == c].mean() for c in range(3)])
    assert silhouettes(points, [labels], balanced=True) == pytest.approx([expected])


# A shop where three quarters bought once and spent little, and three small groups of repeat
# buyers differ among themselves: recent, lapsed, and heavy viewers with big baskets (log1p
# space, columns in FEATURES order). The one-time buyers are far from all three, so the ordinary
# silhouette, averaged over buyers, prefers "one-time vs repeat" (k = 2).
SKEWED_CENTRES = np.array(
    [
        [4.0, 0.7, 3.5, 1.5, 0.5, 0.5, 0.7],
        [1.5, 2.2, 7.0, 3.0, 1.5, 0.6, 1.0],
        [5.0, 2.2, 7.0, 3.0, 1.5, 0.6, 1.0],
        [3.0, 2.2, 7.0, 5.5, 3.5, 0.3, 2.0],
    ]
)
SKEWED_SHARES = (0.76, 0.10, 0.08, 0.06)


@pytest.fixture(scope="module")
def skewed() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    truth = rng.choice(len(SKEWED_SHARES), 3000, p=SKEWED_SHARES)
    logged = SKEWED_CENTRES[truth] + rng.normal(0.0, 0.4, size=(len(truth), len(FEATURES)))
    frame = pd.DataFrame(np.expm1(np.clip(logged, 0.0, None)), columns=list(FEATURES))
    return frame, truth


@pytest.fixture(scope="module")
def skewed_model(skewed) -> BehaviourClusterer:
    return BehaviourClusterer(k_range=SEGMENTATION_K_RANGE, random_state=0).fit(skewed[0])


def test_the_ordinary_silhouette_collapses_the_skewed_shop_to_two_clusters(skewed):
    frame, _ = skewed
    scaled = np.log1p(frame.to_numpy())
    scaled = (scaled - scaled.mean(axis=0)) / scaled.std(axis=0)
    scores = {k: silhouette_score(scaled, KMeans(k, n_init=10, random_state=0).fit_predict(scaled))
              for k in range(2, 7)}
    assert max(scores, key=scores.get) == 2


def test_the_skewed_shops_four_groups_are_found_and_named_by_what_differs(skewed, skewed_model):
    _, truth = skewed
    model = skewed_model
    assert model.n_clusters_ == len(SKEWED_SHARES)
    assert adjusted_rand_score(truth, model.labels_) >= 0.95
    names = pd.Series(model.labels_).map(model.names_)
    majority = names[truth == 0].mode().iloc[0]
    assert majority.startswith("Low spend")
    assert names[truth == 1].mode().iloc[0].startswith("Recent")
    assert names[truth == 3].mode().iloc[0].startswith("Heavy viewers")


def test_the_chosen_solution_has_the_highest_silhouette_among_eligible_ones(skewed_model, blobs):
    for model in (skewed_model, BehaviourClusterer(random_state=0).fit(blobs[0])):
        candidates = model.candidates_
        eligible = candidates[candidates["smallest_share"] >= MIN_CLUSTER_SHARE]
        best = eligible.loc[eligible["silhouette"].idxmax()]
        chosen = candidates.loc[candidates["is_chosen"]].iloc[0]
        assert (chosen["method"], chosen["k"]) == (best["method"], best["k"])
        assert model.scores_.equals(candidates.drop(columns="smallest_share"))
    assert skewed_model.scores_["k"].min() == SEGMENTATION_K_RANGE[0] == 3


def test_a_handful_of_outliers_does_not_become_a_cluster(blobs):
    # 3 buyers who view, add to cart and spend like no one else (1.2 % of 243): as a cluster of
    # their own they would have the highest balanced silhouette, but no cluster below 2 % of the
    # buyers is chosen
    frame, truth = blobs
    logged = np.add.outer([0.0, 0.05, -0.05], [3.0, 2.0, 8.0, 5.0, 3.0, 0.5, 1.5])
    outliers = pd.DataFrame(np.expm1(logged), columns=list(FEATURES))
    outliers["customer_id"] = ["o1", "o2", "o3"]
    model = BehaviourClusterer(k_range=(3, 6), method="kmeans", random_state=0).fit(
        pd.concat([frame, outliers], ignore_index=True))
    candidates = model.candidates_.set_index("k")
    assert candidates.loc[5, "silhouette"] == candidates["silhouette"].max()
    assert candidates.loc[5, "smallest_share"] == pytest.approx(3 / 243)
    assert model.n_clusters_ == 4
    assert adjusted_rand_score(truth, model.labels_[: len(truth)]) >= MIN_ARI


def test_silhouette_of_a_single_cluster_is_nan():
    assert np.isnan(silhouettes(np.eye(4), [np.zeros(4, dtype=int)])[0])
