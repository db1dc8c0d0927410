"""The model search: five families searched by cross-validation, one chosen among those an exact
explainer supports, tested once; refits are identical for a seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.decline.contract import LABEL
from analytics.decline.search import (
    MIN_LABELLED,
    NotEnoughDataError,
    SearchSettings,
    explainer_kind,
    fit_decline_model,
)
from tests.support.decline import TEST_CANDIDATES, market_profile_frame

SETTINGS = SearchSettings(n_iter=TEST_CANDIDATES, random_state=7)


@pytest.fixture(scope="module")
def profile() -> pd.DataFrame:
    return market_profile_frame(customers=400, seed=3)


@pytest.fixture(scope="module")
def model(profile):
    return fit_decline_model(profile, SETTINGS)


def test_every_family_is_reported_with_its_cross_validation_and_test_score(model) -> None:
    families = model.families.set_index("family")
    assert set(families.index) == {"logistic_regression", "knn", "svc", "decision_tree",
                                   "gradient_boosting"}
    assert families["candidates"].sum() == TEST_CANDIDATES
    assert families["cv_sd"].gt(0).all()
    assert families["test_roc_auc"].between(0, 1).all()
    assert families["is_chosen"].sum() == 1
    chosen = families[families["is_chosen"]].iloc[0]
    assert chosen.name == model.family and chosen["explainable"]


def test_the_choice_is_the_best_cross_validated_explainable_candidate(model) -> None:
    families = model.families
    explainable = families[families["explainable"]]
    assert model.metrics["cv_mean"] == explainable["cv_mean"].max()
    assert explainer_kind(model.pipeline.named_steps["model"]) == model.explainer


def test_the_test_split_is_held_out_stratified_and_scored_once(model, profile) -> None:
    y = profile[LABEL] == "decreased"
    test = model.split[model.split == "test"].index
    assert len(test) == round(0.25 * len(profile)) == model.metrics["test_customers"]
    train = model.split[model.split == "train"].index
    assert not set(test) & set(train) and len(train) + len(test) == len(profile)
    assert len(model.background) == len(train)  # the explanations' reference: training rows
    share = y[profile["customer_id"].isin(test)].mean()
    assert abs(share - y.mean()) < 0.01  # stratified
    # the test figures are the chosen pipeline's on the test rows
    rows = profile[profile["customer_id"].isin(test)]
    probability = model.predict_risk(rows)
    from analytics.evaluation import roc_auc

    assert model.metrics["test_roc_auc"] == pytest.approx(
        roc_auc((rows[LABEL] == "decreased").astype(int), probability))


def test_the_latent_model_is_learned_well_above_the_revenue_trend_baseline(model) -> None:
    # draw_customers' true probability ranks these 400 customers at ROC-AUC 0.93-0.95
    assert model.metrics["test_roc_auc"] > 0.85
    assert model.metrics["baseline_test_roc_auc"] < 0.65


def test_precision_and_recall_are_measured_at_the_threshold_chosen_out_of_fold(model) -> None:
    m = model.metrics
    assert 0 < m["threshold"] < 1
    assert 0 < m["test_precision"] <= 1 and 0 < m["test_recall"] <= 1
    assert m["test_recall_at_0.4"] >= m["test_recall_at_0.7"]
    assert model.calibration["customers"].sum() == m["test_customers"]


def test_pipelines_refit_identically_for_a_seed(profile, model) -> None:
    again = fit_decline_model(profile, SETTINGS)
    assert again.family == model.family and again.params == model.params
    pd.testing.assert_frame_equal(again.families.drop(columns="fit_seconds"),
                                  model.families.drop(columns="fit_seconds"))
    np.testing.assert_array_equal(again.predict_risk(profile), model.predict_risk(profile))


def test_a_feature_that_is_the_label_in_disguise_is_left_out(profile) -> None:
    leaky = profile.assign(service_errors=(profile[LABEL] == "decreased") * 9.0)
    model = fit_decline_model(leaky, SETTINGS)
    assert "service_errors" not in model.features
    checks = model.checks.set_index("feature")
    assert checks.loc["service_errors", "is_leak"]
    assert checks.loc["service_errors", "single_auc"] == 1.0
    assert any("service_errors" in note and "leak" in note for note in model.notes)


def test_unlabelled_customers_are_not_trained_on(profile) -> None:
    partly = profile.copy()
    partly.loc[:49, LABEL] = None
    model = fit_decline_model(partly, SETTINGS)
    assert model.metrics["train_customers"] + model.metrics["test_customers"] == len(profile) - 50
    assert not set(partly.loc[:49, "customer_id"]) & set(model.split.index)


def test_too_few_labelled_customers_is_a_clear_error(profile) -> None:
    with pytest.raises(NotEnoughDataError, match=f"at least {MIN_LABELLED}"):
        fit_decline_model(profile.head(MIN_LABELLED - 1), SETTINGS)
    one_sided = profile.assign(**{LABEL: "previous level"})
    with pytest.raises(NotEnoughDataError, match="0 decreased"):
        fit_decline_model(one_sided, SETTINGS)
