"""Comparing the learners on held-out customers and keeping the best."""

import numpy as np
import pandas as pd
import pytest

import analytics.uplift.training as training_module
from analytics.uplift.economics import GRID
from analytics.uplift.metrics import qini_coefficient
from analytics.uplift.training import HOLDOUT_SHARE, NotEnoughDataError, _split, fit_uplift


def _campaign(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=n)
    t = (rng.uniform(size=n) < 0.8).astype(int)  # a 20 % control group, as the board's
    y = (rng.uniform(size=n) < 0.05 + 0.2 * (x > 0.6) * t).astype(int)
    return pd.DataFrame({"x": x, "noise": rng.normal(size=n)}), y, t


@pytest.fixture(scope="module")
def fitted():
    X, y, t = _campaign(8_000, 3)
    return fit_uplift(X, y, t, bootstrap_samples=50), X, y, t


def test_the_chosen_learner_has_the_best_held_out_qini(fitted):
    fit, *_ = fitted
    comparison = fit.comparison.set_index("learner")
    assert list(comparison.index) == ["two_model", "class_transformation", "interaction"]
    assert fit.chosen == comparison["qini_coefficient"].idxmax()
    assert comparison["is_chosen"].sum() == 1 and comparison.loc[fit.chosen, "is_chosen"]
    assert (comparison["qini_low"] > 0).all()
    assert (comparison["qini_low"] < comparison["qini_coefficient"]).all()


def test_evidence_is_the_held_out_customers(fitted):
    fit, X, y, _ = fitted
    assert fit.count_holdout == round(len(X) * HOLDOUT_SHARE)
    assert fit.count_train + fit.count_holdout == len(X)
    holdout = fit.holdout
    np.testing.assert_array_equal(holdout["y"], y[holdout["position"]])
    score = holdout[f"uplift_{fit.chosen}"]
    chosen = fit.comparison.set_index("learner").loc[fit.chosen]
    assert chosen["qini_coefficient"] == pytest.approx(
        qini_coefficient(holdout["y"], score, holdout["treatment"]))
    assert fit.deciles["n_treatment"].sum() + fit.deciles["n_control"].sum() == len(holdout)
    assert fit.targeting["share"].tolist() == GRID.tolist()
    assert fit.targeting["customers"].iloc[-1] == len(holdout)
    curve = fit.curves[fit.curves["learner"] == fit.chosen]
    assert len(curve) == 101 and curve["incremental_conversions"].iloc[0] == 0


def test_the_model_kept_is_refitted_on_every_customer_and_ranks_the_helped_first(fitted):
    fit, X, *_ = fitted
    assert fit.model.encoder_ is not None
    predicted = fit.model.predict(X)
    assert predicted[X["x"] > 0.6].mean() > predicted[X["x"] <= 0.6].mean() + 0.1


def test_learners_compared_two_at_a_time_give_what_one_at_a_time_gives(fitted, monkeypatch):
    fit, X, y, t = fitted
    monkeypatch.setattr(training_module, "COMPARISON_WORKERS", 1)
    alone = fit_uplift(X, y, t, bootstrap_samples=50)
    timings = ["fit_seconds"]
    pd.testing.assert_frame_equal(fit.comparison.drop(columns=timings),
                                  alone.comparison.drop(columns=timings), check_exact=True)
    for name in ("curves", "deciles", "targeting", "holdout"):
        pd.testing.assert_frame_equal(getattr(fit, name), getattr(alone, name), check_exact=True)
    np.testing.assert_array_equal(fit.model.predict(X), alone.model.predict(X))


def test_a_campaign_too_small_says_what_is_missing():
    X, y, t = _campaign(300, 4)
    with pytest.raises(NotEnoughDataError, match="at least 100 in each group"):
        fit_uplift(X, y, t)
    X, y, t = _campaign(2_000, 5)
    with pytest.raises(NotEnoughDataError, match="at least 10"):
        fit_uplift(X, np.zeros_like(y), t)


def test_a_pooled_split_keeps_each_customer_on_one_side() -> None:
    rng = np.random.default_rng(3)
    customers = np.repeat(np.arange(400), 2)  # every customer in two pooled campaigns
    y = rng.integers(0, 2, len(customers))
    t = rng.integers(0, 2, len(customers))
    train, test = _split(y, t, 0, groups=customers)
    assert not set(customers[train]) & set(customers[test])
    assert len(np.unique(customers[test])) == 120  # 30 % of the 400 customers
    assert len(train) + len(test) == len(customers)
