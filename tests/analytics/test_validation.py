"""The shared required-column check."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.validation import require_columns


def test_every_missing_column_is_named_with_what_needs_it() -> None:
    frame = pd.DataFrame({"customer_id": [1], "frequency": [2]})
    with pytest.raises(ValueError, match=r"^RFM: missing column\(s\) 'recency', 'T'; expected "):
        require_columns(frame, ("customer_id", "recency", "frequency", "T"), "RFM")


def test_a_frame_with_all_columns_passes() -> None:
    require_columns(pd.DataFrame(columns=["a", "b", "c"]), ("a", "c"), "x")


def test_a_mapping_is_checked_by_its_keys() -> None:
    require_columns({"traffic": 1.0}, ["traffic"], "drivers")
    with pytest.raises(ValueError, match="'conversion_rate'"):
        require_columns({"traffic": 1.0}, ["traffic", "conversion_rate"], "drivers")
