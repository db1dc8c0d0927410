"""The board's tables and sentences: campaign states and the sample-ratio check."""

from __future__ import annotations

import pandas as pd

from dashboard.pages.board import (
    tables,
)
from tests.support.components import text_of


def test_campaign_states_read_in_plain_words() -> None:
    assert tables.status_words("scheduled", False) == (
        "Scheduled — waiting for data after launch")
    assert tables.status_words("completed", True) == "Completed"
    assert "run a refresh" in tables.status_words("running", False)  # not in this snapshot


def test_a_sample_ratio_mismatch_is_flagged_below_one_in_a_thousand() -> None:
    results = pd.DataFrame({"n_treatment": [900], "n_control": [100], "srm_p_value": [2e-4],
                            "is_srm": [True]})
    flagged = tables.srm_message(results, 0.2)
    assert flagged.color == "danger" and "Sample ratio mismatch" in text_of(flagged)
    passed = tables.srm_message(results.assign(srm_p_value=0.4, is_srm=False), 0.2)
    assert passed.color == "light" and "900 treatment / 100 control" in text_of(passed)
