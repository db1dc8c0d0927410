"""Stratified, hash-ranked treatment/control assignment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.experiments.assignment import assign_groups

SEGMENT_SIZES = {"Champions": 1000, "Loyal": 333, "At Risk": 50, "New": 7, "Solo": 1}


def audience(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    segments = np.repeat(list(SEGMENT_SIZES), list(SEGMENT_SIZES.values()))
    return pd.DataFrame({
        "customer_id": [f"u{i}" for i in range(len(segments))],
        "segment": segments,
        "unit": rng.random(len(segments)),
    })


def test_the_same_audience_and_units_always_give_the_same_groups() -> None:
    frame = audience()
    first = assign_groups(frame, 0.2)
    again = assign_groups(frame.sample(frac=1.0, random_state=3), 0.2).loc[frame.index]
    assert first["group_name"].tolist() == again["group_name"].tolist()


@pytest.mark.parametrize("share", [0.2, 0.5, 0.1, 0.35])
def test_the_split_holds_overall_and_within_each_segment(share: float) -> None:
    groups = assign_groups(audience(), share)
    is_control = groups["group_name"] == "control"
    assert is_control.sum() == int(np.floor(len(groups) * share + 1e-9))
    for segment, n in SEGMENT_SIZES.items():
        # every stratum of n customers has within one customer of n·s in control
        assert abs(is_control[groups["segment"] == segment].sum() - n * share) < 1, segment


def test_within_a_segment_control_goes_by_hash_rank() -> None:
    frame = pd.DataFrame({"customer_id": list("abcdefghij"), "segment": "S",
                          "unit": [0.95, 0.05, 0.5, 0.15, 0.65, 0.25, 0.75, 0.35, 0.85, 0.45]})
    groups = assign_groups(frame, 0.5).set_index("customer_id")["group_name"]
    # ranks by unit: b d f h j c e g i a; at 50 % every second rank is control: d h c g a
    assert sorted(groups[groups == "control"].index) == ["a", "c", "d", "g", "h"]


def test_missing_segments_form_their_own_stratum() -> None:
    frame = audience().assign(segment=lambda f: f["segment"].where(f.index % 2 == 0))
    groups = assign_groups(frame, 0.2)
    missing = frame["segment"].isna()
    in_control = (groups.loc[missing, "group_name"] == "control").sum()
    assert abs(in_control - missing.sum() * 0.2) < 1


@pytest.mark.parametrize("share", [0, 0.51, -0.2, 1])
def test_a_control_share_outside_zero_to_half_is_refused(share: float) -> None:
    with pytest.raises(ValueError, match=r"control share must be in \(0, 0.5\]"):
        assign_groups(audience(), share)


def test_a_missing_column_is_named() -> None:
    with pytest.raises(ValueError, match=r"missing column\(s\) 'unit'"):
        assign_groups(audience().drop(columns="unit"), 0.2)
