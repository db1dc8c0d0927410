"""SHAP explanations: exact for every family the search may choose, in the model's own unit,
read back as reasons in plain words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import logit
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from analytics.decline.contract import LABEL, present_features, split_kinds
from analytics.decline.explain import (
    LOG_ODDS,
    PROBABILITY,
    contributions,
    explain,
    global_importance,
    reason_text,
    top_reason,
    top_reasons_text,
    value_text,
)
from analytics.decline.search import (
    DeclineModel,
    build_pipeline,
    explainer_kind,
    finalised,
)
from tests.support.decline import market_profile_frame


@pytest.fixture(scope="module")
def profile() -> pd.DataFrame:
    return market_profile_frame(customers=300, seed=5)


def fitted(profile: pd.DataFrame, estimator) -> DeclineModel:
    """``estimator`` fitted as the search fits its choice, wrapped as a DeclineModel."""
    features = present_features(profile)
    numbers, categories = split_kinds(features)
    x, y = profile[features], (profile[LABEL] == "decreased").astype(int)
    pipeline = finalised(build_pipeline(numbers, categories, estimator), 7, 5).fit(x, y)
    empty = pd.DataFrame()
    return DeclineModel(
        pipeline=pipeline, features=features, family=type(estimator).__name__, params={},
        explainer=str(explainer_kind(pipeline.named_steps["model"])), threshold=0.5,
        families=empty, metrics={}, calibration=empty, checks=empty, split=pd.Series(),
        background=x)


ESTIMATORS = {
    "logistic regression": (LogisticRegression(max_iter=5000), LOG_ODDS),
    "linear SVM, calibrated": (SVC(kernel="linear", C=0.5, random_state=7), LOG_ODDS),
    "decision tree": (DecisionTreeClassifier(max_depth=5, random_state=7), PROBABILITY),
    "gradient boosting": (HistGradientBoostingClassifier(max_iter=60, random_state=7), LOG_ODDS),
}


@pytest.mark.parametrize("name", ESTIMATORS)
def test_each_customers_values_sum_to_the_model_output_minus_the_base_value(
    profile, name
) -> None:
    estimator, unit = ESTIMATORS[name]
    model = fitted(profile, estimator)
    explanation = explain(model, profile)
    assert explanation.unit == unit
    assert list(explanation.values.columns) == model.features  # one-hot columns summed back
    np.testing.assert_allclose(explanation.values.sum(axis=1) + explanation.base_value,
                               explanation.output, atol=1e-9)
    probability = model.predict_risk(profile)
    expected = logit(probability) if unit == LOG_ODDS else probability
    np.testing.assert_allclose(explanation.output, expected, atol=1e-6)


def test_a_family_without_an_exact_explainer_is_refused(profile) -> None:
    model = fitted(profile, KNeighborsClassifier())
    with pytest.raises(ValueError, match="no exact explainer"):
        explain(model, profile)


def test_the_explanations_find_the_drivers_of_the_latent_model(profile) -> None:
    # demo.market weights: promotion share 1.9, categories and pages per visit 1.0, marketing
    # contacts 0.9, minutes 0.75 (over two columns); revenue, tenure and category carry none
    model = fitted(profile, LogisticRegression(max_iter=5000))
    importance = global_importance(explain(model, profile))
    assert importance["feature"].iloc[0] == "promotion_share"
    assert set(importance["feature"].head(4)) == {
        "promotion_share", "categories_per_visit", "pages_per_visit", "marketing_contacts_6m"}
    assert importance["mean_abs"].is_monotonic_decreasing


def test_reasons_read_in_plain_words_with_signed_contributions() -> None:
    assert reason_text("promotion share", 0.9, 0.2137) == "promotion share 0.9: +0.21"
    assert reason_text("pages per visit", 14.0, -1.268) == "pages per visit 14: -1.27"
    assert reason_text("service type", "premium", 0.05) == "service type premium: +0.05"
    assert value_text(5094.4) == "5,094" and value_text(4.25) == "4.25"
    assert value_text(float("nan")) == "unknown"


def test_contributions_rank_each_customers_features_by_size(profile) -> None:
    model = fitted(profile, LogisticRegression(max_iter=5000))
    explanation = explain(model, profile)
    table = contributions(explanation, profile)
    assert len(table) == len(profile) * len(model.features)
    first = table[table["customer_id"] == profile["customer_id"].iloc[0]]
    assert first["rank"].tolist() == list(range(1, len(model.features) + 1))
    assert first["contribution"].abs().is_monotonic_decreasing
    share = first[first["feature"] == "promotion_share"].iloc[0]
    assert share["value"] == value_text(profile["promotion_share"].iloc[0])
    assert share["reason"] == reason_text("promotion share", profile["promotion_share"].iloc[0],
                                          share["contribution"])
    texts = top_reasons_text(table)
    assert texts.loc[first["customer_id"].iloc[0]] == "; ".join(first["reason"].head(5))
    numbers, categories = split_kinds(model.features)
    scaled = table.set_index("feature")["value_scaled"]
    assert scaled.loc[numbers].between(0, 1, inclusive="right").all()
    assert scaled.loc[categories].isna().all()


def test_the_top_reason_is_the_feature_raising_the_risk_most() -> None:
    from analytics.decline.explain import Explanation

    values = pd.DataFrame({"promotion_share": [0.4, -0.2], "pages_per_visit": [0.1, -0.3]},
                          index=pd.Index(["a", "b"], name="customer_id"))
    top = top_reason(Explanation(values, 0.0, values.sum(axis=1).to_numpy(), LOG_ODDS))
    assert top.to_dict() == {"a": "promotion share", "b": None}
