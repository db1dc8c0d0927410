"""How well do the uplift models find the demo's persuadables, and how fast do they train?

    python bench/uplift_quality.py --db PATH [--seed 0] [--synthetic 100000]

``--db``: a demo warehouse built by ``python app.py serve --db PATH`` (its ground truth kept
beside it, in ``<db stem>.demo/``) and refreshed. For the planted win-back campaign:

1. its customers with group and outcome (the published ``campaign_outcomes``) and their features
   as of the launch (the refresh step's own ``training_data``), through ``fit_uplift`` as the
   refresh runs it: the learners' held-out Qini coefficients with 95 % bootstrap intervals, and
   the training time;
2. against the ground truth (``ground_truth_response.csv``: each visitor's true email type): the
   oracle's held-out Qini coefficient (ranking persuadables first, do-not-disturb last), the
   chosen model's share of it, and the share of true persuadables in the top 30 % of the
   held-out customers by predicted uplift against their share among all held-out customers;
   the same two figures for the ranking an owner could use without a model (most visits before
   the launch first).

``judge_campaign`` judges any completed campaign of a demo warehouse so, against the true types
of its channel; ``bench/uplift_loop_quality.py`` uses it on campaigns launched from the board.

Then ``fit_uplift`` on a synthetic randomised campaign of ``--synthetic`` customers (13 numeric
features like the feature set's, heterogeneous effect), timed end to end. Results for the record
go to docs/METHODS.md ("Uplift models").
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.uplift.metrics import qini_coefficient, qini_interval
from analytics.uplift.training import fit_uplift
from warehouse.demo_shop import DAYS_FOLDER, demo_dir
from warehouse.features import open_raw
from warehouse.pipeline.steps.uplift_data import training_data
from warehouse.snapshots import open_snapshot

CAMPAIGN = "demo-winback-2015-08"
TOP_SHARE = 0.3
# The ranking an owner could use without a model: most visits before the launch first.
BASELINE_FEATURE = "count_sessions"
TYPE_ORDER = {"persuadable": 1.0, "sure_thing": 0.0, "lost_cause": 0.0, "do_not_disturb": -1.0}


@dataclass(frozen=True)
class TruthQuality:
    """One campaign's uplift model, learnt as the refresh learns it on all but a held-out part,
    judged on that part against the customers' true types."""

    campaign_id: str
    channel: str
    split: int  # the hold-out's random_state (0: the refresh's own split)
    count_treatment: int
    count_control: int
    count_holdout: int
    seconds: float  # three learners compared, intervals, chosen refitted
    comparison: pd.DataFrame  # fit_uplift's held-out comparison of the learners
    chosen: str
    qini: float
    qini_low: float
    qini_high: float
    oracle: float
    oracle_low: float
    oracle_high: float
    base_share: float  # true persuadables among the held-out customers
    top_share: float  # ... among the top TOP_SHARE of them by predicted uplift
    baseline_qini: float  # the held-out customers ranked by BASELINE_FEATURE
    baseline_top_share: float

    @property
    def of_oracle(self) -> float:
        return self.qini / self.oracle

    @property
    def ratio(self) -> float:
        return self.top_share / self.base_share

    @property
    def baseline_of_oracle(self) -> float:
        return self.baseline_qini / self.oracle

    @property
    def baseline_ratio(self) -> float:
        return self.baseline_top_share / self.base_share


def with_random_ties(score: np.ndarray, seed: int) -> np.ndarray:
    """``score`` with ties broken at random, not by position (a draw far below any step)."""
    return score + np.random.default_rng(seed).uniform(0, 1e-6, len(score))


def oracle_scores(true_type: np.ndarray, seed: int) -> np.ndarray:
    """The oracle's ranking: persuadables first, do-not-disturb last, ties broken at random (not
    by position). ValueError names a type outside the four."""
    unknown = sorted(set(true_type) - set(TYPE_ORDER))
    if unknown:
        raise ValueError(f"unknown response types: {', '.join(map(str, unknown))}")
    return with_random_ties(np.vectorize(TYPE_ORDER.get, otypes=[float])(true_type), seed)


def persuadable_shares(true_type: np.ndarray, score: np.ndarray,
                       share: float = TOP_SHARE) -> tuple[float, float]:
    """The share of true persuadables among all customers and among the top ``share`` of them by
    ``score`` (the first int(n * share) of a stable descending sort)."""
    top = np.argsort(-score, kind="mergesort")[: int(len(score) * share)]
    is_persuadable = true_type == "persuadable"
    return float(np.mean(is_persuadable)), float(np.mean(is_persuadable[top]))


def true_types(db: Path, channel: str) -> pd.Series:
    """Every demo visitor's true type on ``channel`` by visitor id: the generated visitors' and
    those the simulated days added (``ground_truth_response.csv`` of each run)."""
    files = [demo_dir(db) / "ground_truth_response.csv",
             *sorted((demo_dir(db) / DAYS_FOLDER).glob("*/ground_truth_response.csv"))]
    column = f"type_{channel}"
    frames = [pd.read_csv(path, usecols=["visitorid", column], dtype={"visitorid": str})
              for path in files if path.is_file()]
    truth = pd.concat(frames, ignore_index=True).drop_duplicates("visitorid")
    return truth.set_index("visitorid")[column]


def campaign_data(db: Path, campaign_id: str) -> tuple[pa.Table, datetime, str]:
    """A completed campaign's customers with group and outcome (the published
    ``campaign_outcomes``), its launch and its channel (as ``uplift_models`` records them)."""
    with open_snapshot(db) as con:
        found = con.execute("SELECT launched_at, channel FROM uplift_models "
                            "WHERE campaign_id = ?", [campaign_id]).fetchall()
        if not found:
            raise SystemExit(f"campaign {campaign_id} is not a completed campaign of {db}")
        customers = con.sql(
            "SELECT customer_id, group_name = 'treatment' AS is_treated, is_converted "
            "FROM campaign_outcomes WHERE campaign_id = $id ORDER BY customer_id",
            params={"id": campaign_id}).to_arrow_table()
    [(launched_at, channel)] = found
    return customers, launched_at, channel or "email"


def judge_campaign(db: Path, campaign_id: str, split: int) -> TruthQuality:
    """Learn ``campaign_id`` as the refresh does (its features as of the launch, ``fit_uplift``)
    with hold-out ``split`` and judge the chosen learner against the true types."""
    customers, launched_at, channel = campaign_data(db, campaign_id)
    with open_raw(db) as con:
        data = training_data(con, customers, launched_at)
    started = time.perf_counter()
    fit = fit_uplift(data.features, data.is_converted, data.is_treated, random_state=split)
    seconds = time.perf_counter() - started
    types = pd.Series(data.customer_ids.to_pylist()).map(true_types(db, channel))
    if types.isna().any():
        raise SystemExit(f"{int(types.isna().sum())} customers of {campaign_id} lack a true type")
    holdout = fit.holdout
    y, t = holdout["y"].to_numpy(), holdout["treatment"].to_numpy()
    true_type = types.iloc[holdout["position"]].to_numpy()
    oracle = oracle_scores(true_type, split)
    oracle_low, oracle_high = qini_interval(y, oracle, t, seed=split)
    chosen = fit.comparison.set_index("learner").loc[fit.chosen]
    base, in_top = persuadable_shares(true_type, holdout[f"uplift_{fit.chosen}"].to_numpy())
    visits = data.features[BASELINE_FEATURE].to_numpy(dtype=float)[holdout["position"]]
    baseline = with_random_ties(visits, split)
    _, baseline_top = persuadable_shares(true_type, baseline)
    return TruthQuality(
        campaign_id=campaign_id, channel=channel, split=split,
        count_treatment=int(data.is_treated.sum()),
        count_control=int((1 - data.is_treated).sum()), count_holdout=fit.count_holdout,
        seconds=seconds, comparison=fit.comparison, chosen=fit.chosen,
        qini=float(chosen["qini_coefficient"]), qini_low=float(chosen["qini_low"]),
        qini_high=float(chosen["qini_high"]), oracle=qini_coefficient(y, oracle, t),
        oracle_low=oracle_low, oracle_high=oracle_high, base_share=base, top_share=in_top,
        baseline_qini=qini_coefficient(y, baseline, t), baseline_top_share=baseline_top)


def measure_demo(db: Path, seed: int) -> None:
    quality = judge_campaign(db, CAMPAIGN, seed)
    print(f"campaign {CAMPAIGN}: {quality.count_treatment:,} treated, "
          f"{quality.count_control:,} control; held out {quality.count_holdout:,}; compared "
          f"and refitted in {quality.seconds:.1f} s")
    print(quality.comparison[["learner", "qini_coefficient", "qini_low", "qini_high", "auuc",
                              "uplift_at_k"]].to_string(index=False, float_format="%.3f"))
    print(f"chosen: {quality.chosen}, Qini {quality.qini:.3f} "
          f"[{quality.qini_low:.3f}, {quality.qini_high:.3f}]")
    print(f"oracle (true types): Qini {quality.oracle:.3f} [{quality.oracle_low:.3f}, "
          f"{quality.oracle_high:.3f}]; chosen / oracle = {quality.of_oracle:.2f}")
    print(f"true persuadables: {quality.base_share:.1%} of the held-out customers, "
          f"{quality.top_share:.1%} of the top 30 % by predicted uplift ({quality.ratio:.2f}x)")
    print(f"baseline (most visits first): {quality.baseline_of_oracle:.2f} of the oracle, "
          f"{quality.baseline_top_share:.1%} persuadables in the top 30 % "
          f"({quality.baseline_ratio:.2f}x)")


def measure_synthetic(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.gamma(2.0, 2.0, size=(n, 13)),
                     columns=[f"feature_{i}" for i in range(13)])
    t = (rng.uniform(size=n) < 0.8).astype(int)
    effect = 0.1 * (X["feature_0"] > 4) - 0.03 * (X["feature_1"] > 6)
    y = (rng.uniform(size=n) < 0.03 + 0.01 * np.minimum(X["feature_2"], 5) + effect * t
         ).astype(int)
    started = time.perf_counter()
    fit = fit_uplift(X, y, t, random_state=seed)
    print(f"synthetic campaign of {n:,} customers: three learners compared on "
          f"{fit.count_holdout:,} held out, bootstrap intervals, chosen refitted: "
          f"{time.perf_counter() - started:.1f} s (chosen {fit.chosen}, Qini "
          f"{fit.comparison['qini_coefficient'].max():.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--synthetic", type=int, default=100_000)
    args = parser.parse_args()
    measure_demo(args.db.resolve(), args.seed)
    if args.synthetic:
        measure_synthetic(args.synthetic, args.seed)


if __name__ == "__main__":
    main()
