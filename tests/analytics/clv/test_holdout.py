"""Holdout validation metrics and the choice between BG/NBD and MBG/NBD."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.clv import choose_purchase_model, naive_baseline, validate_holdout
from tests.analytics.clv.simulation import simulate_calibration_and_holdout

HOLDOUT_DAYS = 56


def test_naive_baseline_is_calibration_rate_times_holdout_length():
    assert naive_baseline(np.array([0, 2, 8, 0]), np.array([10, 20, 40, 0]), 10).tolist() == [
        0.0, 1.0, 2.0, 0.0,
    ]


def test_holdout_metrics_on_hand_checkable_data():
    holdout = pd.DataFrame({
        "frequency": [0, 0, 2, 8],
        "T": [10, 10, 20, 40],
        "predicted_purchases": [0.5, 0.5, 1.0, 3.0],
        "actual_purchases": [0, 1, 2, 3],
    })
    result = validate_holdout(holdout, holdout_days=10)
    # baseline = frequency / T × 10 = [0, 0, 1, 2]
    assert result.metrics["mae_per_customer"] == pytest.approx((0.5 + 0.5 + 1.0 + 0.0) / 4)
    assert result.metrics["baseline_mae_per_customer"] == pytest.approx((0 + 1 + 1 + 1) / 4)
    assert result.metrics["rmse_per_customer"] == pytest.approx(math.sqrt(1.5 / 4))
    assert result.metrics["baseline_rmse_per_customer"] == pytest.approx(math.sqrt(3 / 4))
    # buckets 0 (2 customers: predicted 0.5, actual 0.5, baseline 0), 2 (1.0 / 2 / 1), 7+ (3 / 3
    # / 2): squared errors of the means weighted by customers
    assert result.metrics["bucket_rmse"] == pytest.approx(math.sqrt((0 + 1 + 0) / 4))
    assert result.metrics["baseline_bucket_rmse"] == pytest.approx(
        math.sqrt((2 * 0.25 + 1 + 1) / 4)
    )
    assert result.metrics["total_predicted"] == pytest.approx(5.0)
    assert result.metrics["total_actual"] == 6
    assert result.metrics["total_pct_error"] == pytest.approx(-100 / 6)
    assert result.metrics["baseline_total_pct_error"] == pytest.approx(-50.0)
    buckets = result.by_frequency.set_index("frequency_bucket")
    assert buckets.index.tolist() == [0, 2, 7]
    assert buckets.loc[0].tolist() == [2, 0.5, 0.5, 0.0]
    assert buckets.loc[7].tolist() == [1, 3.0, 3.0, 2.0]


def test_holdout_without_purchases_has_undefined_pct_error():
    holdout = pd.DataFrame({
        "frequency": [0, 1], "T": [5, 5], "predicted_purchases": [0.1, 0.2],
        "actual_purchases": [0, 0],
    })
    assert np.isnan(validate_holdout(holdout, 7).metrics["total_pct_error"])


def test_holdout_missing_column_is_named():
    with pytest.raises(ValueError, match=r"missing column\(s\) 'actual_purchases'"):
        validate_holdout(pd.DataFrame({"frequency": [0], "T": [1], "predicted_purchases": [0]}), 7)


# Buyers drop out at their first purchase with mean probability a/(a + b) = 0.6: the MBG/NBD story.
EARLY_DROPOUT = {"r": 2.0, "alpha": 20.0, "a": 3.0, "b": 2.0}


@pytest.fixture(scope="module")
def mbg_customers() -> pd.DataFrame:
    return simulate_calibration_and_holdout(3000, **EARLY_DROPOUT, seed=3, holdout_days=56,
                                            modified=True)


@pytest.fixture(scope="module")
def bg_customers() -> pd.DataFrame:
    return simulate_calibration_and_holdout(3000, **EARLY_DROPOUT, seed=3, holdout_days=56)


@pytest.mark.parametrize(("frame", "expected"),
                         [("mbg_customers", "mbg_nbd"), ("bg_customers", "bg_nbd")])
def test_the_purchase_model_the_data_came_from_predicts_the_holdout_better(request, frame,
                                                                           expected):
    choice = choose_purchase_model(request.getfixturevalue(frame), HOLDOUT_DAYS)
    assert choice.chosen == expected
    errors = {name: v.metrics["bucket_rmse"] for name, v in choice.validations.items()}
    assert errors[expected] == min(errors.values())
    assert choice.by_frequency.equals(choice.validations[expected].by_frequency)


def test_the_choice_records_both_fits_their_metrics_and_why(mbg_customers):
    choice = choose_purchase_model(mbg_customers, HOLDOUT_DAYS)
    rows = choice.params.set_index(["model", "parameter"])
    for model in ("bg_nbd_calibration", "mbg_nbd_calibration"):
        assert rows.loc[(model, "alpha"), "value"] > 0
        assert rows.loc[(model, "customers"), "value"] == 3000
    for model in ("validation_bg_nbd", "validation_mbg_nbd"):
        assert rows.loc[(model, "holdout_days"), "value"] == HOLDOUT_DAYS
    chosen = choice.validations["mbg_nbd"].metrics
    assert rows.loc[("validation", "bucket_rmse"), "value"] == chosen["bucket_rmse"]
    note = rows.loc[("validation", "purchase_model"), "note"]
    assert note.startswith("mbg_nbd: MBG/NBD chosen: holdout error")
    assert f"{chosen['bucket_rmse']:.4f}" in note and "naive baseline" in note
    assert not rows.index.duplicated().any()


def test_a_verdict_is_written_exactly_when_the_model_loses_to_the_baseline(mbg_customers):
    choice = choose_purchase_model(mbg_customers, HOLDOUT_DAYS)
    metrics = choice.validations[choice.chosen].metrics
    loses = metrics["bucket_rmse"] >= metrics["baseline_bucket_rmse"]
    assert (choice.verdict is not None) == loses
    verdict_rows = choice.params.query("model == 'validation' and parameter == 'verdict'")
    assert len(verdict_rows) == int(loses)


def test_without_any_purchase_model_validation_is_skipped_with_the_reason():
    tiny = pd.DataFrame({
        "customer_id": ["a", "b"], "frequency": [0, 1], "recency": [0, 5], "T": [10, 10],
        "monetary_value": [0.0, 0.0], "actual_purchases": [0, 1],
    })
    choice = choose_purchase_model(tiny, 7)
    assert choice.chosen is None and choice.validations == {}
    skipped = choice.params.query("model == 'validation' and parameter == 'skipped'")
    assert "no purchase model could be fitted" in skipped["note"].iloc[0]
    assert choice.by_frequency.empty
    failed = choice.params.query("parameter == 'fit_failed'")["model"].tolist()
    assert failed == ["bg_nbd_calibration", "mbg_nbd_calibration"]
