import math

import numpy as np
import pytest

from analytics.kpi_tree import (
    DRIVERS,
    METHOD_LMDI,
    METHOD_SEQUENTIAL,
    decompose_gmv_change,
    period_drivers,
)


def _drivers(traffic: float, conversion: float, ticket: float) -> dict[str, float]:
    return {"traffic": traffic, "conversion_rate": conversion, "avg_ticket_amount": ticket}


def _contribution(result, driver: str) -> float:
    return float(result.set_index("driver").loc[driver, "contribution_amount"])


def test_lmdi_contributions_match_hand_computation_and_sum_to_gmv_change():
    # GMV 1000 = 1000 × 0.02 × 50  →  GMV 1200 = 1200 × 0.025 × 40.
    # L(1200, 1000) = 200 / ln 1.2, so traffic gets exactly 200; conversion (×1.25) and ticket
    # (×0.8) cancel: ±200 × ln 1.25 / ln 1.2.
    result = decompose_gmv_change(_drivers(1000, 0.02, 50), _drivers(1200, 0.025, 40))
    log_mean = 200 / math.log(1.2)
    assert list(result["driver"]) == list(DRIVERS)
    assert set(result["method"]) == {METHOD_LMDI}
    assert _contribution(result, "traffic") == pytest.approx(200.0)
    assert _contribution(result, "conversion_rate") == pytest.approx(log_mean * math.log(1.25))
    assert _contribution(result, "avg_ticket_amount") == pytest.approx(log_mean * math.log(0.8))
    assert result["contribution_amount"].sum() == pytest.approx(200.0)
    assert result["contribution_share"].sum() == pytest.approx(1.0)


def test_lmdi_is_exact_on_uneven_changes():
    previous, current = _drivers(870, 0.013, 61.5), _drivers(1432, 0.0091, 77.25)
    result = decompose_gmv_change(previous, current)
    change = 1432 * 0.0091 * 77.25 - 870 * 0.013 * 61.5
    assert result["contribution_amount"].sum() == pytest.approx(change, rel=1e-12)


def test_unchanged_driver_contributes_nothing_and_equal_gmv_gives_nan_shares():
    result = decompose_gmv_change(_drivers(500, 0.02, 40), _drivers(500, 0.02, 40))
    assert np.allclose(result["contribution_amount"], 0.0)
    assert result["contribution_share"].isna().all()


def test_zero_in_previous_period_falls_back_to_sequential_substitution():
    # No orders before: conversion and ticket are 0. Substituting in tree order, traffic moves
    # GMV by (200-100)×0×0 = 0, conversion by 200×0.05×0 = 0, ticket by 200×0.05×30 = 300.
    result = decompose_gmv_change(_drivers(100, 0.0, 0.0), _drivers(200, 0.05, 30))
    assert set(result["method"]) == {METHOD_SEQUENTIAL}
    assert list(result["contribution_amount"]) == pytest.approx([0.0, 0.0, 300.0])


def test_zero_traffic_in_current_period_attributes_the_whole_loss_to_traffic():
    result = decompose_gmv_change(_drivers(100, 0.02, 50), _drivers(0, 0.0, 0.0))
    assert list(result["contribution_amount"]) == pytest.approx([-100.0, 0.0, 0.0])


def test_missing_driver_is_named_in_the_error():
    with pytest.raises(ValueError, match="avg_ticket_amount"):
        decompose_gmv_change({"traffic": 1, "conversion_rate": 1}, _drivers(1, 1, 1))


def test_negative_driver_is_rejected():
    with pytest.raises(ValueError, match="≥ 0"):
        decompose_gmv_change(_drivers(-1, 0.1, 5), _drivers(1, 0.1, 5))


def test_period_drivers_multiply_back_to_gmv():
    drivers = period_drivers(traffic=400, count_orders=10, gmv_amount=725.0)
    assert drivers == {"traffic": 400.0, "conversion_rate": 0.025, "avg_ticket_amount": 72.5}
    assert math.prod(drivers.values()) == pytest.approx(725.0)


def test_period_drivers_without_orders_are_zero_and_inconsistent_totals_are_rejected():
    assert period_drivers(traffic=0, count_orders=0, gmv_amount=0) == _drivers(0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="count_orders is 0"):
        period_drivers(traffic=10, count_orders=0, gmv_amount=5.0)
