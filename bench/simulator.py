"""How fast do the demo's simulators run, and how large is the planted campaign's lift?

    python bench/simulator.py --scale 1.0 [--days 7] [--grocery-scale 1.0] [--seed 7]

1. Generates the RetailRocket-format demo at ``--scale`` into a temporary folder (timed) and
   measures the planted win-back campaign from the written files: conversion in the window per
   group, the realised absolute lift with a 95 % Wald interval, and the planted average effect
   (ground_truth_campaign.json).
2. Simulates ``--days`` days on the generated state with one email campaign contacting a random
   30 % of all visitors (timed: ``demo.simulator.simulate`` including reading the state and
   writing every file).
3. Generates the grocery shop at ``--grocery-scale`` (timed) and simulates ``--days`` days with a
   push campaign to a random 90 % of households (timed).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo.generator import generate
from demo.grocery.push import PushCampaign
from demo.grocery.shop import generate_grocery, simulate_grocery
from demo.simulator import RunningCampaign, simulate
from demo.state import STATE_FILE
from demo.timeline import MS_PER_DAY


def planted_lift(folder: Path) -> dict[str, float]:
    """The planted campaign measured from events.csv and demo_campaign.csv."""
    truth = json.loads((folder / "ground_truth_campaign.json").read_text())
    start = pd.Timestamp(truth["window_start"], tz="UTC").value // 1_000_000
    end = (pd.Timestamp(truth["window_end"], tz="UTC") + pd.Timedelta(days=1)).value // 1_000_000
    events = pd.read_csv(folder / "events.csv", usecols=["timestamp", "visitorid", "event"])
    buyers = events.loc[(events["event"] == "transaction")
                        & events["timestamp"].between(start, end - 1), "visitorid"].unique()
    campaign = pd.read_csv(folder / "demo_campaign.csv", usecols=["visitorid", "group"])
    converted = campaign["visitorid"].isin(buyers).groupby(campaign["group"]).agg(["mean", "size"])
    p_t, n_t = converted.loc["treatment"]
    p_c, n_c = converted.loc["control"]
    se = np.sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)
    lift = p_t - p_c
    return {"n_treatment": n_t, "n_control": n_c, "p_treatment": p_t, "p_control": p_c,
            "lift": lift, "low": lift - 1.96 * se, "high": lift + 1.96 * se,
            "planted": truth["p_treatment"] - truth["p_control"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--grocery-scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)

    with tempfile.TemporaryDirectory(prefix="actionboard-sim-bench-") as tmp:
        folder = Path(tmp) / "demo"
        started = time.perf_counter()
        generate(folder, scale=args.scale, seed=args.seed, progress=False)
        generated = time.perf_counter() - started
        lift = planted_lift(folder)
        last = int(pd.read_csv(folder / "events.csv", usecols=["timestamp"])["timestamp"].max())
        visitors = pd.read_csv(folder / "ground_truth_archetypes.csv", usecols=["visitorid"])
        treated = visitors["visitorid"].to_numpy()
        treated = treated[rng.random(treated.size) < 0.3]
        campaign = RunningCampaign("bench-email", "email", last, last + 14 * MS_PER_DAY, treated)
        started = time.perf_counter()
        summary = simulate(folder / STATE_FILE, Path(tmp) / "sim", last, args.days, [campaign])
        simulated = time.perf_counter() - started

        grocery = Path(tmp) / "grocery"
        started = time.perf_counter()
        shop = generate_grocery(grocery, scale=args.grocery_scale, seed=args.seed)
        grocery_generated = time.perf_counter() - started
        orders = pd.read_csv(grocery / "orders.csv", usecols=["ordered_at", "item_id"])
        last_order = int(pd.to_datetime(orders["ordered_at"]).max().value // 1_000_000)
        item = int(orders["item_id"].value_counts().index[30])
        households = pd.read_csv(grocery / "ground_truth_households.csv", usecols=["customer_id"])
        pushed = households["customer_id"].to_numpy()
        pushed = pushed[rng.random(pushed.size) < 0.9]
        push = PushCampaign("bench-push", item, last_order, last_order + 14 * MS_PER_DAY, pushed)
        started = time.perf_counter()
        more = simulate_grocery(grocery / "grocery_state.npz", Path(tmp) / "grocery-sim",
                                last_order, args.days, [push])
        grocery_simulated = time.perf_counter() - started

    print(f"RetailRocket demo, scale {args.scale:g}, seed {args.seed}")
    print(f"  generate                         {generated:6.1f} s")
    print(f"  simulate {args.days} days, {treated.size:,} treated  {simulated:6.1f} s  "
          f"({summary.rows['events.csv']:,} events, {summary.caused:,} caused, "
          f"{summary.prevented:,} prevented purchases)")
    print("  planted campaign: conversion treatment "
          f"{lift['p_treatment']:.2%} (n={lift['n_treatment']:,.0f}), control "
          f"{lift['p_control']:.2%} (n={lift['n_control']:,.0f}); realised lift "
          f"{lift['lift'] * 100:+.2f} pp [{lift['low'] * 100:+.2f}, {lift['high'] * 100:+.2f}]; "
          f"planted {lift['planted'] * 100:+.2f} pp")
    print(f"Grocery shop, scale {args.grocery_scale:g}")
    print(f"  generate                         {grocery_generated:6.1f} s  "
          f"({shop.orders:,} orders, {shop.rows['orders.csv']:,} lines)")
    print(f"  simulate {args.days} days with a push      {grocery_simulated:6.1f} s  "
          f"({more.orders:,} orders; {more.pushed:,} reached, {more.orders_caused:,} caused, "
          f"{more.orders_prevented:,} prevented)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
