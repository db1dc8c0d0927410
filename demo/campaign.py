"""A completed win-back campaign planted in the demo data, for the experiments feature.

At launch (2015-08-01) the audience is every lapsed customer of the win-back archetypes
(one-time buyers, deal seekers, lapsing high spenders): bought before launch, but not in the 14
days before it. A seeded 20 % of them are held out as control. During the window (2015-08-01 to
2015-08-28, both inclusive) their natural purchases are replaced by a planted one: each member
buys once with probability ``P_CONTROL`` (control) or ``P_CONTROL × LIFT`` (treatment), as a
normal purchase session (views, cart adds, a basket) that ends up in ``events.csv``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from demo.archetypes import ARCHETYPES, NAMES
from demo.behaviour import Sessions, Visitors, purchase_sessions
from demo.timeline import MS_PER_DAY, MS_PER_HOUR, Timeline, epoch_ms

CAMPAIGN = {
    "campaign_id": "demo-winback-2015-08",
    "campaign_name": "Win back lapsed buyers - August 2015",
    "action": "Win-back voucher",
    "channel": "email",
    "offer": "25% voucher",
    "kpi": "reactivation",
    "launched_at": "2015-08-01",
    "ends_at": "2015-08-28",
}
WINBACK_ARCHETYPES = ("one_time_buyer", "deal_seeker", "lapsing_high_spender")
LAPSED_DAYS = 14
CONTROL_SHARE = 0.2
P_CONTROL = 0.10
LIFT = 2.5
LAUNCH_MS = epoch_ms(CAMPAIGN["launched_at"])
WINDOW_END_MS = epoch_ms(CAMPAIGN["ends_at"]) + MS_PER_DAY  # exclusive: ends_at is inclusive


@dataclass(frozen=True)
class PlantedCampaign:
    """Audience (visitor positions), their group and whether they bought in the window."""

    audience: np.ndarray  # int64 visitor positions
    is_control: np.ndarray  # bool
    converted: np.ndarray  # bool, planted purchase in the window


def plant_campaign(
    visitors: Visitors, purchases: Sessions, timeline: Timeline, rng: np.random.Generator
) -> tuple[Sessions, PlantedCampaign]:
    """Pick the audience, split it, and replace its window purchases by the planted ones."""
    n = len(visitors)
    eligible = np.isin(visitors.archetype, [NAMES.index(a) for a in WINBACK_ARCHETYPES])
    before = purchases.start < LAUNCH_MS
    recent = before & (purchases.start >= LAUNCH_MS - LAPSED_DAYS * MS_PER_DAY)
    bought = np.bincount(purchases.visitor[before], minlength=n) > 0
    active = np.bincount(purchases.visitor[recent], minlength=n) > 0
    audience = np.flatnonzero(eligible & bought & ~active)

    order = rng.permutation(audience.size)
    is_control = np.zeros(audience.size, dtype=bool)
    is_control[order[: round(CONTROL_SHARE * audience.size)]] = True
    p = np.where(is_control, P_CONTROL, P_CONTROL * LIFT)
    converted = rng.random(audience.size) < p

    in_audience = np.zeros(n, dtype=bool)
    in_audience[audience] = True
    in_window = (purchases.start >= LAUNCH_MS) & (purchases.start < WINDOW_END_MS)
    kept = purchases.select(~(in_audience[purchases.visitor] & in_window))

    planted = [kept]
    buyers = audience[converted]
    for code, archetype in enumerate(ARCHETYPES):
        who = buyers[visitors.archetype[buyers] == code]
        if who.size:
            lo = np.full(who.size, LAUNCH_MS, dtype=np.int64)
            hi = np.full(who.size, WINDOW_END_MS - MS_PER_DAY - 3 * MS_PER_HOUR, dtype=np.int64)
            planted.append(purchase_sessions(who, timeline.sample(lo, hi, rng), archetype, rng))
    return Sessions.concat(planted), PlantedCampaign(audience, is_control, converted)


def campaign_table(plan: PlantedCampaign, visitors: Visitors) -> pa.Table:
    """``demo_campaign.csv``: one row per audience member with the campaign's attributes."""
    n = plan.audience.size
    order = np.argsort(visitors.visitor_ids[plan.audience])
    same = np.zeros(n, dtype=np.int8)  # every row holds the campaign's one value
    columns = {
        name: pa.DictionaryArray.from_arrays(same, pa.array([value]))
        for name, value in CAMPAIGN.items()
    }
    columns["control_share"] = pa.array(np.full(n, CONTROL_SHARE))
    columns["visitorid"] = pa.array(visitors.visitor_ids[plan.audience][order])
    columns["group"] = pa.DictionaryArray.from_arrays(
        pa.array(plan.is_control[order].astype(np.int8)), pa.array(["treatment", "control"])
    )
    return pa.table(columns)


def write_ground_truth(path: Path, plan: PlantedCampaign) -> None:
    """``ground_truth_campaign.json``: what was planted, to check the measured effect against."""
    control = plan.is_control
    truth = {
        **{k: CAMPAIGN[k] for k in ("campaign_id", "launched_at", "ends_at")},
        "window_start": CAMPAIGN["launched_at"],
        "window_end": CAMPAIGN["ends_at"],
        "window_note": "both dates inclusive, UTC; planted purchases fall before "
                       "window_end 00:00 and audience members have no other purchase in it",
        "audience_rule": f"archetype in {list(WINBACK_ARCHETYPES)}, bought before launch, "
                         f"no purchase in the {LAPSED_DAYS} days before launch",
        "audience_size": int(plan.audience.size),
        "control_size": int(control.sum()),
        "treatment_size": int((~control).sum()),
        "control_share": CONTROL_SHARE,
        "p_control": P_CONTROL,
        "p_treatment": P_CONTROL * LIFT,
        "lift_factor": LIFT,
        "converted_control": int(plan.converted[control].sum()),
        "converted_treatment": int(plan.converted[~control].sum()),
    }
    path.write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
