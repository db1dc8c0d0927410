"""The demo's planted past campaign, measured end to end: generator → ingest → refresh.

The generator writes the true purchase probabilities of both groups in the campaign window to
ground_truth_campaign.json (never read by the product); the refresh must find the realised
conversions exactly and a confidence interval for the lift that contains the planted effect.
"""

from __future__ import annotations

import json

import pytest

from warehouse.snapshots import open_snapshot


@pytest.fixture(scope="module")
def truth(demo_folder) -> dict:
    return json.loads((demo_folder / "ground_truth_campaign.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def conversion(demo_db, truth) -> dict:
    with open_snapshot(demo_db) as con:
        frame = con.execute(
            "SELECT * FROM campaign_results WHERE campaign_id = ? AND metric = 'conversion'",
            [truth["campaign_id"]],
        ).df()
    assert len(frame) == 1, "the demo campaign was not measured"
    return frame.iloc[0].to_dict()


def test_group_sizes_and_conversions_are_the_realised_ones(conversion, truth):
    assert (conversion["n_control"], conversion["n_treatment"]) == (
        truth["control_size"], truth["treatment_size"])
    assert conversion["control_mean"] == pytest.approx(
        truth["converted_control"] / truth["control_size"])
    assert conversion["treatment_mean"] == pytest.approx(
        truth["converted_treatment"] / truth["treatment_size"])


def test_the_confidence_interval_of_the_lift_contains_the_planted_effect(conversion, truth):
    planted = truth["p_treatment"] - truth["p_control"]
    assert conversion["abs_ci_low"] <= planted <= conversion["abs_ci_high"]
    assert conversion["abs_ci_low"] > 0  # and the effect is detected, not just not excluded


def test_a_fair_split_raises_no_sample_ratio_alarm(conversion):
    assert not conversion["is_srm"]
