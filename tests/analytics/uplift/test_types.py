"""The four response types from the two predicted probabilities and the stated thresholds."""

import numpy as np
import pytest

from analytics.uplift.types import response_types


def test_types_follow_the_stated_thresholds():
    treated = np.array([0.30, 0.10, 0.80, 0.05, 0.209, 0.40])
    control = np.array([0.10, 0.30, 0.795, 0.045, 0.20, 0.60])
    assert response_types(treated, control).tolist() == [
        "persuadable", "do_not_disturb", "sure_thing", "lost_cause", "lost_cause",
        "do_not_disturb"]


def test_thresholds_can_be_chosen():
    types = response_types([0.5, 0.5], [0.45, 0.3], uplift_threshold=0.1, buy_threshold=0.4)
    assert types.tolist() == ["sure_thing", "persuadable"]


def test_lengths_must_agree():
    with pytest.raises(ValueError, match="same length"):
        response_types([0.1, 0.2], [0.1])
