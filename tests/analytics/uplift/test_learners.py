"""Each learner recovers the heterogeneity planted in a randomised campaign: who is helped, who
is harmed, by about how much, from numeric and text features."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from analytics.uplift.learners import LEARNERS, FeatureEncoder

# Planted: contact adds 20 points of conversion when x > 0.5, removes 8 in region "south", and
# does nothing elsewhere; the base rate rises with age.
HELPED, HARMED, UNMOVED = 0.20, -0.08, 0.0


def planted_campaign(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=n)
    region = rng.choice(["north", "south", "east"], size=n)
    age = rng.uniform(20, 70, size=n)
    effect = np.where(region == "south", HARMED, np.where(x > 0.5, HELPED, UNMOVED))
    base = 0.10 + 0.002 * (age - 20)
    t = rng.integers(0, 2, n)
    y = (rng.uniform(size=n) < base + effect * t).astype(int)
    features = pd.DataFrame({"x": x, "region": region, "age": age})
    return features, y, t, effect


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """As the refresh fits them (``analytics.uplift.training``): OpenMP threads contend on a
    busy machine."""
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


@pytest.fixture(scope="module")
def campaign():
    return planted_campaign(20_000, 11)


@pytest.fixture(scope="module")
def fresh():
    return planted_campaign(6_000, 12)


@pytest.mark.parametrize("name", list(LEARNERS))
def test_each_learner_recovers_the_planted_effects(campaign, fresh, name):
    X, y, t, _ = campaign
    learner = LEARNERS[name]().fit(X, y, t)
    X_new, _, _, effect = fresh
    predicted = learner.predict(X_new)
    for truth in (HELPED, HARMED, UNMOVED):
        assert predicted[effect == truth].mean() == pytest.approx(truth, abs=0.04), truth
    assert np.corrcoef(predicted, effect)[0, 1] > 0.8


@pytest.mark.parametrize("name", list(LEARNERS))
def test_responses_are_probabilities_whose_difference_is_the_uplift(campaign, fresh, name):
    X, y, t, _ = campaign
    learner = LEARNERS[name]().fit(X.head(4_000), y[:4_000], t[:4_000])
    uplift, treated, control = learner.predict_all(fresh[0])
    assert ((treated >= 0) & (treated <= 1) & (control >= 0) & (control <= 1)).all()
    if name != "class_transformation":  # its treated response is cut to [0, 1]
        np.testing.assert_allclose(uplift, treated - control)
    np.testing.assert_allclose(learner.predict(fresh[0]), uplift)


@pytest.mark.parametrize("name", list(LEARNERS))
def test_learners_take_any_scikit_learn_classifier_clone_and_pickle(campaign, name):
    X, y, t, _ = campaign
    learner = LEARNERS[name](estimator=LogisticRegression(max_iter=500))
    fitted = clone(learner).fit(X.head(3_000), y[:3_000], t[:3_000])
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X.tail(50)), fitted.predict(X.tail(50)))


def test_a_group_without_conversions_gets_its_constant_rate():
    X = pd.DataFrame({"x": np.arange(40, dtype=float)})
    t = np.r_[np.ones(20, int), np.zeros(20, int)]
    y = np.r_[np.tile([0, 1], 10), np.zeros(20, int)]  # the control group never converts
    uplift, treated, control = LEARNERS["two_model"]().fit(X, y, t).predict_all(X)
    np.testing.assert_array_equal(control, np.zeros(40))
    np.testing.assert_allclose(uplift, treated)


@pytest.mark.parametrize(("y", "t", "message"), [
    ([0, 1, 0, 1], [1, 1, 1, 1], "treated and control"),
    ([0, 2, 0, 1], [1, 0, 1, 0], "only 0/1"),
])
def test_bad_outcomes_or_groups_are_refused(y, t, message):
    X = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(ValueError, match=message):
        LEARNERS["interaction"]().fit(X, y, t)


def test_the_encoder_keeps_numbers_and_one_hots_text_with_unseen_values_as_none():
    frame = pd.DataFrame({"n": [1.0, np.nan, 3.0], "c": ["a", "b", None]})
    encoder = FeatureEncoder().fit(frame)
    matrix = encoder.transform(pd.DataFrame({"n": [5.0], "c": ["zzz"]}))
    assert list(encoder.get_feature_names_out()) == ["n", "c_(missing)", "c_a", "c_b"]
    np.testing.assert_array_equal(matrix, [[5.0, 0.0, 0.0, 0.0]])
    assert np.isnan(encoder.transform(frame)[1, 0])


@pytest.mark.parametrize("name", list(LEARNERS))
def test_a_feature_missing_for_every_customer_is_left_out(campaign, name):
    X, y, t, _ = campaign
    X = X.head(3_000).assign(days_since_last_purchase=np.nan)
    learner = LEARNERS[name]().fit(X, y[:3_000], t[:3_000])
    assert "days_since_last_purchase" not in learner.encoder_.get_feature_names_out()
    assert np.isfinite(learner.predict(X.tail(20))).all()


def test_a_feature_missing_in_one_group_only_is_left_out_of_that_groups_model():
    rng = np.random.default_rng(2)
    t = np.r_[np.ones(300, int), np.zeros(300, int)]
    X = pd.DataFrame({"x": rng.uniform(size=600),
                      "recency": np.where(t == 1, rng.uniform(size=600), np.nan)})
    y = (rng.uniform(size=600) < 0.2 + 0.3 * X["x"]).astype(int)
    uplift = LEARNERS["two_model"]().fit(X, y, t).predict(X)
    assert np.isfinite(uplift).all()
