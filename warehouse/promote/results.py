"""A push campaign's results after new data: the promoted item's qualifying buyers, qualifying
baskets and sales, total sales per customer and opt-outs in treatment against the hold-out, and
pushes per incremental qualifying buyer, against the business goals (+25% item sales, +2% sales,
fewer pushes per sale). Lifts and intervals: ``analytics.experiments.results`` (Wald / Welch,
Fieller's relative interval). The pushes per incremental buyer's interval is the inverse of the
buyers' absolute lift interval (unbounded when that interval reaches zero). "Fewer pushes per
sale" needs a reference that one targeted campaign cannot give (the same push sent without the
model), so the page shows the figure and says so."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analytics.experiments.assignment import CONTROL, TREATMENT
from analytics.experiments.results import Lift, compare_means, compare_proportions
from warehouse.promote import settings as defaults
from warehouse.promote.audience import item_of_offer
from warehouse.queries.promote import push_campaign, push_outcomes
from warehouse.snapshots import open_snapshot

GOAL_ITEM_SALES = 0.25
GOAL_SALES = 0.02


@dataclass(frozen=True)
class PushResults:
    campaign_id: str
    name: str
    item_id: str
    window: str
    treatment: int
    control: int
    qualifying_buyers: Lift  # share of customers buying the item in a large basket
    qualifying_baskets: Lift  # large-basket orders holding the item, per customer
    item_sales: Lift  # item amount per customer
    sales: Lift  # all sales per customer
    opt_outs: tuple[int, int]  # treatment, control
    opt_out_rate: Lift  # share of customers opting out of pushes in the window
    pushes_per_incremental_sale: float  # inf when nothing was added
    pushes_per_incremental_interval: tuple[float, float]  # 95%; inf where unbounded

    def describe(self) -> str:
        def lift(name: str, x: Lift, goal: float | None = None) -> str:
            text = (f"{name}: treatment {x.treatment_mean:.4g} vs hold-out "
                    f"{x.control_mean:.4g}, {x.rel_lift:+.1%} (95% interval "
                    f"{x.rel_ci_low:+.1%} to {x.rel_ci_high:+.1%})")
            if goal is not None:
                met = "met" if x.rel_ci_low >= goal else (
                    "not shown" if x.rel_lift >= goal else "missed")
                text += f"; goal {goal:+.0%}: {met}"
            return text
        return "\n".join([
            f"Campaign {self.campaign_id} '{self.name}', item {self.item_id}, {self.window}: "
            f"{self.treatment:,} pushed, {self.control:,} held out.",
            lift("Buyers of the item in a large basket (share)", self.qualifying_buyers),
            lift("Qualifying baskets with the item per customer", self.qualifying_baskets),
            lift("Item sales per customer", self.item_sales, GOAL_ITEM_SALES),
            lift("All sales per customer", self.sales, GOAL_SALES),
            self._opt_outs(),
            f"Pushes per incremental qualifying buyer: {self.pushes_per_incremental_sale:.1f} "
            f"(95% interval {_pushes(self.pushes_per_incremental_interval[0])} to "
            f"{_pushes(self.pushes_per_incremental_interval[1])}); goal fewer pushes per sale: "
            "needs the same push sent without the model to compare with (not measured by one "
            "campaign).",
        ])

    def _opt_outs(self) -> str:
        treated, held = self.opt_outs
        if treated == held == 0:
            return "Opt-outs: none recorded in either group."
        rate = self.opt_out_rate
        return (f"Opt-outs: {treated:,} pushed ({rate.treatment_mean:.2%}), {held:,} held out "
                f"({rate.control_mean:.2%}); difference {rate.abs_lift * 100:+.2f} points (95% "
                f"interval {rate.abs_ci_low * 100:+.2f} to {rate.abs_ci_high * 100:+.2f}).")


def _pushes(value: float) -> str:
    return "unbounded" if value == float("inf") else f"{value:.1f}"


def _per_incremental(treated: int, added_share: float) -> float:
    """Pushes per incremental buyer when each pushed customer adds ``added_share`` buyers."""
    return 1.0 / added_share if added_share > 0 and treated else float("inf")


def push_results(db: Path, campaign_id: str, min_basket: int = defaults.DEFAULT_MIN_BASKET
                 ) -> PushResults:
    """Results of push campaign ``campaign_id`` in the published data. ValueError when the
    campaign is not published yet or names no item."""
    with open_snapshot(Path(db)) as con:
        campaign = push_campaign(con, campaign_id)
        if campaign is None:
            raise ValueError(f"campaign {campaign_id!r} is not in the published data: refresh "
                             "after launching it")
        item = item_of_offer(campaign["offer"])
        if campaign["channel"] != "push" or item is None:
            raise ValueError(f"campaign {campaign_id!r} is not an item push")
        outcomes = push_outcomes(con, campaign_id, item, min_basket)
    groups = {g: outcomes[outcomes["group_name"] == g] for g in (TREATMENT, CONTROL)}
    t, c = groups[TREATMENT], groups[CONTROL]
    buyers = compare_proportions(int((t["qualifying_orders"] > 0).sum()), len(t),
                                 int((c["qualifying_orders"] > 0).sum()), len(c))
    incremental = buyers.abs_lift * len(t)
    last = pd.Timestamp(campaign["last_data_date"]) + pd.Timedelta(days=1)
    covered = min(last, pd.Timestamp(campaign["ends_at"]))
    window = (f"{pd.Timestamp(campaign['launched_at']):%Y-%m-%d} to {covered:%Y-%m-%d}"
              + ("" if covered >= pd.Timestamp(campaign["ends_at"]) else
                 f" (of {pd.Timestamp(campaign['ends_at']):%Y-%m-%d}: data so far)"))
    opted = (int(t["opted_out"].sum()), int(c["opted_out"].sum()))
    return PushResults(
        campaign_id, str(campaign["name"]), item, window, len(t), len(c), buyers,
        compare_means(t["qualifying_orders"].astype(float), c["qualifying_orders"].astype(float)),
        compare_means(t["item_amount"], c["item_amount"]),
        compare_means(t["sales_amount"], c["sales_amount"]),
        opted, compare_proportions(opted[0], len(t), opted[1], len(c)),
        len(t) / incremental if incremental > 0 else float("inf"),
        (_per_incremental(len(t), buyers.abs_ci_high), _per_incremental(len(t), buyers.abs_ci_low)))
