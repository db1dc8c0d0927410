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
   held-out customers by predicted uplift against their share among all held-out customers.

Then ``fit_uplift`` on a synthetic randomised campaign of ``--synthetic`` customers (13 numeric
features like the feature set's, heterogeneous effect), timed end to end. Results for the record
go to docs/METHODS.md ("Uplift models").
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.uplift.metrics import qini_coefficient, qini_interval
from analytics.uplift.training import fit_uplift
from warehouse.demo_shop import demo_dir
from warehouse.features import open_raw
from warehouse.pipeline.steps.uplift_data import training_data
from warehouse.snapshots import open_snapshot

CAMPAIGN = "demo-winback-2015-08"
LAUNCH = datetime(2015, 8, 1)
TYPE_ORDER = {"persuadable": 1.0, "sure_thing": 0.0, "lost_cause": 0.0, "do_not_disturb": -1.0}


def demo_campaign(db: Path) -> pa.Table:
    with open_snapshot(db) as con:
        return con.sql(
            "SELECT customer_id, group_name = 'treatment' AS is_treated, is_converted "
            "FROM campaign_outcomes WHERE campaign_id = $id ORDER BY customer_id",
            params={"id": CAMPAIGN}).to_arrow_table()


def measure_demo(db: Path, seed: int) -> None:
    customers = demo_campaign(db)
    with open_raw(db) as con:
        data = training_data(con, customers, LAUNCH)
    started = time.perf_counter()
    fit = fit_uplift(data.features, data.is_converted, data.is_treated, random_state=seed)
    seconds = time.perf_counter() - started
    n_t, n_c = int(data.is_treated.sum()), int((1 - data.is_treated).sum())
    print(f"campaign {CAMPAIGN}: {n_t:,} treated, {n_c:,} control; held out "
          f"{fit.count_holdout:,}; compared and refitted in {seconds:.1f} s")
    print(fit.comparison[["learner", "qini_coefficient", "qini_low", "qini_high", "auuc",
                          "uplift_at_k"]].to_string(index=False, float_format="%.3f"))

    truth = pd.read_csv(demo_dir(db) / "ground_truth_response.csv",
                        usecols=["visitorid", "type_email"], dtype={"visitorid": str})
    types = pd.Series(data.customer_ids.to_pylist()).map(
        truth.set_index("visitorid")["type_email"])
    if types.isna().any():
        raise SystemExit(f"{int(types.isna().sum())} campaign customers lack a true type")
    holdout = fit.holdout
    y, t = holdout["y"].to_numpy(), holdout["treatment"].to_numpy()
    true_type = types.iloc[holdout["position"]].to_numpy()
    oracle_score = np.vectorize(TYPE_ORDER.get)(true_type).astype(float)
    # ties among the oracle's three values are broken at random, not by position
    oracle_score += np.random.default_rng(seed).uniform(0, 1e-6, len(oracle_score))
    oracle = qini_coefficient(y, oracle_score, t)
    oracle_low, oracle_high = qini_interval(y, oracle_score, t, seed=seed)
    chosen = fit.comparison.set_index("learner").loc[fit.chosen]
    score = holdout[f"uplift_{fit.chosen}"].to_numpy()
    top = np.argsort(-score, kind="mergesort")[: int(len(score) * 0.3)]
    base = float(np.mean(true_type == "persuadable"))
    in_top = float(np.mean(true_type[top] == "persuadable"))
    print(f"chosen: {fit.chosen}, Qini {chosen['qini_coefficient']:.3f} "
          f"[{chosen['qini_low']:.3f}, {chosen['qini_high']:.3f}]")
    print(f"oracle (true types): Qini {oracle:.3f} [{oracle_low:.3f}, {oracle_high:.3f}]; "
          f"chosen / oracle = {chosen['qini_coefficient'] / oracle:.2f}")
    print(f"true persuadables: {base:.1%} of the held-out customers, {in_top:.1%} of the top "
          f"30 % by predicted uplift ({in_top / base:.2f}x)")


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
