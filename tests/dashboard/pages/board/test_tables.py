"""The board's tables and sentences: campaign states, the sample-ratio check, the launch
sentence and the audit grid."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pandas as pd

from dashboard.pages.board import (
    tables,
)
from tests.support.components import text_of
from warehouse.commands import LaunchedCampaign


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


def test_the_launch_sentence_says_who_was_left_out_and_which_clock_dated_it() -> None:
    launched = LaunchedCampaign(
        campaign_id="c-20150919-1", name="n", source="board",
        launched_at=datetime(2015, 9, 19), ends_at=datetime(2015, 10, 17), clock="data",
        count_treatment=1_600, count_control=400, count_excluded=35)
    overview = pd.DataFrame({"campaign_id": ["c-20150919-1"], "status": ["scheduled"],
                             "is_measured": [False]})
    text = " ".join(text_of(tables.launch_text(launched, overview)).split())
    assert "2,000 customers frozen: 1,600 in treatment, 400 in control." in text
    assert "35 customers already in a running campaign were left out." in text
    assert "Dated 2015-09-19 00:00 UTC, the end of the data" in text
    none_left_out = text_of(tables.launch_text(replace(launched, count_excluded=0, clock="wall"),
                                               overview))
    assert "left out" not in none_left_out and "now: the data is current" in none_left_out


def test_audit_rows_name_the_user_and_what_each_entry_is_about() -> None:
    entries = pd.DataFrame({
        "logged_at": pd.to_datetime(["2015-09-19 10:00"] * 3), "user_name": ["ana", "ben", None],
        "event": ["export", "rule_change", "launch"], "campaign_id": [None, None, "c-1"],
        "segment": ["Lost", None, None], "rule_id": pd.array([None, 4, None], dtype="Int64"),
        "group_name": [None] * 3, "row_count": pd.array([12, None, 30], dtype="Int64"),
        "file_name": ["segment-lost.csv", None, None], "detail": [None] * 3})
    rows = tables.audit_rows(entries)
    assert [(r["user"], r["subject"], r["row_count"]) for r in rows] == [
        ("ana", "segment Lost", 12), ("ben", "rule 4", None), ("", "c-1", 30)]
