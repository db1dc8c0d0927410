"""The uplift quality bench's judgement against the true types: the oracle's ranking, the
persuadables' share in the top part, and the true types read from the demo's ground truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.uplift_quality import oracle_scores, persuadable_shares, true_types
from warehouse.demo_shop import DAYS_FOLDER, demo_dir

P, S, L, D = "persuadable", "sure_thing", "lost_cause", "do_not_disturb"


def test_persuadable_shares_count_the_top_part_of_a_stable_descending_sort() -> None:
    types = np.array([P, S, P, L, D, P, L, L, L, P])
    score = np.array([0.9, 0.8, 0.1, 0.5, 0.8, 0.7, 0.0, 0.2, 0.3, 0.4])
    # top 3 of 10: 0.9 (P), then the tie 0.8 in input order: position 1 (S) before 4 (D)
    assert persuadable_shares(types, score) == (0.4, pytest.approx(1 / 3))
    # top 5: 0.9 P, 0.8 S, 0.8 D, 0.7 P, 0.5 L
    assert persuadable_shares(types, score, share=0.5) == (0.4, 0.4)


def test_the_oracle_ranks_persuadables_first_and_do_not_disturb_last() -> None:
    types = np.array([D, L, P, S, D, P, L, P])
    order = np.argsort(-oracle_scores(types, seed=3))
    assert set(types[order[:3]]) == {P}
    assert set(types[order[3:6]]) == {L, S}
    assert set(types[order[6:]]) == {D}


def test_the_oracle_breaks_ties_at_random_not_by_position() -> None:
    types = np.array([L] * 50)
    orders = {tuple(np.argsort(-oracle_scores(types, seed=seed))) for seed in range(3)}
    assert len(orders) == 3
    assert tuple(range(50)) not in orders


def test_the_oracle_refuses_an_unknown_type() -> None:
    with pytest.raises(ValueError, match="unknown response types: sleeper"):
        oracle_scores(np.array([P, "sleeper"]), seed=0)


def test_true_types_include_the_visitors_the_simulated_days_added(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    run = demo_dir(db) / DAYS_FOLDER / "20150919000000-20151003000000"
    run.mkdir(parents=True)
    columns = ["visitorid", "archetype", "type_email", "type_push"]
    pd.DataFrame([["1", "deal_seeker", P, D], ["2", "one_time_buyer", L, P]],
                 columns=columns).to_csv(demo_dir(db) / "ground_truth_response.csv",
                                         index=False)
    pd.DataFrame([["3", "window_shopper", P, L]], columns=columns).to_csv(
        run / "ground_truth_response.csv", index=False)
    assert true_types(db, "push").to_dict() == {"1": D, "2": P, "3": L}
    assert true_types(db, "email").to_dict() == {"1": P, "2": L, "3": P}
