"""How well do the uplift models find the persuadables of campaigns a campaign owner would run?

    python bench/uplift_loop_quality.py --folder DIR [--seeds 7,11] [--scale 1] [--splits 5]
        [--audiences planted,buyers,buyers-90d,active-30d]

The loop of issue 14 on a fresh demo shop, through the product's own commands. Per demo seed:
build the demo warehouse (``DIR/seed<S>/base``, as ``python app.py serve`` does, without the
decline model; kept and reused when it is already there); then, per audience, on a copy of that
fresh warehouse: a rule of the board (first, so it wins every customer it matches) with a random
control group of 20 % is launched by
``launch_campaign`` as the board does (email, 14 days, dated by the campaign clock at the end of
the data), ``simulate_days`` carries the shop on 14 days (the treatment group responds by its
true email type), and ``refresh`` measures the campaign and learns its uplift model. Each
campaign is then judged exactly as ``bench/uplift_quality.py`` judges the planted one
(``judge_campaign``: the chosen learner's held-out Qini with its interval, its share of the
oracle's, the persuadables in its top 30 % against their base share, and the same for ranking by
visits), on hold-out splits 0 to ``--splits`` - 1 (split 0 is the refresh's own).

Audiences (dates relative to the end of the data, D):

* ``planted``: the demo's planted win-back campaign, judged on the fresh demo itself;
* ``buyers``: every customer who bought;
* ``buyers-90d``: buyers with any activity in the 90 days before D;
* ``active-30d``: everyone (buyers and visitors who never bought) active in the 30 days before D.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

# The repository root in place of bench/ (which Python puts first for a script): there bench.py
# would shadow the bench folder that the shared judgement is imported from.
if sys.path[0] == str(Path(__file__).resolve().parent):
    sys.path.pop(0)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from actionboard_cli import build_demo_warehouse
from bench.uplift_quality import CAMPAIGN, TruthQuality, judge_campaign
from warehouse.clock import cutoff_after
from warehouse.commands import Rule, create_rule, launch_campaign
from warehouse.demo_shop import simulate_days
from warehouse.pipeline.refresh import refresh
from warehouse.snapshots import open_snapshot

USER = "bench"
CHANNEL = "email"
CONTROL_SHARE = 0.2
DAYS = 14


def audience_conditions(name: str, data_end: datetime) -> list[dict[str, object]]:
    """The rule conditions of audience ``name`` for data ending at ``data_end``."""
    def active_since(days: int) -> dict[str, object]:
        return {"field": "last_event_at", "op": ">=",
                "value": (data_end - timedelta(days=days)).isoformat(sep=" ")}

    bought = {"field": "count_orders", "op": ">", "value": 0}
    audiences = {"buyers": [bought], "buyers-90d": [bought, active_since(90)],
                 "active-30d": [active_since(30)]}
    if name not in audiences:
        raise SystemExit(f"unknown audience {name!r}; known: {', '.join(audiences)}")
    return audiences[name]


def data_end(db: Path) -> datetime:
    """Midnight after the published data's last event date (where the campaign clock dates a
    launch on past data)."""
    with open_snapshot(db) as con:
        [(last,)] = con.execute("SELECT max(last_event_date) FROM refresh_info").fetchall()
    return cutoff_after(last)


def fresh_demo(folder: Path, seed: int, scale: float) -> Path:
    db = folder / f"seed{seed}" / "base" / "demo.duckdb"
    if db.exists():
        print(f"seed {seed}: reusing the demo warehouse at {db}")
    else:
        db.parent.mkdir(parents=True, exist_ok=True)
        build_demo_warehouse(db, scale=scale, seed=seed, progress=False, decline=False)
    return db


def run_loop(base: Path, audience: str) -> tuple[Path, str]:
    """On a copy of the fresh demo ``base``: launch ``audience`` from a rule of the board, carry
    the shop on through its window, refresh. Returns the copy and the campaign's id."""
    folder = base.parent.parent / audience
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(base.parent, folder)
    db = folder / base.name
    started = time.perf_counter()
    rule = create_rule(db, Rule(name=f"Loop: {audience}", priority=1, channel=CHANNEL,
                                conditions=audience_conditions(audience, data_end(db)),
                                action="Win-back voucher", offer="10% voucher",
                                kpi="conversion rate"), user=USER)
    launched = launch_campaign(db, rule.rule_id, user=USER, control_share=CONTROL_SHARE,
                               duration_days=DAYS)
    print(f"{audience}: launched {launched.campaign_id}, {launched.count_treatment:,} treatment, "
          f"{launched.count_control:,} control, {launched.count_excluded:,} left out; "
          f"{launched.describe_clock()}")
    simulated = simulate_days(db, DAYS)
    if launched.campaign_id not in simulated.contacted:
        raise SystemExit(f"the simulated days did not contact {launched.campaign_id}")
    refresh(db, progress=False)
    with open_snapshot(db) as con:
        [(trained, reason, qini)] = con.execute(
            "SELECT is_trained, reason, qini_coefficient FROM uplift_models "
            "WHERE campaign_id = ?", [launched.campaign_id]).fetchall()
    if not trained:
        raise SystemExit(f"{launched.campaign_id} was not learnt: {reason}")
    print(f"{audience}: simulated {DAYS} days and refreshed in "
          f"{time.perf_counter() - started:.0f} s; the refresh's model: Qini {qini:.3f}")
    return db, launched.campaign_id


def row(seed: int, audience: str, quality: TruthQuality) -> str:
    q = quality
    return (f"| {seed} | {audience} | {q.count_treatment:,} / {q.count_control:,} | {q.split} | "
            f"{q.chosen} | {q.qini:.3f} [{q.qini_low:.3f}, {q.qini_high:.3f}] | "
            f"{q.oracle:.3f} | {q.of_oracle:.2f} | {q.base_share:.1%} | {q.top_share:.1%} | "
            f"{q.ratio:.2f} | {q.baseline_of_oracle:.2f} | {q.baseline_ratio:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--seeds", default="7,11")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--audiences", default="planted,buyers,buyers-90d,active-30d")
    args = parser.parse_args()
    rows = ["| seed | audience | treated / control | split | chosen | Qini [95 %] | oracle | "
            "of oracle | persuadables held out | in top 30 % | ratio | most visits first: "
            "of oracle | ratio |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for seed in (int(s) for s in args.seeds.split(",")):
        base = fresh_demo(args.folder.resolve(), seed, args.scale)
        campaigns = [(audience, *((base, CAMPAIGN) if audience == "planted"
                                  else run_loop(base, audience)))
                     for audience in args.audiences.split(",")]
        for audience, db, campaign_id in campaigns:
            for split in range(args.splits):
                quality = judge_campaign(db, campaign_id, split)
                rows.append(row(seed, audience, quality))
                print(rows[-1], f"({quality.seconds:.1f} s)", flush=True)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
