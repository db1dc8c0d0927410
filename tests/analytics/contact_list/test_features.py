"""The model's inputs: log-scaled counts, flags, the hour on a circle."""

import numpy as np
import pandas as pd
import pytest

from analytics.contact_list.features import FEATURE_NAMES, design_matrix
from tests.support.contact_candidates import candidates


def test_each_model_column_is_the_documented_transform_of_its_source() -> None:
    frame, _ = candidates(3)
    frame.loc[0, ["count_views_24h", "avg_cart_price_24h", "hour_of_last_activity",
                  "hours_since_last_activity", "count_orders", "is_repeat_visitor"]] = [
        3, np.nan, 6, 12.0, 0, True]
    frame.loc[1, ["hour_of_last_activity", "count_orders"]] = [18, 4]
    design = design_matrix(frame)
    assert list(design.columns) == list(FEATURE_NAMES)
    assert design.loc[0, "log_views_24h"] == np.log(4)
    assert design.loc[0, "log_cart_price_24h"] == 0.0  # none carted: missing is none
    assert design.loc[0, "hours_since_last_activity"] == 0.5
    assert design.loc[0, "hour_sin"] == pytest.approx(1.0)  # 06:00 is a quarter of the circle
    assert design.loc[0, "hour_cos"] == pytest.approx(0.0, abs=1e-15)
    assert design.loc[1, "hour_sin"] == pytest.approx(-1.0)
    assert design.loc[[0, 1], "is_buyer"].tolist() == [0.0, 1.0]
    assert design.loc[[0, 1], "log_orders"].tolist() == [0.0, np.log(5)]
    assert design.loc[0, "is_repeat_visitor"] == 1.0


def test_a_missing_source_column_is_named() -> None:
    frame, _ = candidates(2)
    with pytest.raises(ValueError, match="'count_orders'"):
        design_matrix(frame.drop(columns="count_orders"))


def test_the_design_keeps_the_frame_index() -> None:
    frame, _ = candidates(4)
    frame.index = pd.Index([10, 11, 12, 13])
    assert design_matrix(frame).index.tolist() == [10, 11, 12, 13]
